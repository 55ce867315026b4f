//! Reading indicators: months past their grace period from their frozen
//! figures (frozen on first need, or by the job once the grace ends), the
//! current month and a closed month still in its grace computed live; then
//! suppression for the viewers who need it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{indicator_freeze, indicator_value, region};
use sea_orm::{ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Verbs;
use super::compute::{Figure, Figures, Tree, compute};
use super::definitions::Indicator;
use super::months::{Span, YearMonth};
use super::patterns::{self, Hidden, counts};
use super::policy::{View, view};
use crate::auth::Principal;
use crate::config::Config;
use crate::db::Db;
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// Most months one request may ask for.
pub const MAX_MONTHS: i64 = 60;

/// An earlier revision of a figure.
#[derive(Clone, Debug)]
pub struct Revision {
    pub revision: i32,
    /// `None` when suppressed.
    pub figure: Option<Figure>,
    pub recorded_at: DateTime<Utc>,
}

/// One month of one indicator of one region, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct Point {
    pub month: YearMonth,
    /// `None` when suppressed.
    pub figure: Option<Figure>,
    /// 0 for the current month (provisional); 1 and up for a closed month.
    pub revision: i32,
    pub recorded_at: Option<DateTime<Utc>>,
    /// The earlier revisions, oldest first.
    pub earlier: Vec<Revision>,
}

/// A stored or live figure with its history.
#[derive(Clone, Debug)]
struct Stored {
    current: Figure,
    revision: i32,
    recorded_at: Option<DateTime<Utc>>,
    earlier: Vec<(i32, Figure, DateTime<Utc>)>,
}

fn figure_of(v: &indicator_value::Model) -> Figure {
    Figure { value: v.value, numerator: v.numerator, denominator: v.denominator, count: v.count }
}

/// Check and clamp the months of a request: `from` ≤ `to`, at most
/// [`MAX_MONTHS`], nothing after the current month.
pub fn months(config: &Config, from: YearMonth, to: YearMonth) -> ApiResult<Vec<YearMonth>> {
    if to < from {
        return Err(ApiError::bad_input("to", t!("indicators.before_from")));
    }
    if from.months_until(to) >= MAX_MONTHS {
        return Err(ApiError::bad_input("to", t!("indicators.at_most_months", max = MAX_MONTHS)));
    }
    let current = YearMonth::of(Utc::now(), config.indicator_time_zone);
    Ok(from.through(to.min(current)))
}

async fn target<C: ConnectionTrait>(conn: &C, region_id: i32) -> ApiResult<region::Model> {
    region::Entity::find_by_id(region_id).one(conn).await?.ok_or_else(|| ApiError::not_found("Region"))
}

/// The series of `names` for `region_id` over `months`, as `p` may see
/// them.
pub async fn series(
    db: &Db,
    config: &Config,
    p: &Principal,
    region_id: i32,
    months: &[YearMonth],
    names: Option<Vec<Indicator>>,
) -> ApiResult<(region::Model, Vec<(Indicator, Vec<Point>)>)> {
    let region = target(&db.read, region_id).await?;
    let v = view(p, &region)?;
    let names = allowed(&v, names)?;
    let (_, shown) = read(db, config, &v, months).await?;
    let series = names
        .into_iter()
        .map(|name| {
            let points = months.iter().filter_map(|&m| shown.point(region.id, m, name)).collect();
            (name, points)
        })
        .collect();
    Ok((region, series))
}

/// One ranked child region.
#[derive(Clone, Debug)]
pub struct Ranked {
    pub region: region::Model,
    /// 1 for the best; equal values share a rank; `None` when there is no
    /// value to rank (suppressed or empty).
    pub rank: Option<i32>,
    pub point: Point,
}

