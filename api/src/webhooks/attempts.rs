//! Recording an attempt, and the retry schedule.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::enums::WebhookDeliveryState;
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set, TransactionTrait};

use super::service;
use super::worker::{Claimed, Outcome, Sent};
use crate::error::ApiResult;
use crate::state::AppState;

/// The wait before retry number `attempt` (1 = the first retry), with
/// ±20 % jitter; `None` once the schedule is spent.
pub fn backoff(schedule: &[StdDuration], attempt: usize) -> Option<Duration> {
    let base = schedule.get(attempt.checked_sub(1)?)?.as_millis() as f64;
    let jitter = rand::rng().random_range(0.8..1.2);
    Some(Duration::milliseconds((base * jitter) as i64))
}

/// The retry window: the whole schedule.
pub fn window(schedule: &[StdDuration]) -> Duration {
    Duration::from_std(schedule.iter().sum::<StdDuration>()).unwrap_or(Duration::MAX)
}

/// One finished attempt, waiting to be recorded.
pub(super) struct Done {
    pub d: Claimed,
    pub e: webhook_endpoint::Model,
    pub sent: Sent,
}

/// What an attempt comes to.
fn outcome_of(schedule: &[StdDuration], x: &Done) -> Outcome {
    match x.sent.status {
        Some(s) if (200..300).contains(&s) => Outcome::Delivered,
        Some(410) => Outcome::Gone,
        _ => match backoff(schedule, usize::try_from(x.d.attempts + 1).unwrap_or(usize::MAX)) {
            Some(_) => Outcome::Retry,
            None => Outcome::Failed,
        },
    }
}

/// Record finished attempts, all in one transaction: their rows, their
/// deliveries' new states and their endpoints' streaks. Deliveries answered
/// 2xx (nearly all) are updated a status code at a time; the rest one by
/// one. Either every attempt of the batch is recorded or none is (then
/// their leases expire and they are sent again).
pub(super) async fn record(app: &AppState, done: &[Done]) -> ApiResult<()> {
    if done.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let schedule = &app.config.webhooks.retry_schedule;
    let outcomes: Vec<Outcome> = done.iter().map(|x| outcome_of(schedule, x)).collect();
    let txn = app.db.write.begin().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The record need not wait for the WAL flush: lost in a crash, the
        // deliveries are still PENDING under expiring leases and are sent
        // again (at least once; the `webhook-id` lets receivers dedup).
        txn.execute_unprepared("SET LOCAL synchronous_commit = off").await?;
    }
    let rows: Vec<webhook_attempt::ActiveModel> = done
        .iter()
        .zip(&outcomes)
        .map(|(x, o)| webhook_attempt::ActiveModel {
            id: NotSet,
            delivery_id: Set(x.d.id),
            endpoint_id: Set(x.e.id),
            at: Set(now),
            status_code: Set(x.sent.status.map(i32::from)),
            latency_ms: Set(i32::try_from(x.sent.latency.as_millis()).unwrap_or(i32::MAX)),
            error_class: Set(x.sent.error_class.map(str::to_owned)),
            outcome: Set(o.wire().to_owned()),
        })
        .collect();
    // 8 parameters a row: 500 rows stay under both engines' limits.
    for chunk in rows.chunks(500) {
        webhook_attempt::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    use webhook_delivery::Column as D;
    use webhook_endpoint::Column as E;
    let mut delivered: BTreeMap<Option<i32>, Vec<i32>> = BTreeMap::new();
    let mut good_endpoints = BTreeSet::new();
    for (x, o) in done.iter().zip(&outcomes) {
        if *o == Outcome::Delivered {
            delivered.entry(x.sent.status.map(i32::from)).or_default().push(x.d.id);
            good_endpoints.insert(x.e.id);
        }
    }
    for (status, ids) in delivered {
        webhook_delivery::Entity::update_many()
            .col_expr(D::State, Expr::value(sea_orm::ActiveEnum::to_value(&WebhookDeliveryState::Delivered)))
            .col_expr(D::Attempts, sea_orm::sea_query::ExprTrait::add(Expr::col(D::Attempts), 1))
            .col_expr(D::NextAttemptAt, Expr::value(now))
            .col_expr(D::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(D::LastStatus, Expr::value(status))
            .col_expr(D::LastError, Expr::value(Option::<String>::None))
            .col_expr(D::DeliveredAt, Expr::value(now))
            .filter(D::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    if !good_endpoints.is_empty() {
        webhook_endpoint::Entity::update_many()
            .col_expr(E::FailureStreak, Expr::value(0))
            .col_expr(E::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(E::Id.is_in(good_endpoints))
            .filter(E::FailureStreak.ne(0))
            .exec(&txn)
            .await?;
    }
    for (x, o) in done.iter().zip(&outcomes).filter(|(_, o)| **o != Outcome::Delivered) {
        failed(&txn, schedule, x, *o, now).await?;
    }
    txn.commit().await?;
    for o in outcomes {
        app.counters.webhook_outcome(o);
    }
    Ok(())
}

/// A failed attempt: the delivery waits for its retry or fails; the
/// endpoint's streak grows, or it is disabled (410, or failing too long).
async fn failed<C: ConnectionTrait>(
    txn: &C,
    schedule: &[StdDuration],
    x: &Done,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let attempts = x.d.attempts + 1;
    let (state, next) = match outcome {
        Outcome::Retry => {
            let wait = backoff(schedule, usize::try_from(attempts).unwrap_or(usize::MAX)).unwrap_or_default();
            (WebhookDeliveryState::Pending, now + wait)
        }
        _ => (WebhookDeliveryState::Failed, now),
    };
    use webhook_delivery::Column as D;
    webhook_delivery::Entity::update_many()
        .col_expr(D::State, Expr::value(sea_orm::ActiveEnum::to_value(&state)))
        .col_expr(D::Attempts, Expr::value(attempts))
        .col_expr(D::NextAttemptAt, Expr::value(next))
        .col_expr(D::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::LastStatus, Expr::value(x.sent.status.map(i32::from)))
        .col_expr(D::LastError, Expr::value(x.sent.error_class.map(str::to_owned)))
        .filter(D::Id.eq(x.d.id))
        .exec(txn)
        .await?;
    if outcome == Outcome::Gone {
        return service::disable(txn, x.e.id, "gone", now).await;
    }
    use webhook_endpoint::Column as E;
    webhook_endpoint::Entity::update_many()
        .col_expr(E::FailureStreak, sea_orm::sea_query::ExprTrait::add(Expr::col(E::FailureStreak), 1))
        .col_expr(
            E::FailingSince,
            Expr::from(sea_orm::sea_query::Func::coalesce([Expr::col(E::FailingSince), Expr::value(now)])),
        )
        .filter(E::Id.eq(x.e.id))
        .exec(txn)
        .await?;
    if now - x.e.failing_since.unwrap_or(now) > window(schedule) {
        service::disable(txn, x.e.id, "failing", now).await?;
    }
    Ok(())
}

/// The failure streaks of failing endpoints, for the metrics.
pub async fn streaks<C: ConnectionTrait>(conn: &C) -> ApiResult<Vec<(i32, i32)>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(i32, i32)> = webhook_endpoint::Entity::find()
        .select_only()
        .columns([webhook_endpoint::Column::Id, webhook_endpoint::Column::FailureStreak])
        .filter(webhook_endpoint::Column::FailureStreak.gt(0))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows)
}
