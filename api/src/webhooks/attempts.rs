//! Recording an attempt, and the retry schedule.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::enums::WebhookDeliveryState;
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set, TransactionTrait,
};

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

/// Record one attempt: its row, the delivery's new state and the
/// endpoint's streak, in one transaction.
pub(super) async fn record(
    app: &AppState,
    d: &Claimed,
    e: &webhook_endpoint::Model,
    sent: &Sent,
) -> ApiResult<Outcome> {
    let now = Utc::now();
    let attempts = d.attempts + 1;
    let schedule = &app.config.webhooks.retry_schedule;
    let outcome = match sent.status {
        Some(s) if (200..300).contains(&s) => Outcome::Delivered,
        Some(410) => Outcome::Gone,
        _ => match backoff(schedule, usize::try_from(attempts).unwrap_or(usize::MAX)) {
            Some(_) => Outcome::Retry,
            None => Outcome::Failed,
        },
    };
    let txn = app.db.write.begin().await?;
    webhook_attempt::ActiveModel {
        id: NotSet,
        delivery_id: Set(d.id),
        endpoint_id: Set(e.id),
        at: Set(now),
        status_code: Set(sent.status.map(i32::from)),
        latency_ms: Set(i32::try_from(sent.latency.as_millis()).unwrap_or(i32::MAX)),
        error_class: Set(sent.error_class.map(str::to_owned)),
        outcome: Set(outcome.wire().to_owned()),
    }
    .insert(&txn)
    .await?;
    let (state, next) = match outcome {
        Outcome::Delivered => (WebhookDeliveryState::Delivered, now),
        Outcome::Retry => {
            let wait = backoff(schedule, usize::try_from(attempts).unwrap_or(usize::MAX)).unwrap_or_default();
            (WebhookDeliveryState::Pending, now + wait)
        }
        Outcome::Gone | Outcome::Failed => (WebhookDeliveryState::Failed, now),
    };
    use webhook_delivery::Column as D;
    webhook_delivery::Entity::update_many()
        .col_expr(D::State, Expr::value(sea_orm::ActiveEnum::to_value(&state)))
        .col_expr(D::Attempts, Expr::value(attempts))
        .col_expr(D::NextAttemptAt, Expr::value(next))
        .col_expr(D::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(D::LastStatus, Expr::value(sent.status.map(i32::from)))
        .col_expr(D::LastError, Expr::value(sent.error_class.map(str::to_owned)))
        .col_expr(D::DeliveredAt, Expr::value((outcome == Outcome::Delivered).then_some(now)))
        .filter(D::Id.eq(d.id))
        .exec(&txn)
        .await?;
    use webhook_endpoint::Column as E;
    match outcome {
        Outcome::Delivered => {
            webhook_endpoint::Entity::update_many()
                .col_expr(E::FailureStreak, Expr::value(0))
                .col_expr(E::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(E::Id.eq(e.id))
                .filter(E::FailureStreak.ne(0))
                .exec(&txn)
                .await?;
        }
        Outcome::Gone => service::disable(&txn, e.id, "gone", now).await?,
        Outcome::Retry | Outcome::Failed => {
            webhook_endpoint::Entity::update_many()
                .col_expr(E::FailureStreak, sea_orm::sea_query::ExprTrait::add(Expr::col(E::FailureStreak), 1))
                .col_expr(
                    E::FailingSince,
                    Expr::from(sea_orm::sea_query::Func::coalesce([Expr::col(E::FailingSince), Expr::value(now)])),
                )
                .filter(E::Id.eq(e.id))
                .exec(&txn)
                .await?;
            let since = e.failing_since.unwrap_or(now);
            if now - since > window(schedule) {
                service::disable(&txn, e.id, "failing", now).await?;
            }
        }
    }
    txn.commit().await?;
    app.counters.webhook_outcome(outcome);
    Ok(outcome)
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