/// The children of `region_id` (the communities of a street, the streets
/// of a district) compared on one indicator in one month, best first.
pub async fn ranking(
    db: &Db,
    config: &Config,
    p: &Principal,
    region_id: i32,
    month: YearMonth,
    name: Indicator,
) -> ApiResult<Vec<Ranked>> {
    let region = target(&db.read, region_id).await?;
    let v = view(p, &region)?;
    allowed(&v, Some(vec![name]))?;
    let months = self::months(config, month, month)?;
    let (tree, shown) = read(db, config, &v, &months).await?;
    let mut out: Vec<Ranked> = tree
        .children(region.id)
        .into_iter()
        .filter_map(|id| {
            let point = shown.point(id, month, name)?;
            Some(Ranked { region: tree.get(id)?.clone(), rank: None, point })
        })
        .collect();
    let key = |r: &Ranked| r.point.figure.and_then(|f| f.value).map(|v| if name.lower_is_better() { v } else { -v });
    out.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.region.name.cmp(&b.region.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.region.name.cmp(&b.region.name),
    });
    let mut previous: Option<(f64, i32)> = None;
    for (i, r) in out.iter_mut().enumerate() {
        let Some(k) = key(r) else { break };
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let rank = match previous {
            Some((v, rank)) if v.total_cmp(&k).is_eq() => rank,
            _ => position,
        };
        r.rank = Some(rank);
        previous = Some((k, rank));
    }
    Ok(out)
}

/// The indicators asked for, refused if the viewer may not read one.
fn allowed(v: &View, names: Option<Vec<Indicator>>) -> ApiResult<Vec<Indicator>> {
    let names = names.unwrap_or_else(|| Indicator::ALL.into_iter().filter(|i| !v.public_only || i.public()).collect());
    if v.public_only && names.iter().any(|i| !i.public()) {
        return Err(ApiError::forbidden(t!("indicators.residents_read_public_indicators_their")));
    }
    Ok(names)
}

/// The viewer's figures of `months` and what of them it may see: its
/// tree's table, and, for a viewer of suppressed figures, the patterns of
/// the whole district that tree is part of (`patterns`).
async fn read(db: &Db, config: &Config, v: &View, months: &[YearMonth]) -> ApiResult<(Tree, Shown)> {
    let tree = Tree::load(&db.read, &v.root_path).await?;
    let (table, live_from, froze) = table(db, config, &tree, months).await?;
    let mut hidden = Hidden::new();
    if let (true, Some(root)) = (v.suppress, tree.regions.first()) {
        let top = top_of(&db.read, root).await?;
        let (top_tree, live) = if top.id == root.id {
            let live = counts(table.iter().filter(|((_, m, _), _)| *m >= live_from).map(|(key, s)| (*key, &s.current)));
            (None, Some(live))
        } else {
            (Some(Tree::load(&db.read, &top.path).await?), None)
        };
        let top_tree = top_tree.as_ref().unwrap_or(&tree);
        hidden = patterns::hidden(db, config, (&top, top_tree), months, live_from, live, froze).await?;
    }
    Ok((tree, Shown { table, hidden, k: i64::from(config.indicator_k), suppress: v.suppress }))
}

/// A table of one region tree: each figure with its history.
type Table = HashMap<(i32, YearMonth, Indicator), Stored>;

/// Everything the viewer's tree has for `months`: months past their grace
/// from the stored figures (freezing the missing ones), the current month
/// and a closed one still in its grace (`GONGZHI_INDICATOR_GRACE_DAYS`)
/// live. With the oldest live month, and whether anything was frozen just
/// now.
async fn table(db: &Db, config: &Config, tree: &Tree, months: &[YearMonth]) -> ApiResult<(Table, YearMonth, bool)> {
    let tz = config.indicator_time_zone;
    let k = i64::from(config.indicator_k);
    let now = Utc::now();
    let live_from = YearMonth::first_live(now, tz, config.indicator_grace_days);
    let closed: Vec<YearMonth> = months.iter().copied().filter(|m| *m < live_from).collect();
    let mut out = HashMap::new();
    let mut froze = false;
    if !closed.is_empty() {
        froze = match tree.regions.first() {
            Some(root) => freeze(db, tz, k, top_of(&db.read, root).await?, &closed).await?,
            None => false,
        };
        // Right after a freeze, read what was written from the primary
        // (a replica may not have it yet).
        let primary = db.write_reads();
        let conn = if froze { &primary } else { &db.read };
        for (month, name, v) in stored(conn, tree, &closed).await? {
            let f = figure_of(&v);
            let s = out.entry((v.region_id, month, name)).or_insert(Stored {
                current: f,
                revision: v.revision,
                recorded_at: Some(v.recorded_at),
                earlier: Vec::new(),
            });
            if v.revision > s.revision {
                s.earlier.push((s.revision, s.current, s.recorded_at.unwrap_or(v.recorded_at)));
                s.current = f;
                s.revision = v.revision;
                s.recorded_at = Some(v.recorded_at);
            }
        }
    }
    let live: Vec<Span> = months.iter().filter(|m| **m >= live_from).map(|&m| Span::new(m, tz)).collect();
    if !live.is_empty() {
        for ((region, month, name), f) in compute(&db.read, tree, &live, now).await? {
            out.insert(
                (region, month, name),
                Stored { current: f, revision: 0, recorded_at: None, earlier: Vec::new() },
            );
        }
    }
    Ok((out, live_from, froze))
}

