//! `me`, `login`, `refreshToken`, `logout` (here); a person's sessions,
//! password and history (`sessions`).

mod sessions;

pub use sessions::*;

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{account, api_client, building, membership, organisation, region};

use super::principal::{Actor, Principal};
use super::service::{self, Session};
use crate::accounts::graphql::{Account, ApiClient, Membership, Role};
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;

/// Who is asking: the acting principal of this request.
pub struct Viewer(pub Principal);

/// Who is asking: the acting principal of this request.
#[Object]
impl Viewer {
    /// The role this request acts in.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The account, when a person is acting.
    async fn account(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id(), Account).await
    }
    /// The membership the account acts in.
    async fn membership(&self, ctx: &Context<'_>) -> ApiResult<Option<Membership>> {
        load_by_id::<membership::Entity, _>(ctx, self.0.membership_id(), Membership).await
    }
    /// The API client, when a machine is acting.
    #[graphql(visible = "crate::graphql::surface::signed_in")]
    async fn api_client(&self, ctx: &Context<'_>) -> ApiResult<Option<ApiClient>> {
        let Actor::Client { api_client_id } = self.0.actor else {
            return Ok(None);
        };
        load_by_id::<api_client::Entity, _>(ctx, api_client_id, ApiClient).await
    }
    /// The community of a community role.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.scope.community_id, Region).await
    }
    /// The region of the scope: the community, or an office's or district
    /// system's jurisdiction.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.scope.region_id, Region).await
    }
    /// The building, if any.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.scope.building_id, Building).await
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.scope.organisation_id, Organisation).await
    }
    /// What happened to the person's own account, newest first: logins,
    /// password changes, sessions ended, and what staff did to it
    /// (disabled, enabled, password reset). Null for machine clients.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn account_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Cursor of the last entry seen.")] after: Option<String>,
        #[graphql(desc = "Cursor of the first entry seen.")] before: Option<String>,
        #[graphql(desc = "At most this many from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many from the end.")] last: Option<i32>,
    ) -> ApiResult<Option<Conn<AccountEvent>>> {
        let Some(me) = self.0.account_id() else { return Ok(None) };
        let args = PageArgs::new(after, before, first, last);
        sessions::account_history(ctx, me, args).await.map(Some)
    }
}

/// Tokens of a session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer token for the `Authorization` header.
    pub access_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime,
    /// Single-use token for `refreshToken`; each use returns a new one.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime,
    /// Who the tokens act as.
    pub viewer: Viewer,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        Self {
            access_token: s.access_token,
            access_token_expires_at: s.access_expires_at.into(),
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_expires_at.into(),
            viewer: Viewer(s.principal),
        }
    }
}

/// The input of `login`.
#[derive(InputObject)]
pub struct LoginInput {
    /// The login name (3 to 64 letters, digits, `-`, `_` or `.`).
    pub username: String,
    /// The password (at least 10 characters when set).
    pub password: String,
    /// Which membership to act in; default: the account's first.
    pub membership_id: Option<ID>,
}

/// The input of `refreshToken`.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `login` or the last `refreshToken`.
    pub refresh_token: String,
}

/// The input of `logout`.
#[derive(InputObject)]
pub struct LogoutInput {
    /// The refresh token from `login` or the last `refreshToken`.
    pub refresh_token: String,
}

/// The auth domain's queries.
#[derive(async_graphql::MergedObject, Default)]
pub struct AuthQuery(MeQuery, SessionsQuery);

/// The auth domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct AuthMutation(SignInMutation, SessionsMutation);

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The acting principal.
    #[graphql(visible = "crate::graphql::surface::signed_in", guard = "Authenticated")]
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Viewer> {
        Ok(Viewer(ctx.principal()?.clone()))
    }
}

#[derive(Default)]
pub struct SignInMutation;

#[Object]
impl SignInMutation {
    /// Log in with username and password. Repeated failures for one username
    /// are refused with RATE_LIMITED for a while.
    #[graphql(visible = "crate::graphql::surface::not_machines")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: LoginInput,
    ) -> ApiResult<AuthPayload> {
        let app = ctx.app();
        let membership =
            input.membership_id.as_ref().map(|i| ids::id_of::<Membership>(i, "membershipId")).transpose()?;
        if input.username.len() > 64 {
            return Err(ApiError::bad_input("username", t!("auth.too_long")));
        }
        let s = service::login(app, &ctx.client(), &input.username, &input.password, membership).await?;
        crate::graphql::context::note_signed_in(ctx, &s.principal);
        Ok(s.into())
    }

    /// Exchange a refresh token for new tokens. Each refresh token works
    /// once; reusing one revokes the whole session.
    #[graphql(visible = "crate::graphql::surface::not_machines")]
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RefreshTokenInput,
    ) -> ApiResult<AuthPayload> {
        let s = service::refresh(ctx.app(), &ctx.client(), &input.refresh_token).await?;
        crate::graphql::context::note_signed_in(ctx, &s.principal);
        Ok(s.into())
    }

    /// End the session the refresh token belongs to: its refresh tokens and
    /// every access token issued in it.
    #[graphql(visible = "crate::graphql::surface::not_machines")]
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: LogoutInput,
    ) -> ApiResult<LogoutPayload> {
        service::logout(ctx.app(), &input.refresh_token).await?;
        Ok(LogoutPayload { logged_out: true })
    }
}

/// The result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True: the session and all its refresh tokens are revoked.
    pub logged_out: bool,
}
