//! The login throttle.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

/// One throttled key: a username, or `@` + a client address (usernames
/// cannot contain `@`, so the two never collide).
pub(crate) struct ThrottleKey<'a> {
    pub(crate) key: String,
    pub(crate) max: i32,
    pub(crate) what: &'a str,
}

/// Reserves one login attempt on `key` *before* the password is checked.
///
/// Every attempt counts as a failure until it succeeds (then [`release`]
/// gives the slot back), so however many requests race, at most `max`
/// password verifications run per key and window: the 6th concurrent wrong
/// password is refused without being checked, and a right password that
/// arrives while the key is locked is refused too. The read and write are
/// one critical section: the row is locked (`FOR UPDATE`) on PostgreSQL, and
/// on SQLite every write transaction runs on the one write connection.
pub(crate) async fn reserve(db: &Db, config: &Config, k: &ThrottleKey<'_>, now: DateTime<Utc>) -> ApiResult<()> {
    let window = Duration::seconds(config.login_lock_secs);
    // Throttle bookkeeping, not a mutation of the API: a plain transaction,
    // no audit row (failed logins are logged as security events instead).
    let txn = db.write.begin().await?;
    let fresh = login_throttle::ActiveModel {
        username: Set(k.key.clone()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    };
    login_throttle::Entity::insert(fresh)
        .on_conflict(OnConflict::column(login_throttle::Column::Username).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    let row = login_throttle::Entity::find_by_id(k.key.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("login throttle row vanished"))?;
    if let Some(until) = row.locked_until
        && until > now
    {
        txn.commit().await?;
        return Err(locked(k.what, until));
    }
    let (failures, started) =
        if row.window_started_at + window > now { (row.failures + 1, row.window_started_at) } else { (1, now) };
    let lock = (failures > k.max).then_some(now + window);
    login_throttle::ActiveModel {
        username: Set(k.key.clone()),
        failures: Set(failures),
        window_started_at: Set(started),
        locked_until: Set(lock),
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    match lock {
        Some(until) => {
            tracing::warn!(key = %k.what, "login locked after repeated failures");
            Err(locked(k.what, until))
        }
        None => Ok(()),
    }
}

pub(crate) fn locked(what: &str, until: DateTime<Utc>) -> ApiError {
    let wait = std::cmp::max(u64::try_from((until - Utc::now()).num_seconds()).unwrap_or(0), 1);
    let message = match what {
        "username" => t!("auth.locked_username", until = until.to_rfc3339()),
        _ => t!("auth.locked_address", until = until.to_rfc3339()),
    };
    ApiError::RateLimited(message, wait)
}

/// Gives back the slot a successful login reserved. Other failures in the
/// window stay counted: a user logging in in the middle of an attack on
/// their name does not reset the attacker's count.
pub(crate) async fn release<C: ConnectionTrait>(conn: &C, key: &str) -> ApiResult<()> {
    login_throttle::Entity::update_many()
        .col_expr(login_throttle::Column::Failures, Expr::col(login_throttle::Column::Failures).sub(1))
        .filter(login_throttle::Column::Username.eq(key))
        .filter(login_throttle::Column::Failures.gt(0))
        .exec(conn)
        .await?;
    Ok(())
}
