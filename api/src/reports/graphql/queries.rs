//! The reports domain's queries.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::report;

use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_by_time, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::reports::service::{self, ReportList};

use super::*;

/// The order of the `reports` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ReportOrder {
    /// Newest first.
    #[default]
    NewestFirst,
    /// Oldest first.
    OldestFirst,
    /// The soonest due first (forward paging only).
    DueSoonest,
}

/// Filters of the `reports` list.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// The community (global id).
    pub community_id: Option<ID>,
    /// The building (global id).
    pub building_id: Option<ID>,
    /// The status.
    pub status: Option<Vec<ReportStatus>>,
    /// The category code.
    pub category_code: Option<String>,
    /// The assigned organisation (global id).
    pub assigned_organisation_id: Option<ID>,
    /// Only overdue (true) or not overdue (false) reports.
    pub overdue: Option<bool>,
    /// Only escalated (true) or not escalated (false) reports.
    pub escalated: Option<bool>,
    /// Only reports whose highest escalation rung is this one.
    pub escalated_to: Option<EscalationLevel>,
    /// Filed at or after.
    pub created_from: Option<DateTime>,
    /// Filed before.
    pub created_to: Option<DateTime>,
    /// Only the viewer's own reports.
    #[graphql(default)]
    pub mine: bool,
}

/// How many reports are in one status.
#[derive(SimpleObject)]
pub struct ReportStatusCount {
    /// The status.
    pub status: ReportStatus,
    /// How many.
    pub count: i64,
}

pub(crate) fn report_id(id: &ID, field: &str) -> ApiResult<i32> {
    ids::id_of::<Report>(id, field)
}

#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Reports the viewer may read, filtered and ordered, paged in SQL.
    #[graphql(
        visible = "super::shown::read_reports",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports (all the viewer may read by default).")] filter: Option<ReportFilter>,
        #[graphql(default, desc = "The order (newest first by default).")] order_by: ReportOrder,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Report>> {
        let f = filter.unwrap_or_default();
        let list = ReportList {
            community_id: f.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?,
            building_id: f.building_id.as_ref().map(|b| ids::id_of::<Building>(b, "buildingId")).transpose()?,
            statuses: f.status.map(|s| s.into_iter().map(Into::into).collect()),
            category_code: f.category_code,
            assigned_organisation_id: f
                .assigned_organisation_id
                .as_ref()
                .map(|o| ids::id_of::<Organisation>(o, "assignedOrganisationId"))
                .transpose()?,
            overdue: f.overdue,
            escalated: f.escalated,
            escalated_to: f.escalated_to.map(|l| match l {
                EscalationLevel::Committee => service::Rung::Committee,
                EscalationLevel::Office => service::Rung::Office,
            }),
            created_from: f.created_from.map(|d| d.0),
            created_to: f.created_to.map(|d| d.0),
            mine: f.mine,
        };
        let q = service::list(ctx.principal()?, list);
        let args = PageArgs::new(after, before, first, last);
        match order_by {
            ReportOrder::NewestFirst => paginate_ordered(ctx, q, report::Column::Id, args, true, Report).await,
            ReportOrder::OldestFirst => paginate_ordered(ctx, q, report::Column::Id, args, false, Report).await,
            ReportOrder::DueSoonest => {
                let key = |r: &report::Model| (r.due_at, r.id);
                paginate_by_time(ctx, q, report::Column::DueAt, report::Column::Id, args, key, Report).await
            }
        }
    }

    /// One report; NOT_FOUND when it does not exist or the viewer may not read it.
    #[graphql(visible = "super::shown::read_reports", guard = "Authenticated")]
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report (global id).")] id: ID,
    ) -> ApiResult<Report> {
        let (r, _) = service::load(&ctx.db().read, ctx.principal()?, report_id(&id, "id")?).await?;
        Ok(Report(r))
    }

    /// The report categories of a community (its own and the defaults it keeps).
    #[graphql(visible = "super::shown::read_reports", guard = "Authenticated")]
    async fn report_categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: ID,
    ) -> ApiResult<Vec<ReportCategory>> {
        ctx.principal()?;
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        crate::directory::service::community(&ctx.db().read, c, "communityId").await?;
        Ok(service::categories(&ctx.db().read, c).await?.into_iter().map(ReportCategory).collect())
    }

    /// Counts of the reports the viewer may read, by status; with
    /// `organisationId`, of that organisation's queue.
    #[graphql(visible = "super::shown::read_reports", guard = "Authenticated")]
    async fn report_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An organisation (global id) whose queue to count.")] organisation_id: Option<ID>,
    ) -> ApiResult<Vec<ReportStatusCount>> {
        let org = organisation_id.as_ref().map(|o| ids::id_of::<Organisation>(o, "organisationId")).transpose()?;
        let rows = service::counts(&ctx.db().read, ctx.principal()?, org).await?;
        Ok(rows.into_iter().map(|r| ReportStatusCount { status: r.status.into(), count: r.n }).collect())
    }
}
