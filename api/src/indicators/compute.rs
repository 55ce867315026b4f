//! The figures, computed by SQL aggregation: per community and month for
//! everything that adds up (counts and sums), rolled up to streets and
//! districts by adding the communities' counts (never by averaging their
//! rates); per region and month in SQL for the resolution-time percentiles,
//! which do not add up.
//!
//! Each statement returns one row per (community, month) at most, so the
//! server never loads the underlying rows. The statement count is fixed
//! (ten) whatever the number of months, regions or records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::enums::RegionKind;
use entity::region;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryResult, Statement, Value};

use super::definitions::Indicator::{self, *};
use super::months::{Span, YearMonth};
use super::statements::*;
use crate::error::ApiResult;

/// One figure: the value and what it is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Figure {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// How many records the figure rests on (ratings, reports, residents,
    /// delivery records, allocations): what suppression compares with k.
    pub count: i64,
}

/// Every figure of a region tree: (region, month, indicator) → figure.
pub type Figures = BTreeMap<(i32, YearMonth, Indicator), Figure>;

/// The regions of a tree, root first.
#[derive(Clone, Debug)]
pub struct Tree {
    pub regions: Vec<region::Model>,
}

impl Tree {
    /// The region with this path and everything under it.
    pub async fn load<C: ConnectionTrait>(conn: &C, root_path: &str) -> ApiResult<Self> {
        let mut regions =
            region::Entity::find().filter(region::Column::Path.like(format!("{root_path}%"))).all(conn).await?;
        regions.sort_by(|a, b| a.path.len().cmp(&b.path.len()).then(a.id.cmp(&b.id)));
        Ok(Self { regions })
    }

    pub fn ids(&self) -> Vec<i32> {
        self.regions.iter().map(|r| r.id).collect()
    }

    pub fn children(&self, id: i32) -> Vec<i32> {
        self.regions.iter().filter(|r| r.parent_id == Some(id)).map(|r| r.id).collect()
    }

    pub fn get(&self, id: i32) -> Option<&region::Model> {
        self.regions.iter().find(|r| r.id == id)
    }
}

/// The counts that add up, of one community in one month.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    submitted: i64,
    resolved: i64,
    overdue: i64,
    /// Ratings by source (reports, services, projects): (all, ≥ 4).
    ratings: [(i64, i64); 3],
    /// Satisfaction survey answers: (all, ≥ 4).
    surveyed: (i64, i64),
    active: i64,
    residents: i64,
    allocations: i64,
    allocated_fen: i64,
    spent_fen: i64,
    deliveries: i64,
    beneficiaries: i64,
    minutes: i64,
    proposed: i64,
    approved: i64,
    completed: i64,
    evaluated: i64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.submitted += o.submitted;
        self.resolved += o.resolved;
        self.overdue += o.overdue;
        for (a, b) in self.ratings.iter_mut().zip(o.ratings) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.surveyed.0 += o.surveyed.0;
        self.surveyed.1 += o.surveyed.1;
        self.active += o.active;
        self.residents += o.residents;
        self.allocations += o.allocations;
        self.allocated_fen += o.allocated_fen;
        self.spent_fen += o.spent_fen;
        self.deliveries += o.deliveries;
        self.beneficiaries += o.beneficiaries;
        self.minutes += o.minutes;
        self.proposed += o.proposed;
        self.approved += o.approved;
        self.completed += o.completed;
        self.evaluated += o.evaluated;
    }
}

/// Resolution-time percentiles of one region and month (nearest rank).
#[derive(Clone, Copy, Debug, Default)]
struct Percentiles {
    n: i64,
    p50: Option<f64>,
    p90: Option<f64>,
}

#[allow(clippy::cast_precision_loss)]
fn ratio(numerator: i64, denominator: i64) -> Figure {
    Figure {
        value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        numerator: Some(numerator as f64),
        denominator: Some(denominator as f64),
        count: denominator,
    }
}

#[allow(clippy::cast_precision_loss)]
fn count(value: i64, records: i64) -> Figure {
    Figure { value: Some(value as f64), numerator: Some(value as f64), denominator: None, count: records }
}

