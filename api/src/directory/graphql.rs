//! GraphQL types, queries and mutations of the directory.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{building, organisation, organisation_community, region};

use super::service;
use crate::directory::policy::DirectoryPermission;
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate, paginate_loaded};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::loaders::{ByColumn, ById};
use crate::graphql::node::NodeType;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::directory::policy::DirectoryPermission;

    crate::shown! {
        manage_directory => DirectoryPermission::ManageDirectory;
    }
}

/// Level of a region.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RegionKind")]
pub enum RegionKind {
    /// A district (区).
    District,
    /// A street (街道) within a district.
    Street,
    /// A community (社区) within a street.
    Community,
}

/// Kind of organisation.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::OrganisationKind")]
pub enum OrganisationKind {
    /// A government office (街道办 / 区政府).
    GovernmentOffice,
    /// A community committee (居委会).
    CommunityCommittee,
    /// A social organisation (社会组织).
    SocialOrganization,
    /// A property company (物业公司).
    PropertyCompany,
    /// A people's mediation committee (人民调解委员会): it mediates disputes;
    /// its staff hold no accounts of their own here.
    MediationCommittee,
    /// A community or street party organisation (社区党组织).
    PartyOrganisation,
}

/// A district, street or community.
#[derive(Clone)]
pub struct Region(pub region::Model);

/// A district, street or community.
#[Object]
impl Region {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Official administrative code, unique.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The kind.
    async fn kind(&self) -> RegionKind {
        self.0.kind.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The enclosing region (none for a district).
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.parent_id, Region).await
    }
    /// Regions directly below this one.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Region>> {
        let rows = ctx.loader::<ByColumn<region::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |r| r.id, PageArgs::new(after, before, first, last), Region)
    }
    /// Buildings of a community (empty for other levels).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn buildings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Building>> {
        let rows = ctx.loader::<ByColumn<building::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |b| b.id, PageArgs::new(after, before, first, last), Building)
    }
}

/// A building (楼门院) of a community.
#[derive(Clone)]
pub struct Building(pub building::Model);

impl Building {
    /// The buildings with these ids, in this order (one batch for every
    /// object of a response that names buildings).
    pub async fn many(ctx: &Context<'_>, ids: Vec<i32>) -> ApiResult<Vec<Building>> {
        let found = ctx.loader::<ById<building::Entity>>()?.load_many(ids.iter().copied()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned().map(Building)).collect())
    }
}

/// A building (楼门院) of a community.
#[Object]
impl Building {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The community it belongs to.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
}

/// A government office, community committee, social organisation or
/// property company.
#[derive(Clone)]
pub struct Organisation(pub organisation::Model);

/// A government office, community committee, social organisation or
/// property company.
#[Object]
impl Organisation {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The kind.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// Home region: an office's jurisdiction, a committee's community.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.region_id, Region).await
    }
    /// Communities the organisation serves or manages.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn service_area(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Region>> {
        let links =
            ctx.loader::<ByColumn<organisation_community::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let regions = ctx.loader::<ById<region::Entity>>()?.load_many(links.iter().map(|l| l.community_id)).await?;
        let mut rows: Vec<region::Model> = regions.into_values().collect();
        rows.sort_by_key(|r| r.id);
        paginate_loaded(rows, |r| r.id, PageArgs::new(after, before, first, last), Region)
    }
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Regions, optionally of one kind or below one parent. Public, also
    /// without a token (a person signing up picks a community).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those of this kind.")] kind: Option<RegionKind>,
        #[graphql(desc = "Only the children of this region (global id).")] parent_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Region>> {
        let parent = parent_id.map(|pid| ids::id_of::<Region>(&pid, "parentId")).transpose()?;
        let q = service::regions(kind.map(Into::into), parent)?;
        paginate(ctx, q, region::Column::Id, PageArgs::new(after, before, first, last), Region).await
    }

    /// Communities: the regions of kind COMMUNITY. Public, also without a token.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Region>> {
        let q = service::regions(Some(entity::enums::RegionKind::Community), None)?;
        paginate(ctx, q, region::Column::Id, PageArgs::new(after, before, first, last), Region).await
    }

    /// Buildings, optionally of one community. Public, also without a token
    /// (a person signing up picks a building).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn buildings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Building>> {
        let community = community_id.map(|c| ids::id_of::<Region>(&c, "communityId")).transpose()?;
        let q = service::buildings(community)?;
        paginate(ctx, q, building::Column::Id, PageArgs::new(after, before, first, last), Building).await
    }

    /// Organisations, optionally of one kind or serving one community.
    #[graphql(
        visible = "crate::graphql::surface::signed_in",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(DirectoryPermission::ReadDirectory)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those of this kind.")] kind: Option<OrganisationKind>,
        #[graphql(desc = "The community (global id).")] community_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Organisation>> {
        let community = community_id.map(|c| ids::id_of::<Region>(&c, "communityId")).transpose()?;
        let q = service::organisations(ctx.principal()?, kind.map(Into::into), community)?;
        paginate(ctx, q, organisation::Column::Id, PageArgs::new(after, before, first, last), Organisation).await
    }
}

