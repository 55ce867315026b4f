//! Lists and counts of reports.

use chrono::{DateTime, Utc};
use entity::enums::ReportStatus;
use entity::report;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::reports::lifecycle;
use crate::reports::policy::{self};

/// Filters of the `reports` list.
#[derive(Default)]
pub struct ReportList {
    pub community_id: Option<i32>,
    pub building_id: Option<i32>,
    pub statuses: Option<Vec<ReportStatus>>,
    pub category_code: Option<String>,
    pub assigned_organisation_id: Option<i32>,
    pub overdue: Option<bool>,
    pub escalated: Option<bool>,
    pub escalated_to: Option<Rung>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub mine: bool,
}

/// A rung of the escalation ladder.
#[derive(Clone, Copy)]
pub enum Rung {
    Committee,
    Office,
}

/// The condition "open and past its due time".
pub fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all().add(report::Column::Status.is_in(lifecycle::OPEN_STATES)).add(report::Column::DueAt.lt(now))
}

/// The reports list: the visible reports, filtered in SQL.
pub fn list(p: &Principal, f: ReportList) -> Select<report::Entity> {
    use report::Column as R;
    let mut q = policy::visible_reports(p);
    if let Some(c) = f.community_id {
        q = q.filter(R::CommunityId.eq(c));
    }
    if let Some(b) = f.building_id {
        q = q.filter(R::BuildingId.eq(b));
    }
    if let Some(st) = f.statuses {
        q = q.filter(R::Status.is_in(st));
    }
    if let Some(code) = f.category_code {
        q = q.filter(R::CategoryCode.eq(code));
    }
    if let Some(o) = f.assigned_organisation_id {
        q = q.filter(R::AssignedOrganisationId.eq(o));
    }
    match f.overdue {
        Some(true) => q = q.filter(overdue_condition(Utc::now())),
        Some(false) => q = q.filter(overdue_condition(Utc::now()).not()),
        None => {}
    }
    match f.escalated {
        Some(true) => q = q.filter(R::EscalatedAt.is_not_null()),
        Some(false) => q = q.filter(R::EscalatedAt.is_null()),
        None => {}
    }
    match f.escalated_to {
        Some(Rung::Office) => q = q.filter(R::EscalatedAt.is_not_null()),
        Some(Rung::Committee) => q = q.filter(R::EscalatedToCommitteeAt.is_not_null()).filter(R::EscalatedAt.is_null()),
        None => {}
    }
    if let Some(from) = f.created_from {
        q = q.filter(R::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(R::CreatedAt.lt(to));
    }
    if f.mine {
        let me = p.account_id().unwrap_or_default();
        q = q.filter(Condition::any().add(R::ReporterAccountId.eq(me)).add(R::FiledByAccountId.eq(me)));
    }
    q
}

#[derive(FromQueryResult)]
pub struct StatusCount {
    pub status: ReportStatus,
    pub n: i64,
}

/// Counts of the visible reports by status (optionally of one organisation's queue).
pub async fn counts<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    organisation_id: Option<i32>,
) -> ApiResult<Vec<StatusCount>> {
    let mut q = policy::visible_reports(p)
        .select_only()
        .column(report::Column::Status)
        .expr_as(Func::count(Expr::col(report::Column::Id)), "n")
        .group_by(report::Column::Status);
    if let Some(o) = organisation_id {
        q = q.filter(report::Column::AssignedOrganisationId.eq(o));
    }
    Ok(q.into_model::<StatusCount>().all(conn).await?)
}
