//! GraphQL types, queries and mutations for accounts, memberships and API
//! clients.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{account, api_client, building, membership, organisation, region};

use super::service::{self, NewAccount, NewApiClient, ScopeInput};
use crate::accounts::policy::AccountsPermission;
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate, paginate_loaded};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
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
        Ok(super::policy::may_see_personal(p, self.0.id, &communities))
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
    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// Real name (personal; see the type's description).
    async fn real_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(if self.personal_visible(ctx).await? { self.0.real_name.clone() } else { None })
    }
    /// Phone number (personal; see the type's description).
    async fn phone(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(if self.personal_visible(ctx).await? { self.0.phone.clone() } else { None })
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
        paginate_loaded(rows, |m| m.id, PageArgs::new(after, before, first, last), Membership).map(Some)
    }
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
#[Object]
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
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// Accounts the viewer may see: its community (residents, committee),
    /// its region (offices), its organisation (organisations), everyone
    /// (platform admins). Optionally only members of one community, or
    /// matching a text in username or display name.
    #[graphql(
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(AccountsPermission::ReadAccounts)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: Option<ID>,
        #[graphql(
            desc = "Text in the username or display name (at most 100 characters; `%` and `_` match literally)."
        )]
        search: Option<String>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Account>> {
        let community = community_id.map(|c| ids::id_of::<Region>(&c, "communityId")).transpose()?;
        let q = service::accounts(ctx.principal()?, community, search)?;
        paginate(ctx, q, account::Column::Id, PageArgs::new(after, before, first, last), Account).await
    }

    /// API clients (platform admins).
    #[graphql(
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(AccountsPermission::ManageApiClients)"
    )]
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<ApiClient>> {
        let q = service::api_clients(ctx.principal()?)?;
        paginate(ctx, q, api_client::Column::Id, PageArgs::new(after, before, first, last), ApiClient).await
    }
}

/// The input of `createAccount`.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// 3–64 characters: letters, digits, `-`, `_`, `.`.
    pub username: String,
    /// The name shown to others.
    pub display_name: String,
    /// The legal name; personal data.
    pub real_name: Option<String>,
    /// The phone number; personal data.
    pub phone: Option<String>,
    /// At least 8 characters.
    pub password: String,
}

/// The input of `addMembership`.
#[derive(InputObject)]
pub struct AddMembershipInput {
    /// The account (global id).
    pub account_id: ID,
    /// The role.
    pub role: Role,
    /// A community (committee) or a street/district (office).
    pub region_id: Option<ID>,
    /// The building of a resident or building head.
    pub building_id: Option<ID>,
    /// The organisation of an office, committee, social organisation or
    /// property company.
    pub organisation_id: Option<ID>,
}

/// The input of `removeMembership`.
#[derive(InputObject)]
pub struct RemoveMembershipInput {
    /// The membership (global id).
    pub membership_id: ID,
}

/// The input of `createApiClient`.
#[derive(InputObject)]
pub struct CreateApiClientInput {
    /// The name.
    pub name: String,
    /// DISTRICT_SYSTEM (with `regionId`) or SOCIAL_ORGANIZATION (with `organisationId`).
    pub role: Role,
    /// The region (global id).
    pub region_id: Option<ID>,
    /// The organisation (global id).
    pub organisation_id: Option<ID>,
}

/// The input of `revokeApiClient`.
#[derive(InputObject)]
pub struct RevokeApiClientInput {
    /// The API client (global id).
    pub api_client_id: ID,
}

/// A new API client and its secret. The secret is shown only here, once.
#[derive(SimpleObject)]
pub struct CreateApiClientPayload {
    /// The API client.
    pub api_client: ApiClient,
    /// The client secret, shown only now.
    pub client_secret: String,
}

