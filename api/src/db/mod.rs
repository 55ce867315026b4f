//! Database connections for SQLite (embedded) and PostgreSQL (production).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

use crate::config::Config;

pub mod cluster;
mod reads;
pub use cluster::Cluster;
pub use reads::{Lanes, Reads};

/// The connections of one server process.
///
/// SQLite allows one writer at a time, and a deferred transaction that reads
/// and then writes fails with "database is locked" instead of waiting when
/// another connection wrote in between. So on SQLite every write transaction
/// goes through `write`, a pool of exactly one connection: concurrent
/// mutations queue for it instead of failing, while reads use the `read` pool
/// in parallel (WAL mode lets readers run beside the writer). On PostgreSQL
/// `write` is sea-orm's pool and queries read on lanes of their own
/// ([`Reads`]).
#[derive(Clone, Debug)]
pub struct Db {
    /// Where queries read ([`Reads`]): PostgreSQL lanes, or SQLite's read
    /// pool.
    pub read: Reads,
    pub write: DatabaseConnection,
    /// SQL statements executed so far by this process (both pools). Used by
    /// tests to show that nested queries cost a bounded number of statements.
    pub statements: Arc<AtomicU64>,
    /// Standbys to read from and a primary that may move (PostgreSQL with
    /// `DATABASE_REPLICA_URL` or several hosts in `DATABASE_URL`); `read`
    /// is then the primary's lanes, and each request reads where
    /// [`Self::routed`] says.
    pub cluster: Option<Arc<Cluster>>,
    /// Woken when a write committed webhook events (the outbox workers of
    /// this process wait on it; other processes hear a NOTIFY).
    pub outbox_wake: Arc<tokio::sync::Notify>,
}

impl Db {
    pub async fn connect(config: &Config) -> Result<Self, DbErr> {
        let statements = Arc::new(AtomicU64::new(0));
        let count = |mut conn: DatabaseConnection| {
            let counter = statements.clone();
            conn.set_metric_callback(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            });
            conn
        };
        if config.is_sqlite() {
            let read = Database::connect(sqlite_options(&config.database_url, config.db_max_connections)).await?;
            let write = Database::connect(sqlite_options(&config.database_url, 1)).await?;
            Ok(Self {
                read: Reads::Pool(count(read)),
                write: count(write),
                statements,
                cluster: None,
                outbox_wake: Arc::default(),
            })
        } else {
            // Fail fast when the database is away: a request waits at most
            // this long for a connection, then answers UNAVAILABLE (503),
            // instead of hanging past every client's timeout.
            let acquire = Duration::from_secs(config.db_acquire_timeout_secs.max(1));
            // sqlx pings a connection on every checkout by default: a round
            // trip per statement on top of the statement's own. Only
            // connections that sat idle are tested (see the setting's
            // documentation for what that trades).
            let ping_after_idle =
                (config.db_ping_after_idle_secs > 0).then(|| Duration::from_secs(config.db_ping_after_idle_secs));
            // `DATABASE_URL` may list several hosts: start on the one that
            // accepts writes (see `cluster::monitor` for what follows).
            let urls = cluster::split_hosts(&config.database_url);
            let current = if urls.len() > 1 { cluster::writable_host(&urls, acquire).await } else { 0 };
            let url = urls.get(current).cloned().unwrap_or_else(|| config.database_url.clone());
            let mut opts = ConnectOptions::new(url.clone());
            opts.max_connections(config.db_max_connections)
                .acquire_timeout(acquire)
                .connect_timeout(acquire)
                .sqlx_logging(false);
            if let Some(idle) = ping_after_idle {
                opts.test_before_acquire_if_idle_for(idle);
            }
            let conn = count(Database::connect(opts).await?);
            // Queries read the primary's lanes, or where the cluster routes
            // them; mutations (and every read inside one) use `primary()`,
            // chosen per request by the HTTP layer.
            let lanes =
                |url: &str| Lanes::new(url, config.db_max_connections, acquire, ping_after_idle, statements.clone());
            let read = lanes(&url)?;
            let replicas = config.replication.database_replica_url.iter().any(|u| !u.trim().is_empty());
            let cluster = if replicas || urls.len() > 1 {
                let replica_lanes =
                    |o| Lanes::with_options(o, config.db_max_connections, acquire, ping_after_idle, statements.clone());
                Some(Cluster::start(config, conn.clone(), read.clone(), urls, current, replica_lanes).await?)
            } else {
                None
            };
            Ok(Self { read: Reads::Lanes(read), write: conn, statements, cluster, outbox_wake: Arc::default() })
        }
    }

    /// The same connections with reads on the primary too: what a mutation
    /// uses, so that it reads its own writes and never a lagging replica.
    pub fn primary(&self) -> Self {
        Self {
            read: self.write_reads(),
            write: self.write.clone(),
            statements: self.statements.clone(),
            cluster: self.cluster.clone(),
            outbox_wake: self.outbox_wake.clone(),
        }
    }

    /// The same connections with reads where a query of the principal
    /// `key` should read (see [`Cluster::route`]); `token`: a consistency
    /// token the client sent.
    pub async fn routed(&self, key: Option<&str>, token: Option<u64>) -> Self {
        match &self.cluster {
            Some(c) if c.has_replicas() => Self { read: c.route(key, token).await, ..self.clone() },
            _ => self.clone(),
        }
    }

    /// Are there standbys to read from?
    pub fn has_replicas(&self) -> bool {
        self.cluster.as_ref().is_some_and(|c| c.has_replicas())
    }

    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        migration::Migrator::up(&self.write, None).await
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    /// The primary's pool (writes, transactions) as a place to read.
    pub fn write_reads(&self) -> Reads {
        Reads::Pool(self.write.clone())
    }
}

fn sqlite_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections.max(1))
        .min_connections(1)
        // Writers queue on the single write connection; give them time.
        .acquire_timeout(Duration::from_secs(60))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    opts
}