/// The top-level region (district) above `r`: months are frozen for a
/// whole district at once.
pub(super) async fn top_of<C: ConnectionTrait>(conn: &C, r: &region::Model) -> ApiResult<region::Model> {
    match crate::policy::path_ids(&r.path).first() {
        Some(&id) if id != r.id => target(conn, id).await,
        _ => Ok(r.clone()),
    }
}

/// Freeze the `closed` months of `top`'s tree that are not frozen yet:
/// compute them on the primary and store them as revision 1 with their
/// suppression patterns (`patterns`), with one audit row. Two processes freezing at once store the same rows once (ON
/// CONFLICT DO NOTHING). Returns whether anything was missing.
pub async fn freeze(db: &Db, tz: Tz, k: i64, top: region::Model, closed: &[YearMonth]) -> ApiResult<bool> {
    let keys: Vec<String> = closed.iter().map(ToString::to_string).collect();
    let frozen: HashSet<String> = indicator_freeze::Entity::find()
        .filter(indicator_freeze::Column::RootRegionId.eq(top.id))
        .filter(indicator_freeze::Column::Month.is_in(keys))
        .all(&db.write)
        .await?
        .into_iter()
        .map(|f| f.month)
        .collect();
    let missing: Vec<Span> =
        closed.iter().filter(|m| !frozen.contains(&m.to_string())).map(|&m| Span::new(m, tz)).collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let tree = Tree::load(&db.write, &top.path).await?;
    let now = Utc::now();
    let figures = compute(&db.write, &tree, &missing, now).await?;
    let system = Principal::system();
    let mut uow = UnitOfWork::begin(db, &system).await?;
    store(uow.txn(), figures.iter().map(|(&(r, m, i), f)| (r, m, i, 1, *f)), now).await?;
    let tables = counts(figures.iter().map(|(key, f)| (*key, f)));
    let previous = patterns::load(uow.txn(), top.id, &missing.iter().map(|s| s.month).collect::<Vec<_>>()).await?;
    patterns::store(uow.txn(), top.id, &patterns::derive(&tree, &tables, &previous, k), k, now).await?;
    let freezes = missing.iter().map(|s| indicator_freeze::ActiveModel {
        id: NotSet,
        root_region_id: Set(top.id),
        month: Set(s.month.to_string()),
        time_zone: Set(tz.name().to_owned()),
        frozen_at: Set(now),
    });
    indicator_freeze::Entity::insert_many(freezes)
        .on_conflict_do_nothing_on([indicator_freeze::Column::RootRegionId, indicator_freeze::Column::Month])
        .exec(uow.txn())
        .await?;
    let months: Vec<String> = missing.iter().map(|s| s.month.to_string()).collect();
    uow.emit(
        Hook::of::<Region>(EventType::IndicatorMonthFrozen, top.id).community(top.id).with("months", months.clone()),
    );
    uow.commit(
        Audit::batch::<Region>(Verbs::IndicatorsFreeze)
            .details(serde_json::json!({ "region": top.code, "months": months, "figures": figures.len() })),
    )
    .await?;
    Ok(true)
}

