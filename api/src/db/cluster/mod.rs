//! Several PostgreSQL servers behind one API: a primary (which may move on
//! failover) and streaming standbys to read from.
//!
//! **Read-your-writes.** After a principal's mutation commits, the HTTP and
//! WebSocket layers call [`Cluster::record`]: the primary's WAL insert
//! position, taken after the commit returned and so at or past its commit
//! record, is kept per principal in `read_positions` on the primary, where
//! every API process sees it. A later query of that principal (any
//! process, any transport) asks [`Cluster::route`] where to read: a standby
//! whose replayed position (`pg_last_wal_replay_lsn()`, checked by the
//! monitor) is at or past it, else the primary, or after waiting up to
//! `GONGZHI_REPLICA_WAIT_MS` for one to catch up. GitLab's database load
//! balancer does the same with Redis; the primary is our shared store, so
//! the price is one primary-key lookup per authenticated query, which the
//! benchmark measures. Other principals keep reading standbys. A client
//! that wrote through another account passes the position a mutation
//! returned (`extensions.consistency`) back in the `Gongzhi-Consistency`
//! header or `extensions.consistency`.
//!
//! `read_positions` is UNLOGGED: a position costs no WAL, no replication
//! traffic and no synchronous-commit wait, and it is emptied by a crash or
//! a promotion. After a failover every standby must first replay past the
//! new primary's position at the switch (`floor`), which covers every
//! write the old primary acknowledged that the new one holds.
//!
//! **Health.** The monitor (`monitor.rs`) checks the primary and each
//! standby every `GONGZHI_DB_CHECK_MS`; a standby that fails a check, or a
//! statement on it that fails for a reason other than the statement itself,
//! is out at once and back after its next good check. A read whose
//! statement died with its standby is run again on the primary.

mod hosts;
mod monitor;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, RuntimeErr, Statement};

use super::{Lanes, Reads};

pub use hosts::split as split_hosts;

/// How a principal is known in `read_positions`: by account (whichever
/// membership it acts in) or API client.
pub fn principal_key(p: Option<&crate::auth::Principal>) -> Option<String> {
    use crate::auth::principal::Actor;
    match p.map(|p| &p.actor) {
        Some(Actor::Account { account_id, .. }) => Some(format!("a{account_id}")),
        Some(Actor::Client { api_client_id }) => Some(format!("c{api_client_id}")),
        _ => None,
    }
}

/// A WAL position as PostgreSQL writes it (`16/B374D848`): the consistency
/// token of mutations.
pub fn lsn_text(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

/// The position of a consistency token, if it is one.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.trim().split_once('/')?;
    let hi = u64::from_str_radix(hi, 16).ok().filter(|h| *h <= 0xFFFF_FFFF)?;
    let lo = u64::from_str_radix(lo, 16).ok().filter(|l| *l <= 0xFFFF_FFFF)?;
    Some(hi << 32 | lo)
}

/// Of several hosts, the first that accepts writes now (the first if none
/// answers: the monitor keeps looking).
pub async fn writable_host(urls: &[String], budget: Duration) -> usize {
    for (i, url) in urls.iter().enumerate() {
        let Ok(options) = url.parse::<PgConnectOptions>() else { continue };
        let mut conn = None;
        if let Ok(Some(_)) = monitor::ask(&mut conn, &options, monitor::PRIMARY_SQL, budget).await {
            if let Some(c) = conn {
                let _ = sea_orm::sqlx::Connection::close(c).await;
            }
            return i;
        }
    }
    0
}

/// The primary: where it is now, and the connections that follow it.
struct Primary {
    /// One URL per candidate host (`DATABASE_URL` may list several).
    urls: Vec<String>,
    current: AtomicUsize,
    /// The write pool (sea-orm's, sqlx inside): retargeted on failover.
    write: DatabaseConnection,
    /// Lanes to the primary: position lookups, and reads no standby can take.
    lanes: Lanes,
    up: AtomicBool,
    switches: AtomicU64,
}

