//! Per-request DataLoaders: every relation a resolver follows goes through
//! one of these, so a nested query costs one SQL statement per relation level
//! whatever the list sizes. Each domain registers its own loaders (see
//! `register_loaders` in the domain registry); this module names no domain.

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, Select, Statement, Value,
};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::auth::Principal;
use crate::db::Reads;
use crate::error::{ApiError, ApiResult};
pub use crate::graphql::batch::{Mode, RequestLoader};
use crate::graphql::context::ContextExt;

mod register;

pub use register::*;

fn int_of(v: Value) -> Option<i32> {
    match v {
        Value::Int(Some(n)) => Some(n),
        _ => None,
    }
}

/// Loads rows of `E` by integer primary key.
pub struct ById<E: EntityTrait> {
    db: Reads,
    /// Text columns never read for a relation (a password hash): they come
    /// back empty.
    withheld: Vec<E::Column>,
    /// For an entity with a visibility rule: the request's principal and
    /// the domain's `visible_*` query. A relation then reaches exactly the
    /// rows `node(id:)` and the lists reach (a row the viewer may not see
    /// reads as null), whichever object it is followed from; without a
    /// principal nothing is found.
    scope: Option<(Option<Arc<Principal>>, VisibleQuery<E>)>,
}

/// A domain's `visible_*` query of an entity.
pub type VisibleQuery<E> = fn(&Principal) -> Select<E>;

impl<E: EntityTrait> ById<E> {
    pub fn new(db: Reads) -> Self {
        Self { db, withheld: Vec::new(), scope: None }
    }

    /// A loader of the rows `visible` lets `principal` see.
    pub fn visible(db: Reads, principal: Option<Arc<Principal>>, visible: VisibleQuery<E>) -> Self {
        Self { db, withheld: Vec::new(), scope: Some((principal, visible)) }
    }

    /// A loader that leaves `withheld` (text columns) out of its reads.
    pub fn withholding(db: Reads, withheld: Vec<E::Column>) -> Self {
        Self { db, withheld, scope: None }
    }

    /// The query of one batch: every column but the withheld ones, which
    /// are selected as `''` so the row still decodes as `E::Model`.
    pub fn select(&self, keys: &[i32]) -> Result<Select<E>, ApiError> {
        let col = pk_column::<E>()?;
        let base = match &self.scope {
            None => E::find(),
            Some((Some(p), visible)) => visible(p),
            Some((None, _)) => E::find().filter(crate::policy::never()),
        };
        let mut q = base.filter(col.is_in(keys.iter().copied()));
        if !self.withheld.is_empty() {
            q = q.select_only();
            for (expr, alias) in self.columns() {
                q = q.column_as(expr, alias);
            }
        }
        Ok(q)
    }

    /// Each column as this loader reads it (withheld ones as `''`), with its
    /// name.
    fn columns(&self) -> impl Iterator<Item = (Expr, &'static str)> + '_ {
        E::Column::iter().map(|c| {
            let name = c.as_str();
            let expr = if self.withheld.iter().any(|w| w.as_str() == name) {
                Expr::val("")
            } else {
                Expr::col((E::default(), c))
            };
            (expr, name)
        })
    }
}

/// The prefix of the related row's columns in [`one_with`].
const RELATED: &str = "gz_r_";

/// A row with the row of another table it points at (`RELATED` columns).
struct Joined<M, N>(M, Option<N>);

impl<M: FromQueryResult, N: FromQueryResult> FromQueryResult for Joined<M, N> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self(M::from_query_result(res, pre)?, N::from_query_result_optional(res, &format!("{pre}{RELATED}"))?))
    }
}

