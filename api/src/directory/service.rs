//! Directory writes. Reads go through the GraphQL layer's loaders and
//! [`crate::graphql::connection::paginate`].

use chrono::Utc;
use entity::enums::{OrganisationKind, RegionKind};
use entity::{building, organisation, organisation_community, region};
use sea_orm::Select;
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::json;

use super::Verbs;
use super::graphql::{Building, Organisation, Region};
use crate::auth::Principal;
use crate::db::Db;
use crate::directory::policy::DirectoryPermission;
use crate::error::{ApiError, ApiResult};
use crate::policy;
use crate::uow::{Audit, UnitOfWork};

/// Regions, optionally of one kind or below one parent.
///
/// Public, with or without a principal: a person signing up picks their
/// community and building before they have an account (issue 24).
pub fn regions(kind: Option<RegionKind>, parent_id: Option<i32>) -> ApiResult<Select<region::Entity>> {
    let mut q = region::Entity::find();
    if let Some(k) = kind {
        q = q.filter(region::Column::Kind.eq(k));
    }
    if let Some(pid) = parent_id {
        q = q.filter(region::Column::ParentId.eq(pid));
    }
    Ok(q)
}

/// Buildings, optionally of one community.
/// Public like [`regions`].
pub fn buildings(community_id: Option<i32>) -> ApiResult<Select<building::Entity>> {
    let mut q = building::Entity::find();
    if let Some(c) = community_id {
        q = q.filter(building::Column::CommunityId.eq(c));
    }
    Ok(q)
}

/// Organisations, optionally of one kind or serving one community.
pub fn organisations(
    p: &Principal,
    kind: Option<OrganisationKind>,
    community_id: Option<i32>,
) -> ApiResult<Select<organisation::Entity>> {
    policy::authorize(p, DirectoryPermission::ReadDirectory)?;
    let mut q = organisation::Entity::find();
    if let Some(k) = kind {
        q = q.filter(organisation::Column::Kind.eq(k));
    }
    if let Some(c) = community_id {
        q = q.filter(
            organisation::Column::Id.in_subquery(
                Query::select()
                    .column(organisation_community::Column::OrganisationId)
                    .from(organisation_community::Entity)
                    .and_where(organisation_community::Column::CommunityId.eq(c))
                    .to_owned(),
            ),
        );
    }
    Ok(q)
}

pub struct NewRegion {
    /// The name.
    pub name: String,
    pub code: String,
    /// The kind.
    pub kind: RegionKind,
    pub parent_id: Option<i32>,
}

/// The region with this id, which must be a community.
pub async fn community<C: ConnectionTrait>(conn: &C, id: i32, field: &str) -> ApiResult<region::Model> {
    match region::Entity::find_by_id(id).one(conn).await? {
        Some(r) if r.kind == RegionKind::Community => Ok(r),
        _ => Err(ApiError::bad_input(field, t!("directory.no_such_community"))),
    }
}

/// Most buildings one object may name (an activity's, a survey's).
pub const MAX_TARGET_BUILDINGS: usize = 100;

/// Buildings named for something of `community_id` (an activity, a
/// survey): each once, all of that community, at most
/// [`MAX_TARGET_BUILDINGS`]; else BAD_USER_INPUT on `field`.
pub async fn buildings_of<C: ConnectionTrait>(
    conn: &C,
    community_id: i32,
    ids: &[i32],
    field: &str,
) -> ApiResult<Vec<i32>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_TARGET_BUILDINGS {
        return Err(ApiError::bad_input(field, t!("ids.at_most", max = MAX_TARGET_BUILDINGS)));
    }
    if ids.is_empty() {
        return Ok(ids);
    }
    let found = sea_orm::PaginatorTrait::count(
        building::Entity::find()
            .filter(building::Column::Id.is_in(ids.iter().copied()))
            .filter(building::Column::CommunityId.eq(community_id)),
        conn,
    )
    .await?;
    if usize::try_from(found).ok() != Some(ids.len()) {
        return Err(ApiError::bad_input(field, t!("projects.not_building_community")));
    }
    Ok(ids)
}

