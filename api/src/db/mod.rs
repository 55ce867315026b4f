//! Database connections for SQLite (embedded) and PostgreSQL (production).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

use crate::config::Config;

mod reads;
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
    /// `read` is a PostgreSQL read replica (`DATABASE_REPLICA_URL`).
    pub has_replica: bool,
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
                has_replica: false,
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
            let mut opts = ConnectOptions::new(config.database_url.clone());
            opts.max_connections(config.db_max_connections)
                .acquire_timeout(acquire)
                .connect_timeout(acquire)
                .sqlx_logging(false);
            if let Some(idle) = ping_after_idle {
                opts.test_before_acquire_if_idle_for(idle);
            }
            let conn = count(Database::connect(opts).await?);
            // Queries read the replica if there is one; mutations (and
            // every read inside one) use `primary()`, chosen per request by
            // the HTTP layer.
            let reads_url = config.database_replica_url.as_deref().unwrap_or(&config.database_url);
            let read = Lanes::new(reads_url, config.db_max_connections, acquire, ping_after_idle, statements.clone())?;
            let has_replica = config.database_replica_url.is_some();
            Ok(Self { read: Reads::Lanes(read), write: conn, statements, has_replica, outbox_wake: Arc::default() })
        }
    }

    /// The same connections with reads on the primary too: what a mutation
    /// uses, so that it reads its own writes and never a lagging replica.
    pub fn primary(&self) -> Self {
        Self {
            read: self.write_reads(),
            write: self.write.clone(),
            statements: self.statements.clone(),
            has_replica: false,
            outbox_wake: self.outbox_wake.clone(),
        }
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