/// A single-object lookup and one of its to-one relations in one
/// statement: the row of `q` (a visibility query narrowed to one id)
/// LEFT JOINed with the row of `R` its column `fk` points at. The related
/// row is read as the request's [`ById<R>`] loader reads it (withheld
/// columns empty) and primed into that loader, so the relation's resolver
/// finds it without a statement of its own. For a detail screen, where
/// the object and its to-one relation would otherwise be two round trips
/// in sequence; a list keeps its per-level batches.
pub async fn one_with<E, R>(ctx: &Context<'_>, q: Select<E>, fk: E::Column) -> ApiResult<Option<E::Model>>
where
    E: EntityTrait,
    R: EntityTrait,
    E::Model: Sync,
    R::Model: Clone + Send + Sync,
{
    let loader = ctx.loader::<ById<R>>()?;
    if loader.loader().scope.is_some() {
        // The join would read the related row past its visibility rule.
        return Err(ApiError::internal("one_with on a relation with a visibility rule"));
    }
    let mut q = q.join(sea_orm::JoinType::LeftJoin, E::belongs_to(R::default()).from(fk).to(pk_column::<R>()?).into());
    for (expr, name) in loader.loader().columns() {
        q = q.column_as(expr, format!("{RELATED}{name}"));
    }
    let Some(Joined(row, related)) = q.into_model::<Joined<E::Model, R::Model>>().one(&ctx.db().read).await? else {
        return Ok(None);
    };
    if let Some(key) = int_of(row.get(fk)) {
        loader.prime(key, related)?;
    }
    Ok(Some(row))
}

fn pk_column<E: EntityTrait>() -> Result<E::Column, ApiError> {
    E::PrimaryKey::iter().next().map(|pk| pk.into_column()).ok_or_else(|| ApiError::internal("entity without key"))
}

impl<E> Loader<i32> for ById<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, E::Model>, ApiError> {
        let col = pk_column::<E>()?;
        let rows = self.select(keys)?.all(&self.db).await?;
        Ok(rows.into_iter().filter_map(|m| int_of(m.get(col)).map(|id| (id, m))).collect())
    }
}

/// Load one row of `E` by id through the request's [`ById`] loader and wrap
/// it as a GraphQL object; no id, or no such row, gives `None`.
pub async fn load_by_id<E, T>(
    ctx: &Context<'_>,
    id: impl Into<Option<i32>>,
    wrap: impl FnOnce(E::Model) -> T,
) -> ApiResult<Option<T>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    let Some(id) = id.into() else { return Ok(None) };
    Ok(ctx.loader::<ById<E>>()?.load_one(id).await?.map(wrap))
}

/// The default tag of a [`ByColumn`] loader: an entity's main grouping
/// column. A second grouping column of the same entity gets a tag type of
/// its own (`ByColumn<ledger::Entity, ByProject>`), since loaders are found
/// by type.
pub struct Main;

/// Loads all rows of `E` whose `col` equals a key, ordered by primary key.
pub struct ByColumn<E: EntityTrait, Tag = Main> {
    db: Reads,
    col: E::Column,
    _tag: PhantomData<fn() -> Tag>,
}

impl<E: EntityTrait, Tag> ByColumn<E, Tag> {
    pub fn new(db: Reads, col: E::Column) -> Self {
        Self { db, col, _tag: PhantomData }
    }
}

impl<E, Tag> Loader<i32> for ByColumn<E, Tag>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    E::Column: Send + Sync,
    Tag: 'static,
{
    type Value = Vec<E::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<E::Model>>, ApiError> {
        grouped(&self.db, E::find(), self.col, keys).await
    }
}

/// The first `n` rows of `E` (primary-key order) of each value of `col`,
/// with the size of each group: a nested connection's first page cut in
/// SQL for all parents at once (`ROW_NUMBER() OVER (PARTITION BY col)`),
/// instead of loading every child row and paging in memory. Keys are
/// (parent, n); one statement per distinct n.
pub struct FirstPerParent<E: EntityTrait, Tag = Main> {
    db: Reads,
    col: E::Column,
    _tag: PhantomData<fn() -> Tag>,
}

impl<E: EntityTrait, Tag> FirstPerParent<E, Tag> {
    pub fn new(db: Reads, col: E::Column) -> Self {
        Self { db, col, _tag: PhantomData }
    }
}

/// `n` bind markers for an `IN (...)` list: `$1, $2, ...` on PostgreSQL,
/// `?, ?, ...` on SQLite.
pub fn placeholders(backend: DbBackend, n: usize) -> String {
    let marks: Vec<String> =
        (1..=n).map(|i| if backend == DbBackend::Postgres { format!("${i}") } else { "?".into() }).collect();
    marks.join(", ")
}

