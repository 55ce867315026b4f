//! The `Node` interface and `node`/`nodes`: fetch any object by its global
//! id, subject to the same policy as the lists it appears in. An object the
//! viewer may not see is reported as not found.

use async_graphql::{Context, ID, Interface, Object};
use entity::{account, api_client, audit_log, building, council_meeting, membership, organisation, project, region};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::accounts::graphql::{Account, ApiClient, Membership};
use crate::audit::graphql::AuditEntry;
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::{self, Action};
use crate::projects::graphql::{CouncilMeeting, Project, may_read_community};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Region(Region),
    Building(Building),
    Organisation(Organisation),
    Account(Account),
    Membership(Membership),
    ApiClient(ApiClient),
    AuditEntry(AuditEntry),
    Project(Project),
    CouncilMeeting(CouncilMeeting),
}

/// Most ids `nodes` accepts at once.
const MAX_NODES: usize = 100;

async fn fetch(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let p = ctx.principal()?;
    let Some((ty, n)) = ids::decode(id) else {
        return Ok(None);
    };
    let db = &ctx.db().read;
    let node = match ty.as_str() {
        "Region" => region::Entity::find_by_id(n).one(db).await?.map(|m| Node::Region(Region(m))),
        "Building" => building::Entity::find_by_id(n).one(db).await?.map(|m| Node::Building(Building(m))),
        "Organisation" => {
            organisation::Entity::find_by_id(n).one(db).await?.map(|m| Node::Organisation(Organisation(m)))
        }
        "Account" => {
            if policy::authorize(p, Action::ReadAccounts).is_err() {
                return Ok(None);
            }
            account::Entity::find_by_id(n)
                .filter(policy::accounts_filter(p, account::Column::Id))
                .one(db)
                .await?
                .map(|m| Node::Account(Account(m)))
        }
        "Membership" => {
            let Some(m) = membership::Entity::find_by_id(n).one(db).await? else {
                return Ok(None);
            };
            // A membership is personal to its account: visible where the
            // account's personal fields are.
            let visible_account = account::Entity::find_by_id(m.account_id)
                .filter(policy::accounts_filter(p, account::Column::Id))
                .one(db)
                .await?;
            let communities = membership::Entity::find()
                .filter(membership::Column::AccountId.eq(m.account_id))
                .all(db)
                .await?
                .into_iter()
                .filter(|x| policy::is_community_role(x.role))
                .filter_map(|x| x.region_id)
                .collect::<Vec<_>>();
            (visible_account.is_some() && policy::may_see_personal(p, m.account_id, &communities))
                .then_some(Node::Membership(Membership(m)))
        }
        "ApiClient" => {
            if policy::authorize(p, Action::ManageApiClients).is_err() {
                return Ok(None);
            }
            api_client::Entity::find_by_id(n).one(db).await?.map(|m| Node::ApiClient(ApiClient(m)))
        }
        "AuditEntry" => {
            if policy::authorize(p, Action::ReadAuditLog).is_err() {
                return Ok(None);
            }
            audit_log::Entity::find_by_id(n)
                .filter(policy::audit_filter(p))
                .one(db)
                .await?
                .map(|m| Node::AuditEntry(AuditEntry(m)))
        }
        "Project" => project::Entity::find_by_id(n)
            .filter(policy::projects_filter(p))
            .one(db)
            .await?
            .map(|m| Node::Project(Project(m))),
        "CouncilMeeting" => {
            let Some(m) = council_meeting::Entity::find_by_id(n).one(db).await? else { return Ok(None) };
            if !may_read_community(ctx, m.community_id).await? {
                return Ok(None);
            }
            Some(Node::CouncilMeeting(CouncilMeeting(m)))
        }
        _ => None,
    };
    Ok(node)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetch an object by global id; NOT_FOUND when it does not exist or the
    /// viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Node> {
        fetch(ctx, &id).await?.ok_or_else(|| ApiError::not_found("node"))
    }

    /// Fetch up to 100 objects by global id, in order; `null` for each one
    /// that does not exist or is not visible.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids")));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(fetch(ctx, id).await?);
        }
        Ok(out)
    }
}
