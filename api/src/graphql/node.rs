//! The `Node` interface machinery: every object with a global id implements
//! [`NodeType`] (its name, once, used by id encoding and decoding, `node`
//! dispatch and the audit log's `objectType`; and its visible-rows fetch).
//! The list of node types lives in the domain registry
//! ([`crate::domains`]); `node`/`nodes` here dispatch through it. An object
//! the viewer may not see is reported as not found.

use std::collections::HashMap;
use std::future::Future;

use async_graphql::{Context, ID, Object};

use crate::domains::{Node, fetch_nodes};
use crate::error::{ApiError, ApiResult};
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;

/// An object with a global id.
pub trait NodeType: Sized + Send + Sync + 'static {
    /// The GraphQL type name.
    const NAME: &'static str;

    /// The database id.
    fn db_id(&self) -> i32;

    /// The objects among `ids` the principal may see: one query, through
    /// the domain's `visible()` for this entity.
    fn fetch_visible<'a>(ctx: &'a Context<'_>, ids: Vec<i32>)
    -> impl Future<Output = ApiResult<Vec<Self>>> + Send + 'a;

    /// The global id.
    fn global_id(&self) -> ID {
        ids::encode(Self::NAME, self.db_id())
    }
}

/// Most ids `nodes` accepts at once.
const MAX_NODES: usize = 100;

/// Fetch objects by global id with one query per object type (not per id).
/// Unknown, malformed or invisible ids give `None` in their position.
async fn fetch_many(ctx: &Context<'_>, wanted: &[ID]) -> ApiResult<Vec<Option<Node>>> {
    let decoded: Vec<Option<(String, i32)>> = wanted.iter().map(ids::decode).collect();
    let mut by_type: HashMap<&str, Vec<i32>> = HashMap::new();
    for (ty, n) in decoded.iter().flatten() {
        by_type.entry(ty.as_str()).or_default().push(*n);
    }
    let mut found: HashMap<(String, i32), Node> = HashMap::new();
    for (ty, keys) in by_type {
        for (id, node) in fetch_nodes(ctx, ty, keys).await? {
            found.insert((ty.to_owned(), id), node);
        }
    }
    Ok(decoded.into_iter().map(|d| d.and_then(|key| found.get(&key).cloned())).collect())
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetch an object by global id; `null` when it does not exist or the
    /// viewer may not see it (as Relay expects). Typed lookups such as
    /// `project(id:)` answer NOT_FOUND instead.
    #[graphql(guard = "Authenticated")]
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "A global id.")] id: ID) -> ApiResult<Option<Node>> {
        let mut found = fetch_many(ctx, std::slice::from_ref(&id)).await?;
        Ok(found.pop().flatten())
    }

    /// Fetch up to 100 objects by global id, in order; `null` for each one
    /// that does not exist or is not visible.
    #[graphql(guard = "Authenticated", complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input("ids", format!("at most {MAX_NODES} ids")));
        }
        fetch_many(ctx, &ids).await
    }
}

/// Implement [`NodeType`] for a GraphQL object wrapping the model of entity
/// module `$m` (`pub struct Region(pub region::Model)`), with the domain's
/// visible-rows query `$visible: fn(&Principal) -> Select<$m::Entity>`.
#[macro_export]
macro_rules! node_type {
    ($ty:ident, $name:literal, $m:ident, $visible:expr) => {
        impl $crate::graphql::node::NodeType for $ty {
            const NAME: &'static str = $name;

            fn db_id(&self) -> i32 {
                self.0.id
            }

            fn fetch_visible<'a>(
                ctx: &'a async_graphql::Context<'_>,
                ids: Vec<i32>,
            ) -> impl std::future::Future<Output = $crate::error::ApiResult<Vec<Self>>> + Send + 'a {
                async move {
                    use sea_orm::{ColumnTrait, QueryFilter};
                    use $crate::graphql::context::ContextExt;
                    let visible: fn(&$crate::auth::Principal) -> sea_orm::Select<$m::Entity> = $visible;
                    let p = ctx.principal()?;
                    let rows = visible(p).filter($m::Column::Id.is_in(ids)).all(&ctx.db().read).await?;
                    Ok(rows.into_iter().map($ty).collect())
                }
            }
        }
    };
}
