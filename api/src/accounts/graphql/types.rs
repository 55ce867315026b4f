//! Accounts, memberships and API clients.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, Object};
use entity::{account, api_client, building, membership, organisation, region};

use crate::access::{Disclose, Field};
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_loaded};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::ByColumn;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::policy;

/// The role a principal acts in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Role")]
pub enum Role {
    /// 居民: a resident of one community.
    Resident,
    /// 楼门院长: a resident who also looks after one building.
    BuildingHead,
    /// 居委会 / 社区工作者: staff of one community's committee.
    CommunityCommittee,
    /// 街道办 / 区政府: an office with a street or district jurisdiction.
    GovernmentOffice,
    /// 社会组织: staff or integration of a social organisation.
    SocialOrganization,
    /// 物业公司: staff of a property company.
    PropertyCompany,
    /// 区级系统: a district system (machine client).
    DistrictSystem,
    /// 平台管理员: operates the platform.
    PlatformAdmin,
    /// 社区党组织: the community (or street) party organisation and its
    /// secretary: convenes the council, publishes activities and surveys,
    /// endorses projects, keeps the voluntary register of party members.
    PartyOrganisation,
    /// 个人: an account acting for itself in no community role (signed up
    /// and not yet verified, or moved out): public information, its own
    /// data and its own join requests.
    Person,
}

/// A person's account. `realName`, `phone` and `memberships` are personal:
/// they are `null` unless the viewer is the person, a committee member of a
/// community the person belongs to, or a platform admin.
#[derive(Clone)]
pub struct Account(pub account::Model);

impl Account {
    async fn personal_visible(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let p = ctx.principal()?;
        if p.account_id() == Some(self.0.id) || p.role == entity::enums::Role::PlatformAdmin {
            return Ok(true);
        }
        let memberships = ctx.loader::<ByColumn<membership::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let communities: Vec<i32> =
            memberships.iter().filter(|m| policy::is_community_role(m.role)).filter_map(|m| m.region_id).collect();
        Ok(crate::accounts::policy::may_see_personal(p, self.0.id, &communities))
    }

    /// A personal field's value where the viewer may see it, the read
    /// recorded (`crate::access`) when it discloses something.
    async fn personal(&self, ctx: &Context<'_>, field: Field, value: Option<String>) -> ApiResult<Option<String>> {
        if value.is_none() || !self.personal_visible(ctx).await? {
            return Ok(None);
        }
        ctx.disclosed(self.0.id, (Self::NAME, Some(self.0.id)), &[field]);
        Ok(value)
    }
}

/// A person's account. `realName`, `phone` and `memberships` are personal:
/// they are `null` unless the viewer is the person, a committee member of a
/// community the person belongs to, or a platform admin.
#[Object]
impl Account {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The login name (3 to 64 letters, digits, `-`, `_` or `.`).
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// The name shown to others ("a former resident", in the reader's
    /// language, once the account was erased).
    async fn display_name(&self) -> String {
        display_name(&self.0)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// Real name (personal; see the type's description).
    async fn real_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        self.personal(ctx, Field::RealName, self.0.real_name.clone()).await
    }
    /// Phone number (personal; see the type's description).
    async fn phone(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        self.personal(ctx, Field::Phone, self.0.phone.clone()).await
    }
    /// Whether the account is disabled (personal; see the type's
    /// description).
    async fn disabled(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        Ok(if self.personal_visible(ctx).await? { Some(self.0.disabled) } else { None })
    }
    /// Why it was last disabled, as staff wrote it (personal; see the
    /// type's description).
    async fn disabled_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(if self.personal_visible(ctx).await? { self.0.disabled_reason.clone() } else { None })
    }
    /// Whether the person shows their phone to their building head in the
    /// household register (personal; see the type's description).
    async fn phone_shared_with_building_head(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        Ok(if self.personal_visible(ctx).await? { Some(self.0.phone_shared_with_building_head) } else { None })
    }
    /// Why erasure of the account is on hold, if it is (personal; see the
    /// type's description).
    async fn legal_hold_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(if self.personal_visible(ctx).await? { self.0.legal_hold_reason.clone() } else { None })
    }
    /// Whether the account was erased (a tombstone: "a former resident").
    async fn erased(&self) -> bool {
        self.0.erased_at.is_some()
    }
    /// Roles held, with their scopes (personal; see the type's description).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Option<Conn<Membership>>> {
        if !self.personal_visible(ctx).await? {
            return Ok(None);
        }
        let rows = ctx.loader::<ByColumn<membership::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        ctx.disclosed(self.0.id, (Self::NAME, Some(self.0.id)), &[Field::Memberships]);
        paginate_loaded(rows, |m| m.id, PageArgs::new(after, before, first, last), Membership).map(Some)
    }
}

/// The name an account is shown by: "a former resident" (in the reader's
/// language) once it was erased.
pub fn display_name(a: &account::Model) -> String {
    if a.erased_at.is_some() { t!("privacy.former_resident").render_current() } else { a.display_name.clone() }
}

/// An account's role in a scope.
#[derive(Clone)]
pub struct Membership(pub membership::Model);

/// An account's role in a scope.
#[Object]
impl Membership {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The account.
    async fn account(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// The community (community roles) or jurisdiction (offices).
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.region_id, Region).await
    }
    /// The building, if any.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
}

/// A machine client (district system or NGO integration).
#[derive(Clone)]
pub struct ApiClient(pub api_client::Model);

/// A machine client (district system or NGO integration).
#[Object(visible = "crate::graphql::surface::signed_in")]
impl ApiClient {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The OAuth2 `client_id`.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was revoked; null while active.
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(Into::into)
    }
    /// The region.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.region_id, Region).await
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The SHA-256 of each operation the client is bound to (none: it runs
    /// what its role allows); shown to platform admins.
    #[graphql(visible = "super::shown::manage_api_clients")]
    async fn trusted_documents(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        crate::accounts::service::api_client_documents(&ctx.db().read, self.0.id).await
    }
}

crate::node_type!(Account, "Account", account, crate::accounts::policy::visible_accounts);

crate::node_type!(
    Membership,
    "Membership",
    membership,
    crate::accounts::policy::visible_memberships,
    tombstones = crate::accounts::policy::membership_tombstones
);

crate::node_type!(ApiClient, "ApiClient", api_client, crate::accounts::policy::visible_api_clients);