/// A row with the size of its group (`gz_n`).
struct Grouped<M> {
    row: M,
    n: i64,
}

impl<M: FromQueryResult> FromQueryResult for Grouped<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self { row: M::from_query_result(res, pre)?, n: res.try_get(pre, "gz_n")? })
    }
}

impl<E, Tag> Loader<(i32, u32)> for FirstPerParent<E, Tag>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    E::Column: Send + Sync,
    Tag: 'static,
{
    type Value = (Vec<E::Model>, i64);
    type Error = ApiError;

    async fn load(&self, keys: &[(i32, u32)]) -> Result<HashMap<(i32, u32), Self::Value>, ApiError> {
        let mut by_n: HashMap<u32, Vec<i32>> = HashMap::new();
        for &(parent, n) in keys {
            by_n.entry(n).or_default().push(parent);
        }
        let backend = self.db.get_database_backend();
        let (table, col, pk) = (E::default().table_name().to_owned(), self.col.as_str(), pk_column::<E>()?.as_str());
        let mut out = HashMap::new();
        for (n, parents) in by_n {
            let sql = format!(
                r#"SELECT * FROM (
                     SELECT t.*, ROW_NUMBER() OVER (PARTITION BY "{col}" ORDER BY "{pk}") AS gz_rn,
                            COUNT(*) OVER (PARTITION BY "{col}") AS gz_n
                     FROM "{table}" t WHERE "{col}" IN ({})
                   ) s WHERE gz_rn <= {n} ORDER BY "{col}", "{pk}""#,
                placeholders(backend, parents.len())
            );
            let values: Vec<Value> = parents.iter().map(|&p| p.into()).collect();
            let rows = E::find()
                .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
                .into_model::<Grouped<E::Model>>()
                .all(&self.db)
                .await?;
            for &p in &parents {
                out.insert((p, n), (Vec::new(), 0));
            }
            for g in rows {
                let Some(parent) = int_of(g.row.get(self.col)) else { continue };
                let entry = out.entry((parent, n)).or_insert_with(|| (Vec::new(), 0));
                entry.0.push(g.row);
                entry.1 = g.n;
            }
        }
        Ok(out)
    }
}

/// Rows of `q` whose `col` is among `keys`, grouped by it, in primary-key order.
async fn grouped<E>(
    db: &Reads,
    q: Select<E>,
    col: E::Column,
    keys: &[i32],
) -> Result<HashMap<i32, Vec<E::Model>>, ApiError>
where
    E: EntityTrait,
{
    let mut q = q.filter(col.is_in(keys.iter().copied()));
    for pk in E::PrimaryKey::iter() {
        q = q.order_by_asc(pk.into_column());
    }
    let rows = q.all(db).await?;
    let mut out: HashMap<i32, Vec<E::Model>> = HashMap::new();
    for m in rows {
        if let Some(k) = int_of(m.get(col)) {
            out.entry(k).or_default().push(m);
        }
    }
    Ok(out)
}

/// Like [`ByColumn`], but only the rows the request's principal may see:
/// `visible` is the domain's `visible_*(principal)` query. For relations
/// whose rows are not all visible to everyone who sees the parent (a
/// project's allocations, say). Without a principal it loads nothing.
///
/// The query is built when a batch runs, not when the request's loaders
/// are made: most requests never follow these relations, and building
/// every visibility query up front cost each request more CPU than its
/// parsing did.
pub struct Visible<E: EntityTrait, Tag = Main> {
    db: Reads,
    principal: Option<Arc<Principal>>,
    visible: fn(&Principal) -> Select<E>,
    col: E::Column,
    _tag: PhantomData<fn() -> Tag>,
}

impl<E, Tag> Loader<i32> for Visible<E, Tag>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    E::Column: Send + Sync,
    Tag: 'static,
{
    type Value = Vec<E::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<E::Model>>, ApiError> {
        match &self.principal {
            Some(p) => grouped(&self.db, (self.visible)(p), self.col, keys).await,
            None => Ok(HashMap::new()),
        }
    }
}
