//! Relay cursor connections. Top-level lists page in SQL by id (keyset
//! pagination: stable under inserts, no OFFSET scans); nested lists come from
//! a DataLoader and are paged in memory. `first`/`last` are capped at
//! [`MAX_PAGE`]; `totalCount` runs its COUNT only when asked for.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, ModelTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Select, Value,
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;

/// Largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;

/// Complexity price of a list: its page size (used in `complexity = ...`).
pub fn page_cost(first: Option<i32>, last: Option<i32>) -> usize {
    let n = first.or(last).unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    usize::try_from(n).unwrap_or(1)
}

/// The connection arguments of one list field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl PageArgs {
    /// The page size when these arguments ask for a plain first page
    /// (`first`, or nothing: no cursor, not `last`), which can be cut in
    /// SQL per parent; `None` for any other page.
    pub fn first_page_size(&self) -> ApiResult<Option<u32>> {
        if self.after.is_some() || self.before.is_some() || self.last.is_some() {
            return Ok(None);
        }
        let page = self.validate()?;
        Ok(Some(u32::try_from(page.limit).unwrap_or(u32::MAX)))
    }

    pub fn new(after: Option<String>, before: Option<String>, first: Option<i32>, last: Option<i32>) -> Self {
        Self { after, before, first, last }
    }
}

/// A validated page request.
struct Page {
    after: Option<i32>,
    before: Option<i32>,
    limit: u64,
    backwards: bool,
}

pub(crate) fn check_size(n: Option<i32>, field: &str) -> ApiResult<Option<u64>> {
    match n {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE).contains(&n) => Ok(u64::try_from(n).ok()),
        Some(_) => Err(ApiError::bad_input(field, t!("connection.first_between", min = 0, max = MAX_PAGE))),
    }
}

pub fn encode_cursor(id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("c{id}"))
}

pub(crate) fn decode_cursor(cursor: &str, field: &str) -> ApiResult<i32> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('c').and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_input(field, t!("graphql.invalid_cursor")))
}

impl PageArgs {
    fn validate(&self) -> ApiResult<Page> {
        let first = check_size(self.first, "first")?;
        let last = check_size(self.last, "last")?;
        if first.is_some() && last.is_some() {
            return Err(ApiError::bad_input("last", t!("graphql.use_either_first_last_not")));
        }
        // An empty cursor is no cursor: some pagination helpers send the
        // first page's `after` as "".
        let cursor = |c: &Option<String>| c.as_deref().filter(|c| !c.is_empty()).map(str::to_owned);
        let after = cursor(&self.after).as_deref().map(|c| decode_cursor(c, "after")).transpose()?;
        let before = cursor(&self.before).as_deref().map(|c| decode_cursor(c, "before")).transpose()?;
        let backwards = last.is_some();
        let limit = last.or(first).unwrap_or(DEFAULT_PAGE as u64);
        Ok(Page { after, before, limit, backwards })
    }
}

/// A row of a page with the count of the whole list (`COUNT(*) OVER ()`).
struct Counted<M> {
    row: M,
    total: i64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self { row: M::from_query_result(res, pre)?, total: res.try_get(pre, "gz_total")? })
    }
}

/// `totalCount` of a connection: known already, or a COUNT run on demand.
pub enum TotalCount {
    Known(usize),
    Query(Box<SelectStatement>),
}

#[Object]
impl TotalCount {
    /// Number of items in the whole list (all pages).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        match self {
            Self::Known(n) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
            Self::Query(inner) => {
                let db = &ctx.db().read;
                let stmt = Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                    .from_subquery((**inner).clone(), Alias::new("t"))
                    .to_owned();
                let row = db.query_one(&stmt).await.map_err(ApiError::from)?;
                let n: i64 = match row {
                    Some(r) => r.try_get_by_index(0).map_err(ApiError::from)?,
                    None => 0,
                };
                Ok(n)
            }
        }
    }
}

/// A Relay connection: async-graphql's, with a description on the type
/// (the library registers connection types without one).
pub struct Conn<T: OutputType>(pub Connection<String, T, TotalCount>);