/// One standby and what the monitor knows of it.
pub struct Replica {
    /// `host:port` (metrics and logs).
    pub label: String,
    options: PgConnectOptions,
    reads: Reads,
    up: AtomicBool,
    /// Replayed WAL position at the last check.
    replay: AtomicU64,
    lag_ms: AtomicU64,
    /// Statements it answered.
    served: AtomicU64,
    /// Reads that failed on it and ran again on the primary.
    retried: AtomicU64,
}

impl Replica {
    fn lost(&self, why: &dyn std::fmt::Display) {
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(replica = %self.label, error = %why, "standby lost; reading elsewhere until it answers again");
        }
    }
}

/// What `/metrics` shows of one standby.
pub struct ReplicaFigures {
    pub label: String,
    pub up: bool,
    pub lag_seconds: f64,
    pub statements: u64,
    pub retried: u64,
}

/// The primary and the standbys of one API process.
pub struct Cluster {
    primary: Primary,
    replicas: Vec<Arc<Replica>>,
    next: AtomicUsize,
    max_lag_ms: u64,
    wait: Duration,
    check: Duration,
    /// No standby is read below this position (raised at failover).
    floor: AtomicU64,
    /// The primary's WAL position at each check, oldest first: a standby's
    /// lag is the age of the oldest position it has not replayed.
    samples: Mutex<VecDeque<(Instant, u64)>>,
    /// Queries that read the primary although there are standbys.
    pub reads_on_primary: AtomicU64,
    /// Request routings and the time they took (nanoseconds): the cost the
    /// benchmark reports.
    pub routed: AtomicU64,
    pub routing_nanos: AtomicU64,
}

/// Labels and states only: connect options hold passwords.
impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let current = self.primary.urls.get(self.primary.current.load(Ordering::Relaxed));
        f.debug_struct("Cluster")
            .field("primary", &current.map(|u| hosts::label(u)))
            .field("replicas", &self.replicas.iter().map(|r| &r.label).collect::<Vec<_>>())
            .finish()
    }
}

/// Reads pinned to one standby for a request, falling back to the primary
/// for a statement the standby could not answer.
#[derive(Clone)]
pub struct OnReplica {
    replica: Arc<Replica>,
    primary: Lanes,
}

impl std::fmt::Debug for OnReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnReplica").field("replica", &self.replica.label).finish()
    }
}

impl OnReplica {
    /// Where the request's statements go first.
    pub fn first(&self) -> &Reads {
        &self.replica.reads
    }

    /// After a statement failed on the standby: the primary to run it on
    /// once more, if the standby failed rather than the statement
    /// (connection lost, standby shutting down, a query cancelled by a
    /// recovery conflict). A lost standby is out until its next good check.
    pub fn fallback(&self, e: &DbErr) -> Option<Reads> {
        if !standby_failed(e) {
            return None;
        }
        self.replica.retried.fetch_add(1, Ordering::Relaxed);
        if !is_recovery_conflict(e) {
            self.replica.lost(e);
        }
        Some(Reads::Lanes(self.primary.clone()))
    }

    /// The standby answered a statement.
    pub fn served(&self) {
        self.replica.served.fetch_add(1, Ordering::Relaxed);
    }
}

fn sqlx_error(e: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => Some(e),
        DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

fn is_recovery_conflict(e: &DbErr) -> bool {
    sqlx_error(e).and_then(|e| e.as_database_error()).and_then(|d| d.code()).is_some_and(|c| c == "40001")
}

/// Did the server fail, rather than the statement?
fn standby_failed(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        _ => match sqlx_error(e) {
            Some(sea_orm::sqlx::Error::Database(d)) => {
                // 40001 recovery conflict, 57P01..57P03 shutting down, 08 connection.
                d.code().is_some_and(|c| c == "40001" || c.starts_with("57P") || c.starts_with("08"))
            }
            Some(_) => true,
            None => false,
        },
    }
}

