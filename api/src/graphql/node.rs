//! The `Node` interface machinery: every object with a global id implements
//! [`NodeType`] (its name, once, used by id encoding and decoding, `node`
//! dispatch and the audit log's `objectType`; and its visible-rows fetch).
//! The list of node types, the `Node` interface and the `node`/`nodes`
//! root fields are declared in the domain registry; they dispatch through
//! [`fetch_many`] with the registry's [`NodeSet`]. An object the viewer may
//! not see is reported as not found.

use std::collections::HashMap;
use std::future::Future;

use async_graphql::{Context, ID};

use crate::error::{ApiError, ApiResult};
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

/// Every node type at once: the registry's `Node` interface, which fetches
/// the visible objects of one type name through that type's [`NodeType`].
pub trait NodeSet: Clone + Send + Sync + Sized {
    /// The visible objects of type `ty` among `ids`, with their ids.
    fn fetch<'a>(
        ctx: &'a Context<'_>,
        ty: &'a str,
        ids: Vec<i32>,
    ) -> impl Future<Output = ApiResult<Vec<(i32, Self)>>> + Send + 'a;
}

/// Most ids `nodes` accepts at once.
pub const MAX_NODES: usize = 100;

/// Fetch objects by global id with one query per object type (not per id).
/// Unknown, malformed or invisible ids give `None` in their position.
pub async fn fetch_many<N: NodeSet>(ctx: &Context<'_>, wanted: &[ID]) -> ApiResult<Vec<Option<N>>> {
    if wanted.len() > MAX_NODES {
        return Err(ApiError::bad_input("ids", t!("ids.at_most", max = MAX_NODES)));
    }
    let decoded: Vec<Option<(String, i32)>> = wanted.iter().map(ids::decode).collect();
    let mut by_type: HashMap<&str, Vec<i32>> = HashMap::new();
    for (ty, n) in decoded.iter().flatten() {
        by_type.entry(ty.as_str()).or_default().push(*n);
    }
    let mut found: HashMap<(String, i32), N> = HashMap::new();
    for (ty, keys) in by_type {
        for (id, node) in N::fetch(ctx, ty, keys).await? {
            found.insert((ty.to_owned(), id), node);
        }
    }
    Ok(decoded.into_iter().map(|d| d.and_then(|key| found.get(&key).cloned())).collect())
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