impl<T: OutputType> OutputType for Conn<T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        <Connection<String, T, TotalCount> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        let name = <Connection<String, T, TotalCount> as OutputType>::create_type_info(registry);
        if let Some(async_graphql::registry::MetaType::Object { description, .. }) =
            registry.types.get_mut(name.trim_end_matches('!'))
            && description.is_none()
        {
            *description = Some(format!(
                "A page of a list of `{}`: Relay cursor connection (`edges` with cursors, `pageInfo`, `totalCount`).",
                T::type_name()
            ));
        }
        name
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        self.0.resolve(ctx, field).await
    }
}

fn model_id<M: ModelTrait>(model: &M, col: <M::Entity as EntityTrait>::Column) -> i32 {
    match model.get(col) {
        Value::Int(Some(n)) => n,
        Value::BigInt(Some(n)) => i32::try_from(n).unwrap_or_default(),
        _ => 0,
    }
}

/// Page a filtered `select` by its integer id column, ascending, mapping
/// rows to GraphQL nodes with `map`.
pub async fn paginate<E, T, F>(
    ctx: &Context<'_>,
    select: Select<E>,
    id_col: E::Column,
    args: PageArgs,
    map: F,
) -> ApiResult<Conn<T>>
where
    E: EntityTrait,
    T: OutputType,
    F: Fn(E::Model) -> T,
{
    paginate_ordered(ctx, select, id_col, args, false, map).await
}

/// Like [`paginate`], in descending id order when `desc` (newest first).
pub async fn paginate_ordered<E, T, F>(
    ctx: &Context<'_>,
    select: Select<E>,
    id_col: E::Column,
    args: PageArgs,
    desc: bool,
    map: F,
) -> ApiResult<Conn<T>>
where
    E: EntityTrait,
    T: OutputType,
    F: Fn(E::Model) -> T,
{
    let page = args.validate()?;
    // On a first page (no cursor) the page's own query counts the whole
    // list with `COUNT(*) OVER ()`, computed before LIMIT: `totalCount`
    // costs no statement of its own. Past a cursor the page's rows are not
    // the whole list, so the count stays a query of its own, run if asked.
    let total_here = page.after.is_none() && page.before.is_none() && ctx.look_ahead().field("totalCount").exists();
    let count_query = TotalCount::Query(Box::new(select.clone().into_query()));
    let mut q = select;
    // "after" means further along the list order, whichever way it runs.
    if let Some(a) = page.after {
        q = q.filter(if desc { id_col.lt(a) } else { id_col.gt(a) });
    }
    if let Some(b) = page.before {
        q = q.filter(if desc { id_col.gt(b) } else { id_col.lt(b) });
    }
    q = if page.backwards != desc { q.order_by_desc(id_col) } else { q.order_by_asc(id_col) };
    let q = q.limit(page.limit + 1);
    let (mut rows, count) = if total_here {
        let counted = q
            .expr_as(Expr::cust("COUNT(*) OVER ()"), "gz_total")
            .into_model::<Counted<E::Model>>()
            .all(&ctx.db().read)
            .await?;
        let total = counted.first().map_or(0, |c| c.total);
        let count = TotalCount::Known(usize::try_from(total).unwrap_or(usize::MAX));
        (counted.into_iter().map(|c| c.row).collect(), count)
    } else {
        (q.all(&ctx.db().read).await?, count_query)
    };
    let more = rows.len() as u64 > page.limit;
    rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    if page.backwards {
        rows.reverse();
    }
    let (has_prev, has_next) =
        if page.backwards { (more, page.before.is_some()) } else { (page.after.is_some(), more) };
    let mut conn = Connection::with_additional_fields(has_prev, has_next, count);
    conn.edges.extend(rows.into_iter().map(|m| {
        let id = model_id(&m, id_col);
        Edge::new(encode_cursor(id), map(m))
    }));
    Ok(Conn(conn))
}