pub async fn create_region(db: &Db, p: &Principal, input: NewRegion) -> ApiResult<region::Model> {
    policy::authorize(p, DirectoryPermission::ManageDirectory)?;
    let name = crate::input::Name::parse("name", &input.name).map(crate::input::Name::into_inner)?;
    let code = crate::input::Code::parse("code", &input.code).map(crate::input::Code::into_inner)?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    // The tree has a fixed shape: districts at the top, streets in districts,
    // communities in streets.
    let parent = match input.parent_id {
        Some(id) => Some(
            region::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| ApiError::bad_input("parentId", t!("directory.no_such_region")))?,
        ),
        None => None,
    };
    let expected_parent = match input.kind {
        RegionKind::District => None,
        RegionKind::Street => Some(RegionKind::District),
        RegionKind::Community => Some(RegionKind::Street),
    };
    if parent.as_ref().map(|p| p.kind) != expected_parent {
        return Err(ApiError::bad_input(
            "parentId",
            match expected_parent {
                None => t!("directory.district_has_no_parent"),
                Some(k) => t!("directory.parent_of_kind", kind = format!("{k:?}")),
            },
        ));
    }
    let now = Utc::now();
    let created = region::ActiveModel {
        id: NotSet,
        parent_id: Set(input.parent_id),
        kind: Set(input.kind),
        name: Set(name),
        code: Set(code),
        path: Set(String::new()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let path = format!("{}{}/", parent.as_ref().map_or("/", |p| p.path.as_str()), created.id);
    let mut active: region::ActiveModel = created.into();
    active.path = Set(path);
    let created = active.update(txn).await?;
    let community = (created.kind == RegionKind::Community).then_some(created.id);
    uow.commit(Audit::of::<Region>(Verbs::RegionCreate, created.id).community(community)).await?;
    Ok(created)
}

pub async fn create_building(db: &Db, p: &Principal, community_id: i32, name: &str) -> ApiResult<building::Model> {
    policy::authorize(p, DirectoryPermission::ManageDirectory)?;
    let name = crate::input::Name::parse("name", name).map(crate::input::Name::into_inner)?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    community(txn, community_id, "communityId").await?;
    let created = building::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        name: Set(name),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<Building>(Verbs::BuildingCreate, created.id).community(Some(community_id))).await?;
    Ok(created)
}

pub struct NewOrganisation {
    /// The name.
    pub name: String,
    /// The kind.
    pub kind: OrganisationKind,
    pub region_id: i32,
    pub service_area: Vec<i32>,
}

async fn replace_service_area<C: ConnectionTrait>(conn: &C, org_id: i32, communities: &[i32]) -> ApiResult<()> {
    organisation_community::Entity::delete_many()
        .filter(organisation_community::Column::OrganisationId.eq(org_id))
        .exec(conn)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for &c in communities {
        if !seen.insert(c) {
            continue;
        }
        community(conn, c, "serviceArea").await?;
        organisation_community::ActiveModel { organisation_id: Set(org_id), community_id: Set(c) }.insert(conn).await?;
    }
    Ok(())
}

pub async fn create_organisation(db: &Db, p: &Principal, input: NewOrganisation) -> ApiResult<organisation::Model> {
    policy::authorize(p, DirectoryPermission::ManageDirectory)?;
    let name = crate::input::Name::parse("name", &input.name).map(crate::input::Name::into_inner)?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let home = region::Entity::find_by_id(input.region_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::bad_input("regionId", t!("directory.no_such_region")))?;
    // A committee belongs to one community; an office to a street or district.
    let home_ok = match input.kind {
        OrganisationKind::CommunityCommittee => home.kind == RegionKind::Community,
        OrganisationKind::GovernmentOffice => home.kind != RegionKind::Community,
        // A party organisation is a community's or a street's.
        OrganisationKind::PartyOrganisation => home.kind != RegionKind::District,
        _ => true,
    };
    if !home_ok {
        return Err(ApiError::bad_input("regionId", t!("directory.region_level_does_not_fit")));
    }
    let created = organisation::ActiveModel {
        id: NotSet,
        name: Set(name),
        kind: Set(input.kind),
        region_id: Set(input.region_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    replace_service_area(txn, created.id, &input.service_area).await?;
    uow.commit(Audit::of::<Organisation>(Verbs::OrganisationCreate, created.id).details(json!({ "kind": input.kind })))
        .await?;
    Ok(created)
}

pub async fn set_service_area(
    db: &Db,
    p: &Principal,
    organisation_id: i32,
    communities: &[i32],
) -> ApiResult<organisation::Model> {
    policy::authorize(p, DirectoryPermission::ManageDirectory)?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let org = organisation::Entity::find_by_id(organisation_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation"))?;
    replace_service_area(txn, org.id, communities).await?;
    uow.commit(
        Audit::of::<Organisation>(Verbs::OrganisationSetServiceArea, org.id)
            .details(json!({ "communities": communities })),
    )
    .await?;
    Ok(org)
}
