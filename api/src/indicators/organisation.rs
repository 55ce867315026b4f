//! An organisation's own figures (issue 33): how the reports assigned to a
//! property company or NGO went, month by month — response and resolution
//! times, overdue share, satisfaction — for its staff (and platform
//! admins). They are working figures of one organisation, not published
//! statistics of a region: computed live on every read (never frozen,
//! never suppressed; the organisation already sees each of these reports).
//! Definitions as the region indicators', over the reports currently
//! assigned to the organisation (a report it handed back is no longer its).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::report;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::graphql::Month;
use super::months::{Span, YearMonth};
use crate::auth::Principal;
use crate::directory::graphql::Organisation;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::policy::{Permission, is_org_staff, is_person};

/// Reading an organisation's own figures: its staff, platform admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOwnFigures;

impl Permission for ReadOwnFigures {
    fn action(&self) -> crate::i18n::Msg {
        t!("indicators.perm.own_figures")
    }

    fn allowed(&self, p: &Principal) -> bool {
        is_org_staff(p) || (is_person(p) && p.role == entity::enums::Role::PlatformAdmin)
    }
}

/// Who is shown the organisation's figures.
pub mod shown {
    crate::shown! {
        read_own_figures => super::ReadOwnFigures;
    }
}

/// One month of an organisation's reports.
#[derive(SimpleObject, Clone, Debug, Default, PartialEq)]
pub struct OrganisationMonth {
    /// The month.
    pub month: String,
    /// Reports filed in the month and assigned to the organisation.
    pub reports_assigned: i64,
    /// Of those, resolved by the month's end.
    pub reports_resolved: i64,
    /// `reportsResolved / reportsAssigned`; null when nothing was assigned.
    pub resolution_rate: Option<f64>,
    /// Median hours from filing to the first response (any step by the
    /// handling side) of the reports filed in the month (nearest rank).
    pub first_response_hours_median: Option<f64>,
    /// Median hours from filing to resolution of its reports resolved in
    /// the month (nearest rank).
    pub resolution_hours_median: Option<f64>,
    /// 90th percentile of the same hours (nearest rank).
    pub resolution_hours_p90: Option<f64>,
    /// Reports filed in the month whose due time passed before the month's
    /// end without a resolution, over those filed.
    pub overdue_share: Option<f64>,
    /// Ratings its reports received in the month.
    pub ratings: i64,
    /// Ratings of 4 or 5 stars over all its ratings in the month.
    pub satisfaction_rate: Option<f64>,
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

/// The value at position ⌈p·n⌉ of the sorted values (nearest rank).
fn nearest_rank(mut v: Vec<f64>, p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v.get(rank - 1).copied()
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// One month's figures from the organisation's reports.
pub fn month_of(reports: &[report::Model], span: &Span, now: DateTime<Utc>) -> OrganisationMonth {
    let within = |t: DateTime<Utc>| t >= span.start && t < span.end;
    let filed: Vec<&report::Model> = reports.iter().filter(|r| within(r.created_at)).collect();
    let resolved = filed.iter().filter(|r| r.resolved_at.is_some_and(|t| t < span.end)).count() as i64;
    let overdue = filed
        .iter()
        .filter(|r| r.due_at < span.end && r.due_at < now && r.resolved_at.is_none_or(|t| t > r.due_at))
        .count() as i64;
    let resolution: Vec<f64> =
        reports.iter().filter_map(|r| r.resolved_at.filter(|t| within(*t)).map(|t| hours(r.created_at, t))).collect();
    let first: Vec<f64> = filed.iter().filter_map(|r| r.first_response_at.map(|t| hours(r.created_at, t))).collect();
    let rated: Vec<i32> = reports.iter().filter(|r| r.rated_at.is_some_and(within)).filter_map(|r| r.rating).collect();
    let assigned = filed.len() as i64;
    OrganisationMonth {
        month: span.month.to_string(),
        reports_assigned: assigned,
        reports_resolved: resolved,
        resolution_rate: ratio(resolved, assigned),
        first_response_hours_median: nearest_rank(first, 0.5),
        resolution_hours_median: nearest_rank(resolution.clone(), 0.5),
        resolution_hours_p90: nearest_rank(resolution, 0.9),
        overdue_share: ratio(overdue, assigned),
        ratings: rated.len() as i64,
        satisfaction_rate: ratio(rated.iter().filter(|s| **s >= 4).count() as i64, rated.len() as i64),
    }
}

#[derive(Default)]
pub struct OrganisationIndicatorsQuery;

#[Object]
impl OrganisationIndicatorsQuery {
    /// An organisation's own figures, month by month: the reports assigned
    /// to it, response and resolution times, overdue share, satisfaction.
    /// Its staff and platform admins; anyone else FORBIDDEN. Computed live.
    /// At most 60 months.
    #[graphql(visible = "shown::read_own_figures", guard = "Authenticated")]
    async fn organisation_indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation (global id).")] organisation_id: ID,
        #[graphql(desc = "First month (inclusive).")] from: Month,
        #[graphql(desc = "Last month (inclusive); months after the current one are left out.")] to: Month,
    ) -> ApiResult<Vec<OrganisationMonth>> {
        let p = ctx.principal()?;
        let org = ids::id_of::<Organisation>(&organisation_id, "organisationId")?;
        let own = is_org_staff(p) && p.scope.organisation_id == Some(org);
        if !(own || (ReadOwnFigures.allowed(p) && p.role == entity::enums::Role::PlatformAdmin)) {
            return Err(ApiError::forbidden(t!("indicators.own_figures_only")));
        }
        let config = &ctx.app().config;
        let months: Vec<YearMonth> = super::service::months(config, from.0, to.0)?;
        let tz = config.indicator_time_zone;
        let spans: Vec<Span> = months.iter().map(|&m| Span::new(m, tz)).collect();
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else { return Ok(Vec::new()) };
        let (start, end) = (first.start, last.end);
        let in_window = |c: report::Column| Condition::all().add(c.gte(start)).add(c.lt(end));
        let reports = report::Entity::find()
            .filter(report::Column::AssignedOrganisationId.eq(org))
            .filter(
                Condition::any()
                    .add(in_window(report::Column::CreatedAt))
                    .add(in_window(report::Column::ResolvedAt))
                    .add(in_window(report::Column::RatedAt)),
            )
            .all(&ctx.db().read)
            .await?;
        let now = Utc::now();
        Ok(spans.iter().map(|s| month_of(&reports, s, now)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_value_at_the_ceiling() {
        assert_eq!(nearest_rank(vec![], 0.5), None);
        assert_eq!(nearest_rank(vec![10.0, 2.0, 48.0], 0.5), Some(10.0));
        assert_eq!(nearest_rank(vec![10.0, 2.0, 48.0, 5.0], 0.9), Some(48.0));
        assert_eq!(nearest_rank(vec![3.0, 1.0], 0.5), Some(1.0));
    }
}