/// Insert figures (region, month, indicator, revision, figure); a row
/// already there (another process) stays as it is.
pub(super) async fn store<C: ConnectionTrait>(
    conn: &C,
    rows: impl Iterator<Item = (i32, YearMonth, Indicator, i32, Figure)>,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let models: Vec<indicator_value::ActiveModel> = rows
        .map(|(region, month, name, revision, f)| indicator_value::ActiveModel {
            id: NotSet,
            region_id: Set(region),
            month: Set(month.to_string()),
            indicator: Set(name.wire().to_owned()),
            revision: Set(revision),
            value: Set(f.value),
            numerator: Set(f.numerator),
            denominator: Set(f.denominator),
            count: Set(f.count),
            recorded_at: Set(now),
        })
        .collect();
    let n = models.len();
    // 9 parameters a row: 1,000 rows stay under both engines' limits.
    for chunk in models.chunks(1000) {
        indicator_value::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                indicator_value::Column::RegionId,
                indicator_value::Column::Month,
                indicator_value::Column::Indicator,
                indicator_value::Column::Revision,
            ])
            .exec(conn)
            .await?;
    }
    Ok(n)
}

/// The latest stored revision of every figure of `tree` in `months`.
pub(super) async fn latest<C: ConnectionTrait>(
    conn: &C,
    tree: &Tree,
    months: &[YearMonth],
) -> ApiResult<BTreeMap<(i32, YearMonth, Indicator), (i32, Figure)>> {
    let mut out = BTreeMap::new();
    for (m, i, v) in stored(conn, tree, months).await? {
        out.insert((v.region_id, m, i), (v.revision, figure_of(&v)));
    }
    Ok(out)
}

/// Every stored revision of the figures of `tree` in `months`, oldest
/// revision first.
async fn stored<C: ConnectionTrait>(
    conn: &C,
    tree: &Tree,
    months: &[YearMonth],
) -> ApiResult<Vec<(YearMonth, Indicator, indicator_value::Model)>> {
    let keys: Vec<String> = months.iter().map(ToString::to_string).collect();
    let rows = indicator_value::Entity::find()
        .filter(indicator_value::Column::RegionId.is_in(tree.ids()))
        .filter(indicator_value::Column::Month.is_in(keys))
        .order_by_asc(indicator_value::Column::Revision)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|v| Some((YearMonth::parse(&v.month)?, Indicator::from_wire(&v.indicator)?, v)))
        .collect())
}

/// The figures as one viewer sees them: the table of its tree, less the
/// hidden cells of the district's patterns for a viewer of suppressed
/// figures.
struct Shown {
    table: Table,
    hidden: Hidden,
    k: i64,
    suppress: bool,
}

impl Shown {
    fn point(&self, region: i32, month: YearMonth, name: Indicator) -> Option<Point> {
        let s = self.table.get(&(region, month, name))?;
        // `small` is already in every pattern (primary suppression); it is
        // checked again so that a table without a pattern can never show
        // a small figure.
        let hidden = self.suppress && self.hidden.get(&(month, name)).is_some_and(|h| h.contains(&region));
        let small = |f: &Figure| self.suppress && (1..self.k).contains(&f.count);
        Some(Point {
            month,
            figure: (!hidden && !small(&s.current)).then_some(s.current),
            revision: s.revision,
            recorded_at: s.recorded_at,
            earlier: s
                .earlier
                .iter()
                .map(|(revision, f, at)| Revision {
                    revision: *revision,
                    figure: (!hidden && !small(f)).then_some(*f),
                    recorded_at: *at,
                })
                .collect(),
        })
    }
}

/// For the revision job: figures of `months` as now computed, against
/// the stored ones; returns the changed figures with their next revision.
pub(super) fn changed(
    now: &Figures,
    stored: &BTreeMap<(i32, YearMonth, Indicator), (i32, Figure)>,
) -> Vec<(i32, YearMonth, Indicator, i32, Figure)> {
    now.iter()
        .filter_map(|(&(r, m, i), f)| match stored.get(&(r, m, i)) {
            Some((_, old)) if old == f => None,
            Some((rev, _)) => Some((r, m, i, rev + 1, *f)),
            None => Some((r, m, i, 1, *f)),
        })
        .collect()
}
