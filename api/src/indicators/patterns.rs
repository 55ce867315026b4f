//! The suppression patterns as stored and read: one per top-level region
//! (district), closed month and indicator, derived in the transaction that
//! freezes the month and grown in the one that revises it; the current
//! month's derived live from the whole district's figures. Every audience
//! that reads suppressed figures gets its cells of the same pattern
//! (`suppress` explains the rule).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{indicator_pattern, region};
use sea_orm::{ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Verbs;
use super::compute::{Figure, Tree, compute};
use super::definitions::Indicator;
use super::months::{Span, YearMonth};
use super::service::latest;
use super::suppress::suppressed;
use crate::auth::Principal;
use crate::config::Config;
use crate::db::Db;
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::uow::{Audit, UnitOfWork};

/// The hidden regions of each table (month, indicator).
pub type Hidden = HashMap<(YearMonth, Indicator), HashSet<i32>>;

/// The latest stored pattern of each table, with its revision.
pub type Patterns = HashMap<(YearMonth, Indicator), (i32, HashSet<i32>)>;

/// One pattern to store: its table, revision and hidden regions.
pub type NewPattern = (YearMonth, Indicator, i32, HashSet<i32>);

/// Each table's counts by region, from figures (region, month, indicator).
pub fn counts<'a>(figures: impl Iterator<Item = ((i32, YearMonth, Indicator), &'a Figure)>) -> Tables {
    let mut out = Tables::new();
    for ((region, month, name), f) in figures {
        out.entry((month, name)).or_default().insert(region, f.count);
    }
    out
}

/// The patterns of `tables` (the whole district's counts), each grown from
/// its `previous` revision: the new or changed ones, with their revision.
pub fn derive(tree: &Tree, tables: &Tables, previous: &Patterns, k: i64) -> Vec<NewPattern> {
    let empty = HashSet::new();
    let mut out: Vec<NewPattern> = tables
        .iter()
        .filter_map(|(&(month, name), c)| {
            let (revision, start) = previous.get(&(month, name)).map_or((0, &empty), |(r, h)| (*r, h));
            let hidden = suppressed(tree, c, k, start);
            (revision == 0 || hidden != *start).then_some((month, name, revision + 1, hidden))
        })
        .collect();
    out.sort_by_key(|(m, i, ..)| (*m, *i));
    out
}

/// The latest pattern of every table of `top` in `months`.
pub async fn load<C: ConnectionTrait>(conn: &C, top: i32, months: &[YearMonth]) -> ApiResult<Patterns> {
    let keys: Vec<String> = months.iter().map(ToString::to_string).collect();
    let rows = indicator_pattern::Entity::find()
        .filter(indicator_pattern::Column::RootRegionId.eq(top))
        .filter(indicator_pattern::Column::Month.is_in(keys))
        .order_by_asc(indicator_pattern::Column::Revision)
        .all(conn)
        .await?;
    let mut out = Patterns::new();
    for row in rows {
        let (Some(month), Some(name)) = (YearMonth::parse(&row.month), Indicator::from_wire(&row.indicator)) else {
            continue;
        };
        // A row that does not decode hides nothing more than its table's
        // earlier revision; it cannot occur (written only here).
        let hidden: HashSet<i32> = serde_json::from_str(&row.hidden).unwrap_or_default();
        out.insert((month, name), (row.revision, hidden));
    }
    Ok(out)
}

/// Insert patterns of `top`; a row already there (another process derived
/// the same revision) stays as it is.
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    top: i32,
    rows: &[NewPattern],
    k: i64,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let models: Vec<indicator_pattern::ActiveModel> = rows
        .iter()
        .map(|(month, name, revision, hidden)| {
            let mut ids: Vec<i32> = hidden.iter().copied().collect();
            ids.sort_unstable();
            indicator_pattern::ActiveModel {
                id: NotSet,
                root_region_id: Set(top),
                month: Set(month.to_string()),
                indicator: Set(name.wire().to_owned()),
                revision: Set(*revision),
                k: Set(i32::try_from(k).unwrap_or(i32::MAX)),
                hidden: Set(serde_json::Value::from(ids).to_string()),
                recorded_at: Set(now),
            }
        })
        .collect();
    for chunk in models.chunks(1000) {
        indicator_pattern::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                indicator_pattern::Column::RootRegionId,
                indicator_pattern::Column::Month,
                indicator_pattern::Column::Indicator,
                indicator_pattern::Column::Revision,
            ])
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Each table's counts by region.
pub type Tables = HashMap<(YearMonth, Indicator), HashMap<i32, i64>>;

/// What a viewer of suppressed figures must not see in `months`: the
/// stored patterns of the frozen months (derived now, from the stored
/// figures, for months frozen before patterns were stored), the live
/// months' (from `live_from` on) derived from the whole district's live
/// figures. `top` is the district and its tree; `live` the live months'
/// counts of the whole district when the caller has them (its viewer's
/// tree is the district).
pub async fn hidden(
    db: &Db,
    config: &Config,
    top: (&region::Model, &Tree),
    months: &[YearMonth],
    live_from: YearMonth,
    live: Option<Tables>,
    after_write: bool,
) -> ApiResult<Hidden> {
    let k = i64::from(config.indicator_k);
    let (top, top_tree) = top;
    let closed: Vec<YearMonth> = months.iter().copied().filter(|m| *m < live_from).collect();
    let mut out = Hidden::new();
    if !closed.is_empty() {
        let primary = db.write_reads();
        let conn = if after_write { &primary } else { &db.read };
        let mut stored = load(conn, top.id, &closed).await?;
        let missing: Vec<YearMonth> =
            closed.iter().copied().filter(|m| !stored.keys().any(|(month, _)| month == m)).collect();
        if !missing.is_empty() {
            stored.extend(backfill(db, k, top, top_tree, &missing).await?);
        }
        out.extend(stored.into_iter().map(|(key, (_, h))| (key, h)));
    }
    let live_months: Vec<Span> =
        months.iter().filter(|m| **m >= live_from).map(|&m| Span::new(m, config.indicator_time_zone)).collect();
    if !live_months.is_empty() {
        let tables = match live {
            Some(t) => t,
            None => {
                let figures = compute(&db.read, top_tree, &live_months, Utc::now()).await?;
                counts(figures.iter().map(|(key, f)| (*key, f)))
            }
        };
        for ((month, name), c) in tables {
            if month >= live_from {
                out.insert((month, name), suppressed(top_tree, &c, k, &HashSet::new()));
            }
        }
    }
    Ok(out)
}

/// Patterns for closed months frozen before patterns were stored: derived
/// from the stored figures and stored, with one audit row.
async fn backfill(db: &Db, k: i64, top: &region::Model, top_tree: &Tree, months: &[YearMonth]) -> ApiResult<Patterns> {
    let figures = latest(&db.write, top_tree, months).await?;
    if figures.is_empty() {
        return Ok(Patterns::new());
    }
    let tables = counts(figures.iter().map(|(key, (_, f))| (*key, f)));
    let rows = derive(top_tree, &tables, &Patterns::new(), k);
    let now = Utc::now();
    let system = Principal::system();
    let uow = UnitOfWork::begin(db, &system).await?;
    store(uow.txn(), top.id, &rows, k, now).await?;
    let months: Vec<String> = months.iter().map(ToString::to_string).collect();
    uow.commit(
        Audit::batch::<Region>(Verbs::IndicatorsFreeze)
            .details(serde_json::json!({ "region": top.code, "months": months, "patterns": rows.len() })),
    )
    .await?;
    Ok(rows.into_iter().map(|(m, i, r, h)| ((m, i), (r, h))).collect())
}