/// The figures of every region of `tree` for `months`, `now` being the
/// instant a still-open month is counted up to.
pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    tree: &Tree,
    months: &[Span],
    now: DateTime<Utc>,
) -> ApiResult<Figures> {
    let mut out = Figures::new();
    let Some(root) = tree.regions.first() else { return Ok(out) };
    if months.is_empty() {
        return Ok(out);
    }
    let q = Queries { backend: conn.get_database_backend(), months, root_path: &root.path };
    let mut sums: HashMap<(i32, YearMonth), Sums> = HashMap::new();
    fn slot<'a>(sums: &'a mut HashMap<(i32, YearMonth), Sums>, row: &QueryResult) -> ApiResult<&'a mut Sums> {
        let community: i32 = row.try_get("", "community")?;
        let month: String = row.try_get("", "month")?;
        let month = YearMonth::parse(&month).ok_or_else(|| crate::error::ApiError::internal("a month key"))?;
        Ok(sums.entry((community, month)).or_default())
    }
    let int =
        |row: &QueryResult, col: &str| -> ApiResult<i64> { Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0)) };

    for row in conn.query_all_raw(q.statement(REPORTS, vec![now.into()])).await? {
        let s = slot(&mut sums, &row)?;
        s.submitted = int(&row, "submitted")?;
        s.resolved = int(&row, "resolved")?;
        s.overdue = int(&row, "overdue")?;
    }
    for row in conn.query_all_raw(q.statement(RATINGS, vec![])).await? {
        let source = usize::try_from(row.try_get::<i32>("", "source")?).unwrap_or(0).min(2);
        let (n, good) = (int(&row, "n")?, int(&row, "good")?);
        slot(&mut sums, &row)?.ratings[source] = (n, good);
    }
    for row in conn.query_all_raw(q.statement(SURVEYS, vec![])).await? {
        let (n, good) = (int(&row, "n")?, int(&row, "good")?);
        slot(&mut sums, &row)?.surveyed = (n, good);
    }
    for row in conn.query_all_raw(q.statement(PARTICIPATION, vec![])).await? {
        slot(&mut sums, &row)?.active = int(&row, "active")?;
    }
    for row in conn.query_all_raw(q.statement(RESIDENTS, vec![])).await? {
        slot(&mut sums, &row)?.residents = int(&row, "residents")?;
    }
    for row in conn.query_all_raw(q.statement(PROJECTS, vec![])).await? {
        let n = int(&row, "n")?;
        let status: String = row.try_get("", "status")?;
        let s = slot(&mut sums, &row)?;
        match status.as_str() {
            "PROPOSED" => s.proposed = n,
            "APPROVED" => s.approved = n,
            "COMPLETED" => s.completed = n,
            _ => s.evaluated = n,
        }
    }
    for row in conn.query_all_raw(q.statement(ALLOCATIONS, vec![])).await? {
        let (n, fen) = (int(&row, "n")?, int(&row, "fen")?);
        let s = slot(&mut sums, &row)?;
        s.allocations = n;
        s.allocated_fen = fen;
    }
    for row in conn.query_all_raw(q.statement(SPENT, vec![])).await? {
        slot(&mut sums, &row)?.spent_fen = int(&row, "fen")?;
    }
    for row in conn.query_all_raw(q.statement(DELIVERIES, vec![])).await? {
        let (n, people, minutes) = (int(&row, "n")?, int(&row, "people")?, int(&row, "minutes")?);
        let s = slot(&mut sums, &row)?;
        s.deliveries = n;
        s.beneficiaries = people;
        s.minutes = minutes;
    }
    let hours = if q.backend == DbBackend::Postgres { HOURS_PG } else { HOURS_SQLITE };
    let mut percentiles: HashMap<(i32, YearMonth), Percentiles> = HashMap::new();
    for row in conn.query_all_raw(q.statement(&PERCENTILES.replace("{hours}", hours), vec![])).await? {
        let region: i32 = row.try_get("", "region")?;
        let month: String = row.try_get("", "month")?;
        let Some(month) = YearMonth::parse(&month) else { continue };
        percentiles.insert(
            (region, month),
            Percentiles { n: int(&row, "n")?, p50: row.try_get("", "p50")?, p90: row.try_get("", "p90")? },
        );
    }

    // Roll the communities' counts up the tree: a region's counts are the
    // sum over the communities under it (by path).
    let communities: Vec<&region::Model> = tree.regions.iter().filter(|r| r.kind == RegionKind::Community).collect();
    for r in &tree.regions {
        for span in months {
            let mut total = Sums::default();
            for c in communities.iter().filter(|c| c.path.starts_with(&r.path)) {
                if let Some(s) = sums.get(&(c.id, span.month)) {
                    total.add(s);
                }
            }
            let p = percentiles.get(&(r.id, span.month)).copied().unwrap_or_default();
            for (indicator, figure) in figures(&total, p) {
                out.insert((r.id, span.month, indicator), figure);
            }
        }
    }
    Ok(out)
}

