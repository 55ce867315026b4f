//! The login throttle: it counts failed password checks, never successful
//! ones, and it slows an address down instead of locking everyone behind
//! it.
//!
//! **Per username.** A password is checked only while the username's
//! failures in the window plus the checks in flight stay under
//! `login_max_failures` (5). A check takes a slot; a right password gives it
//! back, a wrong one turns it into a failure, and the fifth failure locks
//! the username for `login_lock_secs`. So a burst of wrong passwords checks
//! at most five (the others wait for a slot, then find the lock), while six
//! simultaneous logins with the right password all pass: the sixth waits
//! a moment for a slot instead of being refused. The row is read and
//! written in one critical section (`FOR UPDATE` on PostgreSQL; SQLite's
//! one write connection), so this holds across replicas. Slots of a
//! process that died mid-check are ignored after [`PENDING_TTL_SECS`].
//!
//! **Per address.** An address that failed for more than
//! `login_max_failures_per_address` (50) distinct usernames in the window
//! is spraying: its further checks wait [`SPRAY_DELAY`] each, one at a time
//! per process. Nothing is locked: a person behind the same NAT with the
//! right password gets in, a second later.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::{login_address_failure, login_throttle};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

/// A slot in flight older than this is taken to be from a process that
/// died mid-check (seconds; a check takes well under one).
pub const PENDING_TTL_SECS: i64 = 30;
/// Longest a check waits for a slot of its username before RATE_LIMITED.
const SLOT_WAIT: StdDuration = StdDuration::from_secs(5);
/// How long each check from a spraying address waits.
pub const SPRAY_DELAY: StdDuration = StdDuration::from_secs(1);

/// A password check allowed to run: report its outcome with
/// [`Check::passed`] or [`Check::failed`]. (Dropped without either, its
/// slot is freed after [`PENDING_TTL_SECS`].)
pub(crate) struct Check {
    username: String,
    address: Option<String>,
}

enum Slot {
    Taken,
    Busy,
    Locked(DateTime<Utc>),
}

/// Wait for a slot to check `username`'s password from `addr` (see the
/// module docs); RATE_LIMITED when the username is locked, or when no slot
/// frees up within a few seconds.
pub(crate) async fn begin(db: &Db, config: &Config, username: &str, addr: Option<IpAddr>) -> ApiResult<Check> {
    let address = addr.map(|ip| ip.to_string());
    if let Some(a) = &address
        && spraying(db, config, a).await?
    {
        // One check at a time per address and process, each after a delay.
        let gate = spray_gate(a);
        let _turn = gate.lock().await;
        tokio::time::sleep(SPRAY_DELAY).await;
    }
    let started = tokio::time::Instant::now();
    loop {
        match take_slot(db, config, username, Utc::now()).await? {
            Slot::Taken => return Ok(Check { username: username.to_owned(), address }),
            Slot::Locked(until) => return Err(locked(until)),
            Slot::Busy if started.elapsed() < SLOT_WAIT => tokio::time::sleep(StdDuration::from_millis(50)).await,
            Slot::Busy => return Err(ApiError::RateLimited(t!("auth.login_busy"), 1)),
        }
    }
}

/// Has the address failed for more distinct usernames than allowed in the
/// window?
async fn spraying(db: &Db, config: &Config, address: &str) -> ApiResult<bool> {
    let since = Utc::now() - Duration::seconds(config.login_lock_secs);
    let spread = login_address_failure::Entity::find()
        .filter(login_address_failure::Column::Address.eq(address))
        .filter(login_address_failure::Column::FailedAt.gt(since))
        .count(&db.write)
        .await?;
    Ok(spread > u64::try_from(config.login_max_failures_per_address).unwrap_or(0))
}

/// The per-process queue of a spraying address.
fn spray_gate(address: &str) -> Arc<tokio::sync::Mutex<()>> {
    static GATES: std::sync::OnceLock<crate::cache::Bounded<String, Arc<tokio::sync::Mutex<()>>>> =
        std::sync::OnceLock::new();
    // A gate forgotten while in use only lets a second queue form.
    let gates = GATES.get_or_init(|| crate::cache::Bounded::new(10_000));
    if let Some(g) = gates.get(address) {
        return g;
    }
    let g = Arc::new(tokio::sync::Mutex::new(()));
    gates.insert(address.to_owned(), g.clone());
    g
}

