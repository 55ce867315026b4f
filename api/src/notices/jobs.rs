//! Follow-up of emergency alerts, run inside every server process: a
//! household that neither answered nor was visited within the alert's
//! follow-up time is flagged to its building head, once.
//!
//! One set-based statement per open alert (`INSERT INTO alert_flags ...
//! SELECT ... ON CONFLICT DO NOTHING RETURNING ...`): the unique key
//! (alert, household) makes a flag fire exactly once even with several
//! replicas sweeping, and only the rows this process inserted are announced
//! on the heads' live queue (`alertFollowUps`).

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::enums::{NoticeCategory, NoticeStatus};
use entity::{alert_flag, membership, notice};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::graphql::Notice;
use super::service::targeted;
use super::{NoticeEventKind, Verbs};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

pub fn spawn(app: &AppState) {
    let app = app.clone();
    let every = StdDuration::from_millis(Ord::max(app.config.alert_sweep_ms, 50));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = sweep(&app).await {
                tracing::warn!(error = ?e.public_message(), "alert follow-up sweep failed; retrying at the next one");
            }
        }
    });
}

/// One sweep over the open alerts; returns how many households were flagged.
pub async fn sweep(app: &AppState) -> ApiResult<usize> {
    let now = Utc::now();
    let open = notice::Entity::find()
        .filter(notice::Column::Category.eq(NoticeCategory::Emergency))
        .filter(notice::Column::Status.eq(NoticeStatus::Published))
        .all(&app.db.read)
        .await?;
    let mut flagged = 0;
    for n in open {
        let due = n.created_at + Duration::seconds(i64::from(n.follow_up_secs.unwrap_or(1800)));
        if due <= now {
            flagged += flag(app, &n).await?;
        }
    }
    Ok(flagged)
}

async fn flag(app: &AppState, n: &notice::Model) -> ApiResult<usize> {
    let system = Principal::system();
    let uow = UnitOfWork::begin(&app.db, &system).await?;
    let txn = uow.txn();
    let (m, r, v, f) = (Alias::new("m"), Alias::new("r"), Alias::new("v"), Alias::new("f"));
    let target = targeted(txn, n.id).await?;
    let mut select = Query::select();
    select
        .expr(Expr::val(n.id))
        .expr(Expr::col((m.clone(), membership::Column::AccountId)))
        .expr(Expr::col((m.clone(), membership::Column::BuildingId)))
        .expr(Expr::val(Utc::now()))
        .from_as(membership::Entity, m.clone())
        .cond_where(Condition::all().add(Expr::col((m.clone(), membership::Column::Id)).in_subquery(
            Query::select().column(membership::Column::Id).from(membership::Entity).cond_where(target).to_owned(),
        )))
        .and_where(
            Expr::col((m.clone(), membership::Column::AccountId)).not_in_subquery(
                Query::select()
                    .column(entity::alert_response::Column::AccountId)
                    .from_as(entity::alert_response::Entity, r.clone())
                    .and_where(Expr::col((r, entity::alert_response::Column::NoticeId)).eq(n.id))
                    .to_owned(),
            ),
        )
        .and_where(
            Expr::col((m.clone(), membership::Column::AccountId)).not_in_subquery(
                Query::select()
                    .column(entity::alert_visit::Column::AccountId)
                    .from_as(entity::alert_visit::Entity, v.clone())
                    .and_where(Expr::col((v, entity::alert_visit::Column::NoticeId)).eq(n.id))
                    .to_owned(),
            ),
        )
        .and_where(
            Expr::col((m, membership::Column::AccountId)).not_in_subquery(
                Query::select()
                    .column(alert_flag::Column::AccountId)
                    .from_as(alert_flag::Entity, f.clone())
                    .and_where(Expr::col((f, alert_flag::Column::NoticeId)).eq(n.id))
                    .to_owned(),
            ),
        );
    let insert = Query::insert()
        .into_table(alert_flag::Entity)
        .columns([
            alert_flag::Column::NoticeId,
            alert_flag::Column::AccountId,
            alert_flag::Column::BuildingId,
            alert_flag::Column::FlaggedAt,
        ])
        .select_from(select)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .on_conflict(
            OnConflict::columns([alert_flag::Column::NoticeId, alert_flag::Column::AccountId]).do_nothing().to_owned(),
        )
        .returning(Query::returning().columns([alert_flag::Column::AccountId, alert_flag::Column::BuildingId]))
        .to_owned();
    let rows = txn.query_all(&insert).await?;
    let mut new_flags = Vec::new();
    for row in rows {
        let account: i32 = row.try_get("", "account_id")?;
        let building: Option<i32> = row.try_get("", "building_id")?;
        new_flags.push((account, building));
    }
    if new_flags.is_empty() {
        return Ok(0);
    }
    let committed = uow
        .commit(
            // About the one alert: its entry is as private as the alert.
            Audit::of::<Notice>(Verbs::AlertFlag, n.id).details(json!({ "households": new_flags.len() })),
        )
        .await?;
    let count = new_flags.len();
    // One event for the batch: each head's subscription picks its building's lines.
    committed
        .publish(
            &app.events,
            Event::new::<Notice>(
                n.id,
                None,
                NoticeEventKind::Flagged,
                json!({ "flags": new_flags.iter().map(|(a, b)| json!({ "accountId": a, "buildingId": b })).collect::<Vec<_>>() }),
            ),
        )
        .await;
    Ok(count)
}
