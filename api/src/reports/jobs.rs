//! The report sweep, run inside every server process: escalate overdue
//! reports to the office (once), and close resolved reports whose reporter
//! neither confirmed nor reopened them within the confirmation period.
//!
//! Safe with several replicas on one database without leases: each report
//! is claimed by a conditional UPDATE (`... WHERE escalated_at IS NULL`,
//! `... WHERE status = 'RESOLVED'`) in the transaction that also writes its
//! timeline event and audit row. On PostgreSQL a second replica's UPDATE
//! waits for the first to commit, re-reads the row and matches nothing; on
//! SQLite writes are serialised. So each report is escalated (and closed)
//! exactly once, whoever gets there first.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::enums::{ReportEventKind, ReportStatus};
use entity::{report, report_event};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set};

use super::Verbs;
use super::graphql::Report;
use super::service::{event, overdue_condition};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Reports handled per sweep and kind (the rest wait for the next sweep).
const BATCH: u64 = 200;

/// Start the sweep loop of this process.
pub fn spawn(app: &AppState) {
    let app = app.clone();
    let every = StdDuration::from_millis(app.config.report_sweep_ms.max(50));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = sweep(&app).await {
                tracing::warn!(error = ?e.public_message(), "report sweep failed; retrying at the next one");
            }
        }
    });
}

/// One sweep: returns how many reports were escalated and closed.
pub async fn sweep(app: &AppState) -> ApiResult<(usize, usize)> {
    let now = Utc::now();
    let overdue = report::Entity::find()
        .filter(overdue_condition(now))
        .filter(report::Column::EscalatedAt.is_null())
        .order_by_asc(report::Column::DueAt)
        .limit(BATCH)
        .all(&app.db.read)
        .await?;
    let mut escalated = 0;
    for r in overdue {
        let note = format!("overdue since {}", r.due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        if claim(app, &r, ReportEventKind::Escalated, note).await? {
            escalated += 1;
        }
    }
    let hours = i64::try_from(app.config.report_confirm_hours).unwrap_or(i64::MAX / 7200);
    let unconfirmed = report::Entity::find()
        .filter(report::Column::Status.eq(ReportStatus::Resolved))
        .filter(report::Column::ResolvedAt.lt(now - Duration::hours(hours)))
        .limit(BATCH)
        .all(&app.db.read)
        .await?;
    let mut closed = 0;
    for r in unconfirmed {
        if claim(app, &r, ReportEventKind::Closed, "closed: not confirmed or reopened in time".into()).await? {
            closed += 1;
        }
    }
    Ok((escalated, closed))
}

/// Escalate or close one report if no one (no other replica) did it first.
async fn claim(app: &AppState, r: &report::Model, kind: ReportEventKind, note: String) -> ApiResult<bool> {
    let system = Principal::system();
    let mut uow = UnitOfWork::begin(&app.db, &system).await?;
    let txn = uow.txn();
    let now = Utc::now();
    let (update, verb, to) = match kind {
        ReportEventKind::Escalated => (
            report::Entity::update_many()
                .col_expr(report::Column::EscalatedAt, sea_orm::sea_query::Expr::val(now))
                .filter(report::Column::Id.eq(r.id))
                .filter(report::Column::EscalatedAt.is_null()),
            Verbs::ReportAutoEscalate,
            None,
        ),
        _ => (
            report::Entity::update_many()
                .col_expr(report::Column::Status, sea_orm::sea_query::Expr::val(ReportStatus::Closed))
                .col_expr(report::Column::ClosedAt, sea_orm::sea_query::Expr::val(now))
                .filter(report::Column::Id.eq(r.id))
                .filter(report::Column::Status.eq(ReportStatus::Resolved)),
            Verbs::ReportAutoClose,
            Some(ReportStatus::Closed),
        ),
    };
    if update.exec(txn).await?.rows_affected != 1 {
        return Ok(false);
    }
    report_event::ActiveModel {
        id: NotSet,
        report_id: Set(r.id),
        kind: Set(kind),
        from_status: Set(Some(r.status)),
        to_status: Set(to),
        account_id: Set(None),
        role: Set(None),
        organisation_id: Set(None),
        note: Set(Some(note)),
        at: Set(now),
    }
    .insert(txn)
    .await?;
    let after = report::Entity::find_by_id(r.id).one(txn).await?.unwrap_or_else(|| r.clone());
    if let Some(h) = super::service::hook(Some(r), &after) {
        uow.emit(h);
    }
    uow.commit(Audit::of::<Report>(verb, r.id).community(r.community_id))
        .await?
        .publish(&app.events, event(&after, kind))
        .await;
    Ok(true)
}