impl Cluster {
    /// The cluster of `config` around the primary's write pool and lanes;
    /// its monitor runs until the cluster is dropped.
    pub(super) async fn start(
        config: &crate::config::Config,
        write: DatabaseConnection,
        lanes: Lanes,
        urls: Vec<String>,
        current: usize,
        replica_lanes: impl Fn(PgConnectOptions) -> Result<Lanes, DbErr>,
    ) -> Result<Arc<Self>, DbErr> {
        let mut replicas = Vec::new();
        for url in config.replication.database_replica_url.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            let options: PgConnectOptions =
                url.parse().map_err(|e: sea_orm::sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
            replicas.push(Arc::new(Replica {
                label: hosts::label(url),
                reads: Reads::Lanes(replica_lanes(options.clone())?),
                options,
                // Out until its first check shows it is a standby.
                up: AtomicBool::new(false),
                replay: AtomicU64::new(0),
                lag_ms: AtomicU64::new(0),
                served: AtomicU64::new(0),
                retried: AtomicU64::new(0),
            }));
        }
        let cluster = Arc::new(Self {
            primary: Primary {
                urls,
                current: AtomicUsize::new(current),
                write,
                lanes,
                up: AtomicBool::new(true),
                switches: AtomicU64::new(0),
            },
            replicas,
            next: AtomicUsize::new(0),
            max_lag_ms: config.replication.replica_max_lag_ms,
            wait: Duration::from_millis(config.replication.replica_wait_ms),
            check: Duration::from_millis(config.replication.db_check_ms.max(50)),
            floor: AtomicU64::new(0),
            samples: Mutex::default(),
            reads_on_primary: AtomicU64::new(0),
            routed: AtomicU64::new(0),
            routing_nanos: AtomicU64::new(0),
        });
        // The first check before the first request, so that standbys that
        // are there are used from the start.
        monitor::check_once(&cluster, &mut monitor::Connections::default()).await;
        tokio::spawn(monitor::run(Arc::downgrade(&cluster)));
        Ok(cluster)
    }

    pub fn has_replicas(&self) -> bool {
        !self.replicas.is_empty()
    }

    /// Where the primary is now (for connections of their own: live
    /// events' listener and publisher).
    pub fn primary_options(&self) -> Option<PgConnectOptions> {
        let url = self.primary.urls.get(self.primary.current.load(Ordering::Relaxed))?;
        url.parse().ok()
    }

    /// Did the primary answer its last check?
    pub fn primary_up(&self) -> bool {
        self.primary.up.load(Ordering::Relaxed)
    }

    /// Failovers this process followed.
    pub fn switches(&self) -> u64 {
        self.primary.switches.load(Ordering::Relaxed)
    }

    fn on_primary(&self) -> Reads {
        Reads::Lanes(self.primary.lanes.clone())
    }

    /// Where a query of the principal `key` (with an optional consistency
    /// `token` from the client) reads: a standby that has replayed both,
    /// else the primary.
    pub async fn route(&self, key: Option<&str>, token: Option<u64>) -> Reads {
        if self.replicas.is_empty() {
            return self.on_primary();
        }
        let started = Instant::now();
        let out = self.choose(key, token).await;
        self.routed.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.routing_nanos.fetch_add(nanos, Ordering::Relaxed);
        out
    }

    async fn choose(&self, key: Option<&str>, token: Option<u64>) -> Reads {
        let mut need = self.floor.load(Ordering::Relaxed).max(token.unwrap_or(0));
        // When the primary is away the lookup fails: a standby's data,
        // possibly behind this caller's last write, beats no answer (reads
        // stay up while the primary fails over).
        if let Some(key) = key
            && let Ok(p) = self.position(key).await
        {
            need = need.max(p.unwrap_or(0));
        }
        let deadline = Instant::now() + self.wait;
        loop {
            if let Some(r) = self.pick(need) {
                return Reads::Replica(OnReplica { replica: r, primary: self.primary.lanes.clone() });
            }
            if Instant::now() >= deadline {
                self.reads_on_primary.fetch_add(1, Ordering::Relaxed);
                return self.on_primary();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.refresh_replay().await;
        }
    }

    /// A standby that is up, not lagging too far, and at or past `need`;
    /// in turn, so reads spread over them.
    fn pick(&self, need: u64) -> Option<Arc<Replica>> {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|i| &self.replicas[(start + i) % n]).find(|r| self.usable(r, need)).cloned()
    }