#[allow(clippy::cast_precision_loss)]
fn figures(s: &Sums, p: Percentiles) -> [(Indicator, Figure); 18] {
    let all_ratings = s.ratings.iter().fold((0, 0), |acc, r| (acc.0 + r.0, acc.1 + r.1));
    let hours = |v: Option<f64>| Figure { value: v, numerator: None, denominator: Some(p.n as f64), count: p.n };
    [
        (ReportResolutionRate, ratio(s.resolved, s.submitted)),
        (ReportResolutionHoursMedian, hours(p.p50)),
        (ReportResolutionHoursP90, hours(p.p90)),
        (ReportOverdueShare, ratio(s.overdue, s.submitted)),
        (SatisfactionRate, ratio(all_ratings.1, all_ratings.0)),
        (SatisfactionRateReports, ratio(s.ratings[0].1, s.ratings[0].0)),
        (SatisfactionRateServices, ratio(s.ratings[1].1, s.ratings[1].0)),
        (SatisfactionRateProjects, ratio(s.ratings[2].1, s.ratings[2].0)),
        (SurveyedSatisfactionRate, ratio(s.surveyed.1, s.surveyed.0)),
        (ParticipationRate, ratio(s.active, s.residents)),
        (FundExecutionRate, Figure { count: s.allocations, ..ratio(s.spent_fen, s.allocated_fen) }),
        (ServiceDeliveries, count(s.deliveries, s.deliveries)),
        (ServiceBeneficiaries, count(s.beneficiaries, s.deliveries)),
        (ServiceHours, {
            let h = s.minutes as f64 / 60.0;
            Figure { value: Some(h), numerator: Some(h), denominator: None, count: s.deliveries }
        }),
        (ProjectsProposed, count(s.proposed, s.proposed)),
        (ProjectsApproved, count(s.approved, s.approved)),
        (ProjectsCompleted, count(s.completed, s.completed)),
        (ProjectsEvaluated, count(s.evaluated, s.evaluated)),
    ]
}

/// Builds the statements: every one starts with the months (`m`) and the
/// communities of the tree (`c`) as common table expressions.
struct Queries<'a> {
    backend: DbBackend,
    months: &'a [Span],
    root_path: &'a str,
}

impl Queries<'_> {
    fn statement(&self, body: &str, extra: Vec<Value>) -> Statement {
        let rows: Vec<&str> = self.months.iter().map(|_| "SELECT ?, ?, ?, ?, ?, ?").collect();
        let sql = format!(
            "WITH m(k, y, s, e, ds, de) AS ({}), \
             c AS (SELECT id, path FROM regions WHERE kind = 'COMMUNITY' AND path LIKE ?) {body}",
            rows.join(" UNION ALL ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(self.months.len() * 6 + 1 + extra.len());
        for s in self.months {
            values.push(s.month.to_string().into());
            values.push(s.month.year.into());
            values.push(s.start.into());
            values.push(s.end.into());
            values.push(s.first_day.into());
            values.push(s.next_first_day.into());
        }
        values.push(format!("{}%", self.root_path).into());
        values.extend(extra);
        Statement::from_sql_and_values(self.backend, numbered(self.backend, &sql), values)
    }
}

/// `?` placeholders as PostgreSQL's `$1, $2, ...` (the statements here
/// have no `?` inside literals).
fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 32);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}
