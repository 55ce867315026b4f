//! The `Node` interface and `node`/`nodes`: fetch any object by its global
//! id, subject to the same policy as the lists it appears in. An object the
//! viewer may not see is reported as not found.

use std::collections::{HashMap, HashSet};

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
use crate::projects::council::readable_communities;
use crate::projects::graphql::{CouncilMeeting, Project};

/// An object with a global id.
#[derive(Interface, Clone)]
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

/// Fetch objects by global id with one query per object type (not per id),
/// each filtered by the policy. Unknown, malformed or invisible ids give
/// `None` in their position.
async fn fetch_many(ctx: &Context<'_>, wanted: &[ID]) -> ApiResult<Vec<Option<Node>>> {
    let p = ctx.principal()?;
    let db = &ctx.db().read;
    let decoded: Vec<Option<(String, i32)>> = wanted.iter().map(ids::decode).collect();
    let mut by_type: HashMap<&str, Vec<i32>> = HashMap::new();
    for (ty, n) in decoded.iter().flatten() {
        by_type.entry(ty.as_str()).or_default().push(*n);
    }
    let mut found: HashMap<(String, i32), Node> = HashMap::new();
    let mut put = |ty: &str, id: i32, node: Node| {
        found.insert((ty.to_owned(), id), node);
    };
    for (ty, keys) in by_type {
        let keys = keys.into_iter();
        match ty {
            "Region" => {
                for m in region::Entity::find().filter(region::Column::Id.is_in(keys)).all(db).await? {
                    put(ty, m.id, Node::Region(Region(m)));
                }
            }
            "Building" => {
                for m in building::Entity::find().filter(building::Column::Id.is_in(keys)).all(db).await? {
                    put(ty, m.id, Node::Building(Building(m)));
                }
            }
            "Organisation" => {
                for m in organisation::Entity::find().filter(organisation::Column::Id.is_in(keys)).all(db).await? {
                    put(ty, m.id, Node::Organisation(Organisation(m)));
                }
            }
            "Account" if policy::authorize(p, Action::ReadAccounts).is_ok() => {
                let rows = account::Entity::find()
                    .filter(account::Column::Id.is_in(keys))
                    .filter(policy::accounts_filter(p, account::Column::Id))
                    .all(db)
                    .await?;
                for m in rows {
                    put(ty, m.id, Node::Account(Account(m)));
                }
            }
            "Membership" if policy::authorize(p, Action::ReadAccounts).is_ok() => {
                // A membership is personal to its account: visible where the
                // account's personal fields are.
                let rows = membership::Entity::find().filter(membership::Column::Id.is_in(keys)).all(db).await?;
                let visible: HashSet<i32> = account::Entity::find()
                    .filter(account::Column::Id.is_in(rows.iter().map(|m| m.account_id)))
                    .filter(policy::accounts_filter(p, account::Column::Id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|a| a.id)
                    .collect();
                let mut communities: HashMap<i32, Vec<i32>> = HashMap::new();
                for m in membership::Entity::find()
                    .filter(membership::Column::AccountId.is_in(visible.iter().copied()))
                    .all(db)
                    .await?
                {
                    if let (true, Some(c)) = (policy::is_community_role(m.role), m.region_id) {
                        communities.entry(m.account_id).or_default().push(c);
                    }
                }
                for m in rows {
                    let cs = communities.get(&m.account_id).map(Vec::as_slice).unwrap_or_default();
                    if visible.contains(&m.account_id) && policy::may_see_personal(p, m.account_id, cs) {
                        put(ty, m.id, Node::Membership(Membership(m)));
                    }
                }
            }
            "ApiClient" if policy::authorize(p, Action::ManageApiClients).is_ok() => {
                for m in api_client::Entity::find().filter(api_client::Column::Id.is_in(keys)).all(db).await? {
                    put(ty, m.id, Node::ApiClient(ApiClient(m)));
                }
            }
            "AuditEntry" if policy::authorize(p, Action::ReadAuditLog).is_ok() => {
                let rows = audit_log::Entity::find()
                    .filter(audit_log::Column::Id.is_in(keys))
                    .filter(policy::audit_filter(p))
                    .all(db)
                    .await?;
                for m in rows {
                    put(ty, m.id, Node::AuditEntry(AuditEntry(m)));
                }
            }
            "Project" => {
                let rows = project::Entity::find()
                    .filter(project::Column::Id.is_in(keys))
                    .filter(policy::projects_filter(p))
                    .all(db)
                    .await?;
                for m in rows {
                    put(ty, m.id, Node::Project(Project(m)));
                }
            }
            "CouncilMeeting" => {
                let rows =
                    council_meeting::Entity::find().filter(council_meeting::Column::Id.is_in(keys)).all(db).await?;
                let readable = readable_communities(db, p, rows.iter().map(|m| m.community_id).collect()).await?;
                for m in rows.into_iter().filter(|m| readable.contains(&m.community_id)) {
                    put(ty, m.id, Node::CouncilMeeting(CouncilMeeting(m)));
                }
            }
            _ => {}
        }
    }
    Ok(decoded.into_iter().map(|d| d.and_then(|(ty, n)| found.get(&(ty, n)).cloned())).collect())
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetch an object by global id; NOT_FOUND when it does not exist or the
    /// viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Node> {
        let mut found = fetch_many(ctx, std::slice::from_ref(&id)).await?;
        found.pop().flatten().ok_or_else(|| ApiError::not_found("node"))
    }

    /// Fetch up to 100 objects by global id, in order; `null` for each one
    /// that does not exist or is not visible.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids")));
        }
        fetch_many(ctx, &ids).await
    }
}
