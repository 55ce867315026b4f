//! The cluster's monitor: every `GONGZHI_DB_CHECK_MS` it asks the primary
//! for its WAL position and each standby for its replayed position, each on
//! a connection of its own with half the period to answer (at least
//! 250 ms), so a standby that stops answering is out within one period and
//! one budget: 0.75 s with the defaults, inside the 2 s the operations
//! guide promises.
//!
//! When the primary does not answer, or answers as a standby, and
//! `DATABASE_URL` lists several hosts, the monitor looks for the one that
//! accepts writes now (a standby promoted by `pg_auto_failover` or by an
//! operator's `pg_ctl promote`) and moves the write pool and the primary's
//! lanes there. Writes in between fail at once (the old address refuses
//! connections): UNAVAILABLE with `Retry-After`, never a hang.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};

use super::{Cluster, Replica, hosts};

/// What the primary answers: its WAL position, or NULL if it is a standby
/// (not one to write to).
pub(super) const PRIMARY_SQL: &str =
    "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint END";
/// What a standby answers: its replayed position, or NULL if it is not a
/// standby (promoted, or a primary given by mistake: never read as one).
const STANDBY_SQL: &str = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint";

/// The monitor's own connections, kept between checks.
#[derive(Default)]
pub(super) struct Connections {
    primary: Option<PgConnection>,
    replicas: Vec<Option<PgConnection>>,
}

pub(super) async fn run(cluster: Weak<Cluster>) {
    let Some(period) = cluster.upgrade().map(|c| c.check) else { return };
    let mut conns = Connections::default();
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(c) = cluster.upgrade() else { return };
        check_once(&c, &mut conns).await;
    }
}

pub(super) async fn check_once(c: &Arc<Cluster>, conns: &mut Connections) {
    let budget = (c.check / 2).max(Duration::from_millis(250));
    check_primary(c, &mut conns.primary, budget).await;
    conns.replicas.resize_with(c.replicas.len(), || None);
    let checks = c.replicas.iter().zip(conns.replicas.iter_mut()).map(|(r, conn)| check_replica(c, r, conn, budget));
    join_all(checks).await;
}

/// Why a server did not answer a check.
pub(super) enum Failure {
    /// Not within the budget: busy, or gone without a word.
    Slow(Duration),
    /// Refused, reset, shutting down: certainly not serving.
    Down(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Slow(budget) => write!(f, "no answer within {} ms", budget.as_millis()),
            Self::Down(e) => f.write_str(e),
        }
    }
}

/// One statement's single number (or NULL) within `budget`, on `conn`
/// (opened if need be; dropped when anything fails).
pub(super) async fn ask(
    conn: &mut Option<PgConnection>,
    options: &PgConnectOptions,
    sql: &'static str,
    budget: Duration,
) -> Result<Option<i64>, Failure> {
    let asked = tokio::time::timeout(budget, async {
        if conn.is_none() {
            *conn = Some(PgConnection::connect_with(options).await?);
        }
        match conn.as_mut() {
            Some(c) => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(c).await,
            None => Err(sqlx::Error::PoolClosed),
        }
    })
    .await;
    match asked {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            *conn = None;
            Err(Failure::Down(e.to_string()))
        }
        Err(_) => {
            *conn = None;
            Err(Failure::Slow(budget))
        }
    }
}