/// The input of `createRegion`.
#[derive(InputObject)]
pub struct CreateRegionInput {
    /// The name.
    pub name: String,
    /// Official administrative code, unique.
    pub code: String,
    /// The kind.
    pub kind: RegionKind,
    /// Required for streets (a district) and communities (a street).
    pub parent_id: Option<ID>,
}

/// The input of `createBuilding`.
#[derive(InputObject)]
pub struct CreateBuildingInput {
    /// The community (global id).
    pub community_id: ID,
    /// The name.
    pub name: String,
}

/// The input of `createOrganisation`.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// The name.
    pub name: String,
    /// The kind.
    pub kind: OrganisationKind,
    /// Home region: a street or district for an office, a community for a committee.
    pub region_id: ID,
    /// Communities served or managed.
    #[graphql(default)]
    pub service_area: Vec<ID>,
}

/// The input of `setServiceArea`.
#[derive(InputObject)]
pub struct SetServiceAreaInput {
    /// The organisation (global id).
    pub organisation_id: ID,
    /// The complete new list of communities.
    pub community_ids: Vec<ID>,
}

fn decode_all(ids_in: &[ID], field: &str) -> ApiResult<Vec<i32>> {
    ids_in.iter().map(|i| ids::id_of::<Region>(i, field)).collect()
}

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Create a district, street or community (platform admins).
    #[graphql(visible = "shown::manage_directory", guard = "Allowed(DirectoryPermission::ManageDirectory)")]
    async fn create_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateRegionInput,
    ) -> ApiResult<CreateRegionPayload> {
        let region: ApiResult<Region> = async {
            let p = ctx.principal()?;
            let parent_id = input.parent_id.as_ref().map(|i| ids::id_of::<Region>(i, "parentId")).transpose()?;
            let new = service::NewRegion { name: input.name, code: input.code, kind: input.kind.into(), parent_id };
            Ok(Region(service::create_region(ctx.db(), p, new).await?))
        }
        .await;
        Ok(CreateRegionPayload { region: region? })
    }

    /// Create a building in a community (platform admins).
    #[graphql(visible = "shown::manage_directory", guard = "Allowed(DirectoryPermission::ManageDirectory)")]
    async fn create_building(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateBuildingInput,
    ) -> ApiResult<CreateBuildingPayload> {
        let building: ApiResult<Building> = async {
            let p = ctx.principal()?;
            let community = ids::id_of::<Region>(&input.community_id, "communityId")?;
            Ok(Building(service::create_building(ctx.db(), p, community, &input.name).await?))
        }
        .await;
        Ok(CreateBuildingPayload { building: building? })
    }

    /// Create an organisation (platform admins).
    #[graphql(visible = "shown::manage_directory", guard = "Allowed(DirectoryPermission::ManageDirectory)")]
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateOrganisationInput,
    ) -> ApiResult<CreateOrganisationPayload> {
        let organisation: ApiResult<Organisation> = async {
            let p = ctx.principal()?;
            let new = service::NewOrganisation {
                name: input.name,
                kind: input.kind.into(),
                region_id: ids::id_of::<Region>(&input.region_id, "regionId")?,
                service_area: decode_all(&input.service_area, "serviceArea")?,
            };
            Ok(Organisation(service::create_organisation(ctx.db(), p, new).await?))
        }
        .await;
        Ok(CreateOrganisationPayload { organisation: organisation? })
    }

    /// Replace the communities an organisation serves (platform admins).
    #[graphql(visible = "shown::manage_directory", guard = "Allowed(DirectoryPermission::ManageDirectory)")]
    async fn set_organisation_service_area(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetServiceAreaInput,
    ) -> ApiResult<SetOrganisationServiceAreaPayload> {
        let organisation: ApiResult<Organisation> = async {
            let p = ctx.principal()?;
            let org = ids::id_of::<Organisation>(&input.organisation_id, "organisationId")?;
            let communities = decode_all(&input.community_ids, "communityIds")?;
            Ok(Organisation(service::set_service_area(ctx.db(), p, org, &communities).await?))
        }
        .await;
        Ok(SetOrganisationServiceAreaPayload { organisation: organisation? })
    }
}

crate::node_type!(Region, "Region", region, super::policy::visible_regions);
crate::node_type!(Building, "Building", building, super::policy::visible_buildings);
crate::node_type!(Organisation, "Organisation", organisation, super::policy::visible_organisations);

/// The result of `createRegion`.
#[derive(SimpleObject)]
pub struct CreateRegionPayload {
    /// The region.
    pub region: Region,
}

/// The result of `createBuilding`.
#[derive(SimpleObject)]
pub struct CreateBuildingPayload {
    /// The building.
    pub building: Building,
}

/// The result of `createOrganisation`.
#[derive(SimpleObject)]
pub struct CreateOrganisationPayload {
    /// The organisation.
    pub organisation: Organisation,
}

/// The result of `setOrganisationServiceArea`.
#[derive(SimpleObject)]
pub struct SetOrganisationServiceAreaPayload {
    /// The organisation.
    pub organisation: Organisation,
}
