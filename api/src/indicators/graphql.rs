//! The indicator types and queries. Each `IndicatorName` value's
//! description is its definition: numerator, denominator, unit. The
//! README's table says the same (a test compares them).

use async_graphql::{
    Context, Enum, ID, InputValueError, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Value,
};

use super::compute::Figure;
use super::definitions::Indicator;
use super::months::YearMonth;
use super::service::{self, Point, Ranked};
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::input::{MAX_YEAR, MIN_YEAR};

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::indicators::policy::ReadIndicators;

    crate::shown! {
        read_indicators => ReadIndicators;
    }
}

/// A calendar month, `YYYY-MM` (`2026-03`), in the indicators' time zone
/// (`GONGZHI_INDICATOR_TIME_ZONE`, default Asia/Shanghai).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Month(pub YearMonth);

/// A calendar month, `YYYY-MM` (`2026-03`), in the indicators' time zone
/// (`GONGZHI_INDICATOR_TIME_ZONE`, default Asia/Shanghai).
#[Scalar(name = "Month")]
impl ScalarType for Month {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else { return Err(InputValueError::expected_type(value)) };
        match YearMonth::parse(s) {
            Some(m) if (MIN_YEAR..=MAX_YEAR).contains(&m.year) => Ok(Month(m)),
            _ => Err(InputValueError::custom(t!("indicators.month_format").render_current())),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A governance indicator (治理指标). Months are calendar months in the
/// configured time zone; a street or district adds up its communities'
/// counts (it never averages their rates).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "super::definitions::Indicator")]
pub enum IndicatorName {
    /// Reports filed in the month that were resolved by the month's end
    /// (numerator; a dispute counts once mediated to an agreement) /
    /// reports filed in the month (denominator). Ratio.
    ReportResolutionRate,
    /// Median hours from filing to resolution of the reports resolved in
    /// the month (nearest rank); denominator: those reports. Hours.
    ReportResolutionHoursMedian,
    /// 90th percentile of the same hours (nearest rank); denominator: the
    /// reports resolved in the month. Hours.
    ReportResolutionHoursP90,
    /// Reports filed in the month whose due time passed, before the month's
    /// end, without a resolution (numerator) / reports filed in the month
    /// (denominator). Ratio.
    ReportOverdueShare,
    /// Ratings of 4 or 5 stars given in the month to reports, service
    /// requests and project evaluations (numerator) / all ratings given in
    /// the month (denominator). Ratio.
    SatisfactionRate,
    /// Ratings of 4 or 5 stars given to reports in the month (numerator) /
    /// report ratings given in the month (denominator). Ratio.
    SatisfactionRateReports,
    /// Ratings of 4 or 5 stars given to service requests in the month
    /// (numerator) / service request ratings given in the month
    /// (denominator). Ratio.
    SatisfactionRateServices,
    /// Project evaluations of 4 or 5 stars made in the month (numerator) /
    /// project evaluations made in the month (denominator). Ratio.
    SatisfactionRateProjects,
    /// Answers of 4 or 5 to the overall rating of the standard community
    /// satisfaction surveys (`COMMUNITY_SATISFACTION`) closed in the month
    /// (numerator) / answers to that rating in those surveys (denominator),
    /// by the respondent's community. Ratio.
    SurveyedSatisfactionRate,
    /// Distinct eligible residents (residents and building heads) who
    /// proposed, voted on a project or in a budget round, commented,
    /// reported, rated or attended a council meeting in their community in
    /// the month (numerator) /
    /// eligible residents registered by the month's end (denominator).
    /// Ratio.
    ParticipationRate,
    /// Approved expenditures decided by the month's end (numerator) /
    /// allocations made by the month's end (denominator), in fen, for funds
    /// of the month's fiscal year: execution to date. Ratio.
    FundExecutionRate,
    /// Delivery records of services delivered in the month. Count.
    ServiceDeliveries,
    /// People served by those deliveries (the sum of their beneficiaries).
    /// Count.
    ServiceBeneficiaries,
    /// Duration of those deliveries. Hours.
    ServiceHours,
    /// Projects proposed in the month. Count.
    ProjectsProposed,
    /// Projects approved in the month. Count.
    ProjectsApproved,
    /// Projects completed in the month. Count.
    ProjectsCompleted,
    /// Projects whose evaluation closed in the month. Count.
    ProjectsEvaluated,
}

/// What an indicator's value measures.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "super::definitions::Unit")]
pub enum IndicatorUnit {
    /// numerator / denominator, from 0 to 1.
    Ratio,
    /// Hours (a duration).
    Hours,
    /// A number of records or people.
    Count,
}

/// One indicator of one region, month by month.
pub struct IndicatorSeries {
    name: Indicator,
    region: Region,
    points: Vec<Point>,
}

/// One indicator of one region, month by month.
#[Object]
impl IndicatorSeries {
    /// The indicator.
    async fn name(&self) -> IndicatorName {
        self.name.into()
    }
    /// What its value measures.
    async fn unit(&self) -> IndicatorUnit {
        self.name.unit().into()
    }
    /// Whether a smaller value is the better one (resolution hours, overdue
    /// share).
    async fn lower_is_better(&self) -> bool {
        self.name.lower_is_better()
    }
    /// The region the figures are of.
    async fn region(&self) -> &Region {
        &self.region
    }
    /// One point per month asked for, oldest first, up to the current
    /// month.
    async fn points(&self) -> Vec<IndicatorPoint> {
        self.points.iter().cloned().map(IndicatorPoint).collect()
    }
}

/// The figure of one month.
pub struct IndicatorPoint(Point);

fn figure_fields(f: Option<Figure>) -> (Option<f64>, Option<f64>, Option<f64>, Option<i64>) {
    f.map_or((None, None, None, None), |f| (f.value, f.numerator, f.denominator, Some(f.count)))
}

/// The figure of one month.
#[Object]
impl IndicatorPoint {
    /// The month.
    async fn month(&self) -> Month {
        Month(self.0.month)
    }
    /// Null when suppressed, or when there is nothing to divide by (no
    /// report filed, no rating given).
    async fn value(&self) -> Option<f64> {
        figure_fields(self.0.figure).0
    }
    /// Null when suppressed, and for percentiles.
    async fn numerator(&self) -> Option<f64> {
        figure_fields(self.0.figure).1
    }
    /// Null when suppressed, and for counts and service hours.
    async fn denominator(&self) -> Option<f64> {
        figure_fields(self.0.figure).2
    }
    /// How many records the figure rests on (reports, ratings, residents,
    /// delivery records, allocations, projects). Null when suppressed.
    async fn count(&self) -> Option<i64> {
        figure_fields(self.0.figure).3
    }
    /// Hidden because it rests on fewer than k records (k =
    /// `GONGZHI_INDICATOR_K`, default 5), or because it would give such a
    /// figure away by subtraction. Only district systems and residents see
    /// suppressed figures.
    async fn suppressed(&self) -> bool {
        self.0.figure.is_none()
    }
    /// 0 for a live month (the current one, or a closed one within its
    /// grace period: provisional, changes as data comes in); 1 for a month
    /// as frozen after its grace; 2 and up after corrections.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// Frozen (its grace period is over): this figure changes only by a new
    /// revision.
    async fn is_final(&self) -> bool {
        self.0.revision > 0
    }
    /// When this revision was recorded (null for a live month).
    async fn recorded_at(&self) -> Option<DateTime> {
        self.0.recorded_at.map(DateTime)
    }
    /// Earlier revisions of this figure, oldest first: what a correction
    /// changed.
    async fn earlier_revisions(&self) -> Vec<IndicatorRevision> {
        self.0
            .earlier
            .iter()
            .map(|r| {
                let (value, numerator, denominator, count) = figure_fields(r.figure);
                IndicatorRevision {
                    revision: r.revision,
                    value,
                    numerator,
                    denominator,
                    count,
                    suppressed: r.figure.is_none(),
                    recorded_at: DateTime(r.recorded_at),
                }
            })
            .collect()
    }
}

/// A superseded revision of a closed month's figure.
#[derive(SimpleObject)]
pub struct IndicatorRevision {
    /// Its number (1 as frozen at month close).
    revision: i32,
    /// The value then (null when suppressed or nothing to divide by).
    value: Option<f64>,
    /// The numerator then.
    numerator: Option<f64>,
    /// The denominator then.
    denominator: Option<f64>,
    /// How many records it rested on then.
    count: Option<i64>,
    /// Hidden from this viewer.
    suppressed: bool,
    /// When it was recorded.
    recorded_at: DateTime,
}

/// A child region's place in a ranking.
pub struct IndicatorRank(Ranked);

/// A child region's place in a ranking.
#[Object]
impl IndicatorRank {
    /// 1 for the best (highest, or lowest where lower is better); equal
    /// values share a rank. Null when there is no value to rank.
    async fn rank(&self) -> Option<i32> {
        self.0.rank
    }
    /// The child region.
    async fn region(&self) -> Region {
        Region(self.0.region.clone())
    }
    /// Its figure in the month.
    async fn point(&self) -> IndicatorPoint {
        IndicatorPoint(self.0.point.clone())
    }
}

/// The indicators domain's queries: regions' indicators and an
/// organisation's own figures.
#[derive(async_graphql::MergedObject, Default)]
pub struct IndicatorsQuery(RegionIndicatorsQuery, super::organisation::OrganisationIndicatorsQuery);

#[derive(Default)]
pub struct RegionIndicatorsQuery;

#[Object]
impl RegionIndicatorsQuery {
    /// Monthly time series of indicators of a community, street or
    /// district. District systems and offices read their region's subtree,
    /// committees their community, residents the public indicators of
    /// their own community; another region is FORBIDDEN. Closed months are
    /// frozen: the same figures on every pull, corrections as new
    /// revisions. At most 60 months per request.
    #[graphql(visible = "shown::read_indicators", guard = "Authenticated")]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A community, street or district (global id).")] region_id: ID,
        #[graphql(desc = "First month (inclusive).")] from: Month,
        #[graphql(desc = "Last month (inclusive); months after the current one are left out.")] to: Month,
        #[graphql(desc = "Which indicators (default: all the viewer may read).")] names: Option<Vec<IndicatorName>>,
    ) -> ApiResult<Vec<IndicatorSeries>> {
        let p = ctx.principal()?;
        let region = ids::id_of::<Region>(&region_id, "regionId")?;
        let config = &ctx.app().config;
        let months = service::months(config, from.0, to.0)?;
        let names = names.map(|n| n.into_iter().map(Indicator::from).collect());
        let (region, series) = service::series(ctx.db(), config, p, region, &months, names).await?;
        let region = Region(region);
        Ok(series.into_iter().map(|(name, points)| IndicatorSeries { name, region: region.clone(), points }).collect())
    }

    /// The children of a region (the communities of a street, the streets
    /// of a district) ranked on one indicator in one month, best first;
    /// regions without a value to rank (suppressed or empty) last.
    #[graphql(visible = "shown::read_indicators", guard = "Authenticated")]
    async fn indicator_ranking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A street or district (global id).")] region_id: ID,
        #[graphql(desc = "The month compared.")] month: Month,
        #[graphql(desc = "The indicator compared.")] name: IndicatorName,
    ) -> ApiResult<Vec<IndicatorRank>> {
        let p = ctx.principal()?;
        let region = ids::id_of::<Region>(&region_id, "regionId")?;
        let ranked = service::ranking(ctx.db(), &ctx.app().config, p, region, month.0, name.into()).await?;
        Ok(ranked.into_iter().map(IndicatorRank).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Indicator;

    /// The descriptions of `IndicatorName`'s values in the schema, by value.
    fn descriptions() -> Vec<(String, String)> {
        let sdl = crate::schema::sdl();
        let body = sdl.split("enum IndicatorName {").nth(1).and_then(|s| s.split("\n}").next()).unwrap_or_default();
        let mut out = Vec::new();
        let mut text = Vec::new();
        let mut in_block = false;
        for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line == "\"\"\"" {
                in_block = !in_block;
            } else if in_block {
                text.push(line.to_owned());
            } else if let Some(single) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
                text.push(single.to_owned());
            } else {
                out.push((line.to_owned(), text.join(" ")));
                text.clear();
            }
        }
        out
    }

    #[test]
    fn every_indicator_is_defined_alike_in_the_schema_and_the_readme() {
        let readme = include_str!("../../../README.md").split_whitespace().collect::<Vec<_>>().join(" ");
        let described = descriptions();
        assert_eq!(described.len(), Indicator::ALL.len(), "{described:?}");
        for (name, text) in described {
            assert!(Indicator::from_wire(&name).is_some(), "{name}");
            assert!(text.len() > 20, "{name} has no definition");
            let row = format!("| `{name}` | {text} |");
            assert!(readme.contains(&row), "README.md lacks the row of {name}: {row}");
        }
    }
}
