//! The notices domain's queries.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::enums::NoticeCategory as DbCategory;
use entity::{notice, region};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::notices::service::{self, NoticeList};

use super::*;

/// The order of the `notices` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum NoticeOrder {
    /// Newest first.
    #[default]
    NewestFirst,
    /// The viewer's unread notices (newest first), then the read ones
    /// (newest first). Pages forward only (`first`, `after`).
    UnreadFirst,
}

/// Filters of the `notices` list.
#[derive(InputObject, Default)]
pub struct NoticeFilter {
    /// The categories.
    pub category: Option<Vec<NoticeCategory>>,
    /// Only unread (true) or read (false) notices of the viewer.
    pub unread: Option<bool>,
}

#[derive(Default)]
pub struct NoticesQuery;

#[Object]
impl NoticesQuery {
    /// Notices the viewer may read, newest first or unread first.
    #[graphql(
        visible = "super::shown::read_notices",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notices.")] filter: Option<NoticeFilter>,
        #[graphql(default, desc = "The order (newest first by default).")] order_by: NoticeOrder,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Notice>> {
        let f = filter.unwrap_or_default();
        let categories: Option<Vec<DbCategory>> = f.category.map(|c| c.into_iter().map(Into::into).collect());
        let p = ctx.principal()?;
        if order_by == NoticeOrder::UnreadFirst && f.unread.is_none() {
            if last.is_some() || before.is_some() {
                return Err(ApiError::bad_input("last", t!("notices.unread_first_pages_forward_first")));
            }
            return unread_first(ctx, p, categories, first, after).await;
        }
        let q = service::list(p, NoticeList { categories, unread: f.unread });
        paginate_ordered(ctx, q, notice::Column::Id, PageArgs::new(after, before, first, last), true, Notice).await
    }

    /// One notice; NOT_FOUND when the viewer may not read it.
    #[graphql(visible = "super::shown::read_notices", guard = "Authenticated")]
    async fn notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice (global id).")] id: ID,
    ) -> ApiResult<Notice> {
        let id = ids::id_of::<Notice>(&id, "id")?;
        Ok(Notice(service::visible(&ctx.db().read, ctx.principal()?, id).await?))
    }

    /// The open alerts of the viewer's scope, newest first (one query).
    #[graphql(visible = "super::shown::read_notices", guard = "Authenticated")]
    async fn pinned_alerts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Notice>> {
        use sea_orm::QueryOrder;
        let rows = service::pinned(ctx.principal()?).order_by_desc(notice::Column::Id).all(&ctx.db().read).await?;
        Ok(rows.into_iter().map(Notice).collect())
    }

    /// Alerts per month and level in a region and the share of households
    /// reached within an hour: aggregates for district systems and offices
    /// (their region or one under it; default their own).
    #[graphql(visible = "super::shown::stats", guard = "Authenticated")]
    async fn alert_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region (global id); default the viewer's.")] region_id: Option<ID>,
    ) -> ApiResult<Vec<AlertStat>> {
        let p = ctx.principal()?;
        use crate::policy::Permission;
        let own = match (crate::notices::policy::NoticesPermission::Stats.allowed(p), &p.scope.region_path) {
            (true, Some(path)) => path.clone(),
            _ => return Err(ApiError::forbidden(t!("notices.alert_statistics_are_district_systems"))),
        };
        let path = match region_id {
            None => own,
            Some(r) => {
                let r = ids::id_of::<Region>(&r, "regionId")?;
                let reg = region::Entity::find_by_id(r).one(&ctx.db().read).await?;
                match reg {
                    Some(reg) if reg.path.starts_with(&own) => reg.path,
                    _ => return Err(ApiError::not_found("Region")),
                }
            }
        };
        let rows = service::stats(&ctx.db().read, &path).await?;
        Ok(rows
            .into_iter()
            .map(|s| AlertStat {
                month: s.month,
                level: s.level.into(),
                alerts: s.alerts,
                households: s.households,
                #[allow(clippy::cast_precision_loss)]
                reached_within_hour_share: (s.households > 0)
                    .then(|| s.reached_within_hour as f64 / s.households as f64),
            })
            .collect())
    }
}

/// Unread notices newest first, then read ones newest first: two keyset
/// queries at most per page; the cursor says which part it points into.
pub(crate) async fn unread_first(
    ctx: &Context<'_>,
    p: &crate::auth::Principal,
    categories: Option<Vec<DbCategory>>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Conn<Notice>> {
    use crate::graphql::connection::{TotalCount, check_size, decode_cursor, encode_cursor};
    use async_graphql::connection::{Connection, Edge};
    use sea_orm::{QueryOrder, QuerySelect, QueryTrait};
    let limit = check_size(first, "first")?.unwrap_or(20);
    let (phase_read, after_id) = match after.as_deref() {
        None => (false, None),
        Some(c) => {
            let (tag, id) =
                c.split_once('.').ok_or_else(|| ApiError::bad_input("after", t!("notices.invalid_cursor")))?;
            (tag == "r", Some(decode_cursor(id, "after")?))
        }
    };
    let part = |unread: bool| service::list(p, NoticeList { categories: categories.clone(), unread: Some(unread) });
    let all = service::list(p, NoticeList { categories: categories.clone(), unread: None });
    let mut rows: Vec<(bool, notice::Model)> = Vec::new();
    if !phase_read {
        let mut q = part(true);
        if let Some(a) = after_id {
            q = q.filter(notice::Column::Id.lt(a));
        }
        let found = q.order_by_desc(notice::Column::Id).limit(limit + 1).all(&ctx.db().read).await?;
        rows.extend(found.into_iter().map(|n| (false, n)));
    }
    let room = (limit + 1).saturating_sub(rows.len() as u64);
    if room > 0 {
        let mut q = part(false);
        if let (true, Some(a)) = (phase_read, after_id) {
            q = q.filter(notice::Column::Id.lt(a));
        }
        let found = q.order_by_desc(notice::Column::Id).limit(room).all(&ctx.db().read).await?;
        rows.extend(found.into_iter().map(|n| (true, n)));
    }
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut conn =
        Connection::with_additional_fields(after.is_some(), more, TotalCount::Query(Box::new(all.into_query())));
    conn.edges.extend(rows.into_iter().map(|(read, n)| {
        let cursor = format!("{}.{}", if read { "r" } else { "u" }, encode_cursor(n.id));
        Edge::new(cursor, Notice(n))
    }));
    Ok(Conn(conn))
}