/// Page a filtered `select` forward by a time column, then id (`ORDER BY
/// time, id`): for orders other than by id ("due soonest"). The cursor
/// carries both keys. Backward paging (`last`, `before`) is refused.
pub async fn paginate_by_time<E, T, F>(
    ctx: &Context<'_>,
    select: Select<E>,
    time_col: E::Column,
    id_col: E::Column,
    args: PageArgs,
    key: impl Fn(&E::Model) -> (chrono::DateTime<chrono::Utc>, i32),
    map: F,
) -> ApiResult<Conn<T>>
where
    E: EntityTrait,
    T: OutputType,
    F: Fn(E::Model) -> T,
{
    if args.last.is_some() || args.before.is_some() {
        return Err(ApiError::bad_input("last", t!("graphql.order_pages_forward_first_after")));
    }
    let limit = check_size(args.first, "first")?.unwrap_or(DEFAULT_PAGE as u64);
    let count = TotalCount::Query(Box::new(select.clone().into_query()));
    let mut q = select;
    if let Some(cursor) = &args.after {
        let (at, id) = cursor
            .split_once('.')
            .and_then(|(t, i)| {
                let at = chrono::DateTime::from_timestamp_micros(t.parse().ok()?)?;
                Some((at, decode_cursor(i, "after").ok()?))
            })
            .ok_or_else(|| ApiError::bad_input("after", t!("graphql.invalid_cursor")))?;
        q = q.filter(
            sea_orm::Condition::any()
                .add(time_col.gt(at))
                .add(sea_orm::Condition::all().add(time_col.eq(at)).add(id_col.gt(id))),
        );
    }
    let mut rows = q.order_by_asc(time_col).order_by_asc(id_col).limit(limit + 1).all(&ctx.db().read).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut conn = Connection::with_additional_fields(args.after.is_some(), more, count);
    conn.edges.extend(rows.into_iter().map(|m| {
        let (at, id) = key(&m);
        Edge::new(format!("{}.{}", at.timestamp_micros(), encode_cursor(id)), map(m))
    }));
    Ok(Conn(conn))
}

/// A first page cut in SQL ([`crate::graphql::loaders::FirstPerParent`]):
/// `rows` holds up to `limit + 1` rows (one more tells that a next page
/// exists), `total` the size of the whole list.
pub fn first_page<M, T, F>(mut rows: Vec<M>, limit: u32, total: i64, id: impl Fn(&M) -> i32, map: F) -> Conn<T>
where
    T: OutputType,
    F: Fn(M) -> T,
{
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let total = TotalCount::Known(usize::try_from(total).unwrap_or(0));
    let mut conn = Connection::with_additional_fields(false, more, total);
    conn.edges.extend(rows.into_iter().map(|m| Edge::new(encode_cursor(id(&m)), map(m))));
    Conn(conn)
}

/// Page an already loaded list (ordered by id) in memory.
pub fn paginate_loaded<M, T, F>(items: Vec<M>, id: impl Fn(&M) -> i32, args: PageArgs, map: F) -> ApiResult<Conn<T>>
where
    T: OutputType,
    F: Fn(M) -> T,
{
    let page = args.validate()?;
    let total = items.len();
    let mut rows: Vec<M> = items
        .into_iter()
        .filter(|m| page.after.is_none_or(|a| id(m) > a) && page.before.is_none_or(|b| id(m) < b))
        .collect();
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    if page.backwards {
        let skip = rows.len().saturating_sub(limit);
        rows.drain(..skip);
    } else {
        rows.truncate(limit);
    }
    let (has_prev, has_next) =
        if page.backwards { (more, page.before.is_some()) } else { (page.after.is_some(), more) };
    let mut conn = Connection::with_additional_fields(has_prev, has_next, TotalCount::Known(total));
    conn.edges.extend(rows.into_iter().map(|m| Edge::new(encode_cursor(id(&m)), map(m))));
    Ok(Conn(conn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42), "after").ok(), Some(42));
        for bad in ["", "!!", "YzQy!", "eDQy"] {
            let err = decode_cursor(bad, "after").err().map(|e| e.code());
            assert_eq!(err, Some("BAD_USER_INPUT"), "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_capped() {
        assert!(PageArgs::new(None, None, Some(MAX_PAGE), None).validate().is_ok());
        assert!(PageArgs::new(None, None, Some(MAX_PAGE + 1), None).validate().is_err());
        assert!(PageArgs::new(None, None, Some(1), Some(1)).validate().is_err(), "first and last together");
        assert_eq!(page_cost(None, None), DEFAULT_PAGE as usize);
        assert_eq!(page_cost(Some(1000), None), MAX_PAGE as usize);
    }
}