async fn check_primary(c: &Cluster, conn: &mut Option<PgConnection>, budget: Duration) {
    let Some(options) = c.primary_options() else { return };
    let options = options.disable_statement_logging();
    match ask(conn, &options, PRIMARY_SQL, budget).await {
        Ok(Some(lsn)) => {
            if !c.primary.up.swap(true, Ordering::Relaxed) {
                tracing::info!("the primary answers again");
            }
            sample(c, lsn);
        }
        // Busy is not gone: writes keep going to it (and wait for a
        // connection as usual) while a failover is looked for.
        Err(Failure::Slow(_)) if c.primary.urls.len() > 1 => {
            *conn = None;
            find_primary(c, budget).await;
        }
        Err(Failure::Slow(_)) => *conn = None,
        answer => {
            *conn = None;
            if c.primary.up.swap(false, Ordering::Relaxed) {
                let why = answer.err().map_or_else(|| "it is in recovery (a standby)".to_owned(), |e| e.to_string());
                tracing::warn!(why, "the primary is not answering as a primary: writes answer UNAVAILABLE");
            }
            if c.primary.urls.len() > 1 {
                find_primary(c, budget).await;
            }
        }
    }
}

/// Keep the primary's position of this check; forget those too old to
/// matter (a standby behind all of them lags more than the limit anyway).
fn sample(c: &Cluster, lsn: i64) {
    let keep = Duration::from_millis(c.max_lag_ms) + 4 * c.check;
    if let Ok(mut samples) = c.samples.lock() {
        samples.push_back((Instant::now(), u64::try_from(lsn).unwrap_or(0)));
        while samples.len() > 10_000 || samples.front().is_some_and(|(at, _)| at.elapsed() > keep) {
            samples.pop_front();
        }
    }
}

/// Ask every listed host; move to the first that accepts writes.
async fn find_primary(c: &Cluster, budget: Duration) {
    for (i, url) in c.primary.urls.iter().enumerate() {
        let Ok(options) = url.parse::<PgConnectOptions>() else { continue };
        let options = options.disable_statement_logging();
        let mut probe = None;
        if let Ok(Some(lsn)) = ask(&mut probe, &options, PRIMARY_SQL, budget).await {
            if let Some(p) = probe {
                let _ = p.close().await;
            }
            if i != c.primary.current.load(Ordering::Relaxed) {
                switch(c, i, options, lsn).await;
            }
            c.primary.up.store(true, Ordering::Relaxed);
            return;
        }
    }
}

/// The primary is now host `i`: new write connections and lanes go there,
/// idle ones to the old host are closed, and no standby is read until it
/// has replayed the new primary's position at the switch.
async fn switch(c: &Cluster, i: usize, options: PgConnectOptions, lsn: i64) {
    c.primary.current.store(i, Ordering::Relaxed);
    let pool = c.primary.write.get_postgres_connection_pool();
    pool.set_connect_options(options.clone());
    for _ in 0..pool.num_idle() {
        match pool.try_acquire() {
            Some(conn) => {
                let _ = conn.close().await;
            }
            None => break,
        }
    }
    c.primary.lanes.retarget(options);
    c.floor.fetch_max(u64::try_from(lsn).unwrap_or(0), Ordering::Relaxed);
    if let Ok(mut samples) = c.samples.lock() {
        samples.clear();
    }
    c.primary.switches.fetch_add(1, Ordering::Relaxed);
    let to = c.primary.urls.get(i).map(|u| hosts::label(u)).unwrap_or_default();
    tracing::warn!(primary = %to, "the primary moved: writes go to the promoted server");
}

async fn check_replica(c: &Cluster, r: &Replica, conn: &mut Option<PgConnection>, budget: Duration) {
    let options = r.options.clone().disable_statement_logging();
    match ask(conn, &options, STANDBY_SQL, budget).await {
        Ok(Some(lsn)) => {
            let lsn = u64::try_from(lsn).unwrap_or(0);
            r.replay.store(lsn, Ordering::Relaxed);
            let lag = u64::try_from(c.lag_of(lsn).as_millis()).unwrap_or(u64::MAX);
            r.lag_ms.store(lag, Ordering::Relaxed);
            if !r.up.swap(true, Ordering::Relaxed) {
                tracing::info!(replica = %r.label, "standby answers: reading it again");
            }
        }
        Ok(None) => r.lost(&"it is not a standby (promoted?)"),
        Err(e) => r.lost(&e),
    }
}