/// The username's row, locked for the rest of `txn` (created if missing).
async fn locked_row<C: ConnectionTrait>(
    txn: &C,
    username: &str,
    now: DateTime<Utc>,
) -> ApiResult<login_throttle::Model> {
    let fresh = login_throttle::ActiveModel {
        username: Set(username.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        pending: Set(0),
        pending_at: Set(None),
    };
    login_throttle::Entity::insert(fresh)
        .on_conflict(OnConflict::column(login_throttle::Column::Username).do_nothing().to_owned())
        .exec_without_returning(txn)
        .await?;
    login_throttle::Entity::find_by_id(username.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("login throttle row vanished"))
}

/// The row's failures in the current window, and its live slots.
fn counts(row: &login_throttle::Model, config: &Config, now: DateTime<Utc>) -> (i32, DateTime<Utc>, i32) {
    let window = Duration::seconds(config.login_lock_secs);
    let (failures, started) =
        if row.window_started_at + window > now { (row.failures, row.window_started_at) } else { (0, now) };
    let live = row.pending_at.is_some_and(|at| at + Duration::seconds(PENDING_TTL_SECS) > now);
    (failures, started, if live { row.pending.max(0) } else { 0 })
}

async fn take_slot(db: &Db, config: &Config, username: &str, now: DateTime<Utc>) -> ApiResult<Slot> {
    // Throttle bookkeeping, not a mutation of the API: a plain transaction,
    // no audit row (failed logins are logged as security events instead).
    let txn = db.write.begin().await?;
    let row = locked_row(&txn, username, now).await?;
    if let Some(until) = row.locked_until
        && until > now
    {
        txn.commit().await?;
        return Ok(Slot::Locked(until));
    }
    let (failures, started, pending) = counts(&row, config, now);
    if failures + pending >= config.login_max_failures {
        txn.commit().await?;
        return Ok(Slot::Busy);
    }
    login_throttle::ActiveModel {
        username: Set(username.to_owned()),
        failures: Set(failures),
        window_started_at: Set(started),
        locked_until: Set(None),
        pending: Set(pending + 1),
        pending_at: Set(Some(now)),
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(Slot::Taken)
}

impl Check {
    /// The password was right: the slot goes back. Earlier failures in the
    /// window stay counted: a user logging in in the middle of an attack on
    /// their name does not reset the attacker's count.
    pub(crate) async fn passed(self, db: &Db, config: &Config) -> ApiResult<()> {
        self.finish(db, config, false).await
    }

    /// The password was wrong: the slot becomes a failure (the fifth locks
    /// the username), and the address has failed for this username.
    pub(crate) async fn failed(self, db: &Db, config: &Config) -> ApiResult<()> {
        self.finish(db, config, true).await
    }

    async fn finish(self, db: &Db, config: &Config, failed: bool) -> ApiResult<()> {
        let now = Utc::now();
        let txn = db.write.begin().await?;
        let row = locked_row(&txn, &self.username, now).await?;
        let (failures, started, pending) = counts(&row, config, now);
        let failures = failures + i32::from(failed);
        let lock = (failed && failures >= config.login_max_failures)
            .then_some(now + Duration::seconds(config.login_lock_secs))
            .or(row.locked_until.filter(|u| *u > now));
        login_throttle::ActiveModel {
            username: Set(self.username.clone()),
            failures: Set(failures),
            window_started_at: Set(started),
            locked_until: Set(lock),
            pending: Set((pending - 1).max(0)),
            pending_at: Set(row.pending_at),
        }
        .update(&txn)
        .await?;
        if let (true, Some(address)) = (failed, &self.address) {
            login_address_failure::Entity::insert(login_address_failure::ActiveModel {
                address: Set(address.clone()),
                username: Set(self.username.clone()),
                failed_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([login_address_failure::Column::Address, login_address_failure::Column::Username])
                    .update_column(login_address_failure::Column::FailedAt)
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        if failed && lock.is_some() && row.locked_until.is_none_or(|u| u <= now) {
            tracing::warn!(username = %self.username, "login locked after repeated failures");
        }
        Ok(())
    }
}

pub(crate) fn locked(until: DateTime<Utc>) -> ApiError {
    let wait = std::cmp::max(u64::try_from((until - Utc::now()).num_seconds()).unwrap_or(0), 1);
    ApiError::RateLimited(t!("auth.locked_username", until = until.to_rfc3339()), wait)
}