#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Create an account (platform admins).
    #[graphql(guard = "Allowed(AccountsPermission::ManageAccounts)")]
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateAccountInput,
    ) -> ApiResult<CreateAccountPayload> {
        let account: ApiResult<Account> = async {
            let p = ctx.principal()?;
            let new = NewAccount {
                username: input.username,
                display_name: input.display_name,
                real_name: input.real_name,
                phone: input.phone,
                password: input.password,
            };
            Ok(Account(service::create_account(ctx.db(), p, new).await?))
        }
        .await;
        Ok(CreateAccountPayload { account: account? })
    }

    /// Grant an account a role in a scope (platform admins).
    #[graphql(guard = "Allowed(AccountsPermission::ManageAccounts)")]
    async fn add_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddMembershipInput,
    ) -> ApiResult<AddMembershipPayload> {
        let membership: ApiResult<Membership> = async {
            let p = ctx.principal()?;
            let account_id = ids::id_of::<Account>(&input.account_id, "accountId")?;
            let scope = ScopeInput {
                region_id: ids::opt_id_of::<Region>(input.region_id.as_ref(), "regionId")?,
                building_id: ids::opt_id_of::<Building>(input.building_id.as_ref(), "buildingId")?,
                organisation_id: ids::opt_id_of::<Organisation>(input.organisation_id.as_ref(), "organisationId")?,
            };
            Ok(Membership(service::add_membership(ctx.db(), p, account_id, input.role.into(), scope).await?))
        }
        .await;
        Ok(AddMembershipPayload { membership: membership? })
    }

    /// Remove a membership; sessions acting in it end (platform admins).
    #[graphql(guard = "Allowed(AccountsPermission::ManageAccounts)")]
    async fn remove_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RemoveMembershipInput,
    ) -> ApiResult<RemoveMembershipPayload> {
        let membership: ApiResult<Membership> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<Membership>(&input.membership_id, "membershipId")?;
            Ok(Membership(service::remove_membership(ctx.db(), p, id).await?))
        }
        .await;
        Ok(RemoveMembershipPayload { membership: membership? })
    }

    /// Create an API client (platform admins). The secret is returned once.
    #[graphql(guard = "Allowed(AccountsPermission::ManageApiClients)")]
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateApiClientInput,
    ) -> ApiResult<CreateApiClientPayload> {
        let p = ctx.principal()?;
        let new = NewApiClient {
            name: input.name,
            role: input.role.into(),
            scope: ScopeInput {
                region_id: ids::opt_id_of::<Region>(input.region_id.as_ref(), "regionId")?,
                building_id: None,
                organisation_id: ids::opt_id_of::<Organisation>(input.organisation_id.as_ref(), "organisationId")?,
            },
        };
        let (client, secret) = service::create_api_client(ctx.db(), p, new).await?;
        Ok(CreateApiClientPayload { api_client: ApiClient(client), client_secret: secret })
    }

    /// Revoke an API client; it can get no new tokens (platform admins).
    #[graphql(guard = "Allowed(AccountsPermission::ManageApiClients)")]
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RevokeApiClientInput,
    ) -> ApiResult<RevokeApiClientPayload> {
        let api_client: ApiResult<ApiClient> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ApiClient>(&input.api_client_id, "apiClientId")?;
            Ok(ApiClient(service::revoke_api_client(ctx.db(), p, id).await?))
        }
        .await;
        Ok(RevokeApiClientPayload { api_client: api_client? })
    }
}

crate::node_type!(Account, "Account", account, super::policy::visible_accounts);
crate::node_type!(Membership, "Membership", membership, super::policy::visible_memberships);
crate::node_type!(ApiClient, "ApiClient", api_client, super::policy::visible_api_clients);

/// The result of `createAccount`.
#[derive(SimpleObject)]
pub struct CreateAccountPayload {
    /// The account.
    pub account: Account,
}

/// The result of `addMembership`.
#[derive(SimpleObject)]
pub struct AddMembershipPayload {
    /// The membership.
    pub membership: Membership,
}

/// The result of `removeMembership`.
#[derive(SimpleObject)]
pub struct RemoveMembershipPayload {
    /// The membership.
    pub membership: Membership,
}

/// The result of `revokeApiClient`.
#[derive(SimpleObject)]
pub struct RevokeApiClientPayload {
    /// The API client.
    pub api_client: ApiClient,
}