    fn usable(&self, r: &Replica, need: u64) -> bool {
        r.up.load(Ordering::Relaxed)
            && r.lag_ms.load(Ordering::Relaxed) <= self.max_lag_ms
            && r.replay.load(Ordering::Relaxed) >= need
    }

    /// While a query waits for a standby: their replay positions now, not
    /// at the last check.
    async fn refresh_replay(&self) {
        for r in self.replicas.iter().filter(|r| r.up.load(Ordering::Relaxed)) {
            let sql = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint";
            let stmt = Statement::from_string(sea_orm::DbBackend::Postgres, sql);
            if let Ok(Some(row)) = r.reads.query_one_raw(stmt).await
                && let Ok(lsn) = row.try_get_by_index::<i64>(0)
            {
                r.replay.fetch_max(u64::try_from(lsn).unwrap_or(0), Ordering::Relaxed);
            }
        }
    }

    /// The principal's last recorded write position.
    async fn position(&self, key: &str) -> Result<Option<u64>, DbErr> {
        let stmt = Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT lsn FROM read_positions WHERE principal = $1",
            [key.into()],
        );
        let row = self.on_primary().query_one_raw(stmt).await?;
        Ok(row.and_then(|r| r.try_get_by_index::<i64>(0).ok()).and_then(|l| u64::try_from(l).ok()))
    }

    /// After a mutation committed: the primary's position now, kept for
    /// the principal `key` (if any) so that its next queries read at least
    /// this fresh. The consistency token of the mutation's answer.
    pub async fn record(&self, key: Option<&str>) -> Result<u64, DbErr> {
        let lsn = "(pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint";
        let stmt = match key {
            Some(key) => Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                format!(
                    "INSERT INTO read_positions (principal, lsn, at) VALUES ($1, {lsn}, now()) \
                     ON CONFLICT (principal) DO UPDATE SET lsn = GREATEST(read_positions.lsn, EXCLUDED.lsn), \
                     at = EXCLUDED.at RETURNING lsn"
                ),
                [key.into()],
            ),
            None => Statement::from_string(sea_orm::DbBackend::Postgres, format!("SELECT {lsn}")),
        };
        let row = self.on_primary().query_one_raw(stmt).await?;
        let lsn = row.and_then(|r| r.try_get_by_index::<i64>(0).ok()).unwrap_or(0);
        Ok(u64::try_from(lsn).unwrap_or(0))
    }

    /// Each standby's figures.
    pub fn figures(&self) -> Vec<ReplicaFigures> {
        self.replicas
            .iter()
            .map(|r| ReplicaFigures {
                label: r.label.clone(),
                up: r.up.load(Ordering::Relaxed),
                lag_seconds: r.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0,
                statements: r.served.load(Ordering::Relaxed),
                retried: r.retried.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The lag of a standby that has replayed `replay`: the age of the
    /// oldest primary position it has not reached.
    fn lag_of(&self, replay: u64) -> Duration {
        let Ok(samples) = self.samples.lock() else { return Duration::ZERO };
        samples.iter().find(|(_, lsn)| *lsn > replay).map_or(Duration::ZERO, |(at, _)| at.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_postgres_positions() {
        assert_eq!(lsn_text(0x16_B374_D848), "16/B374D848");
        assert_eq!(parse_lsn("16/B374D848"), Some(0x16_B374_D848));
        assert_eq!(parse_lsn(" 0/0 "), Some(0));
        for bad in ["", "16", "x/1", "1/", "100000000/0", "1/2/3"] {
            assert_eq!(parse_lsn(bad), None, "{bad}");
        }
    }
}
