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
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Principal;
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

    /// The ids of the objects the principal may see, as a subquery of the
    /// same visible-rows query: what the audit log and the change feed
    /// filter their entries by (see `feed_condition`).
    fn visible_ids(p: &Principal) -> SelectStatement;

    /// The ids of every object of this type (what exists, whoever asks).
    fn all_ids() -> SelectStatement;

    /// Audit entries about objects of this type that no longer exist, or
    /// about many at once (no object id), that the principal may read: a
    /// condition on `audit_log`'s columns. By default the platform admin's
    /// only ([`admin_tombstones`]): such entries are hidden unless the
    /// domain says who else may read them.
    fn tombstones(p: &Principal) -> Option<Condition>;
}

/// The default rule for entries without a live object: the platform
/// admin reads them, nobody else.
pub fn admin_tombstones(p: &Principal) -> Option<Condition> {
    (p.role == entity::enums::Role::PlatformAdmin && p.account_id().is_some()).then(Condition::all)
}

/// Feed entries (audit rows, change entries) the principal may read by
/// their object: `type_col` names a node type of `T` and `id_col` one of
/// its objects the principal may see now; with `tombstones` (the audit
/// log), or one that is gone under the type's rule for that. One clause
/// per node type; an entry of a type not listed matches none (deny by
/// default).
pub fn feed_clause<T: NodeType>(
    p: &Principal,
    type_col: impl ColumnTrait,
    id_col: impl ColumnTrait,
    tombstones: bool,
) -> Condition {
    let mut about = Condition::any().add(id_col.in_subquery(T::visible_ids(p)));
    if let Some(rule) = T::tombstones(p).filter(|_| tombstones) {
        let gone = Condition::any().add(id_col.is_null()).add(id_col.not_in_subquery(T::all_ids()));
        about = about.add(Condition::all().add(gone).add(rule));
    }
    Condition::all().add(type_col.eq(T::NAME)).add(about)
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
/// visible-rows query `$visible: fn(&Principal) -> Select<$m::Entity>`, and
/// optionally its rule for audit entries without a live object
/// (`tombstones = f`, `f: fn(&Principal) -> Option<Condition>`).
#[macro_export]
macro_rules! node_type {
    ($ty:ident, $name:literal, $m:ident, $visible:expr) => {
        $crate::node_type!(@impl $ty, $name, $m, $visible, None);
    };
    ($ty:ident, $name:literal, $m:ident, $visible:expr, tombstones = $tomb:expr) => {
        $crate::node_type!(@impl $ty, $name, $m, $visible, Some($tomb));
    };
    (@impl $ty:ident, $name:literal, $m:ident, $visible:expr, $tomb:expr) => {
        impl $crate::graphql::node::NodeType for $ty {
            const NAME: &'static str = $name;

            fn visible_ids(p: &$crate::auth::Principal) -> sea_orm::sea_query::SelectStatement {
                use sea_orm::{QuerySelect, QueryTrait};
                let visible: fn(&$crate::auth::Principal) -> sea_orm::Select<$m::Entity> = $visible;
                visible(p).select_only().column($m::Column::Id).into_query()
            }

            fn all_ids() -> sea_orm::sea_query::SelectStatement {
                use sea_orm::{EntityTrait, QuerySelect, QueryTrait};
                $m::Entity::find().select_only().column($m::Column::Id).into_query()
            }

            fn tombstones(p: &$crate::auth::Principal) -> Option<sea_orm::Condition> {
                let rule: Option<fn(&$crate::auth::Principal) -> Option<sea_orm::Condition>> = $tomb;
                match rule {
                    Some(rule) => rule(p),
                    None => $crate::graphql::node::admin_tombstones(p),
                }
            }

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
