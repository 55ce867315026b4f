//! The accounts domain's queries.

use async_graphql::{Context, ID, Object};
use entity::{account, api_client};

use crate::accounts::policy::AccountsPermission;
use crate::accounts::service::{self};
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;

use super::*;

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// Accounts the viewer may see: its community (residents, committee),
    /// its region (offices), its organisation (organisations), everyone
    /// (platform admins). Optionally only members of one community, or
    /// matching a text in username or display name.
    #[graphql(
        visible = "super::shown::read_accounts",
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
        visible = "super::shown::manage_api_clients",
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
