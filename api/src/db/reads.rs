//! Where queries read: [`Reads`], a sea-orm connection of its own kind.
//!
//! On PostgreSQL a query's statements run on "lanes": connections of a
//! [`deadpool`] pool, each a plain sqlx `PgConnection`. sqlx's own pool
//! tests every connection it takes back with a round trip (a `Sync`
//! message, unconditionally: sqlx cannot tell a connection whose statement
//! completed from one dropped halfway through a result). That is a second
//! round trip, a spawned task and a wake-up of the database backend for
//! every statement; removing it measured +15% on the single-object lookup
//! and +6% on the dashboard. A lane knows: it is marked dirty while a
//! statement runs and clean once the statement's result has been read, so
//! only a lane whose statement was abandoned (the request went away
//! mid-read) or failed on the wire is tested before its next use; a lane
//! idle for `GONGZHI_DB_PING_AFTER_IDLE_SECS` is tested too, as the pool's
//! connections are. A lane whose test fails is closed and replaced, so a
//! connection the database dropped costs no request an error. (sqlx also
//! reads whatever replies are still owed before it sends a statement, so
//! a half-read result can never be taken for the next one's.)
//!
//! Writes and everything inside a mutation keep sea-orm's pool
//! ([`Reads::Pool`]): transactions need it, and a mutation's statements are
//! one checkout (its transaction) anyway. SQLite reads use their pool too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;

/// A statement on a request's standby, once more on the primary if the
/// standby failed rather than the statement (see
/// [`super::cluster::OnReplica::fallback`]).
macro_rules! on_replica {
    ($r:expr, $reads:ident => $run:expr) => {{
        let out = {
            let $reads = $r.first();
            $run.await
        };
        match out {
            Err(e) => match $r.fallback(&e) {
                Some($reads) => $run.await,
                None => Err(e),
            },
            ok => {
                $r.served();
                ok
            }
        }
    }};
}

/// A connection for reading: sea-orm's pool, or PostgreSQL lanes.
#[derive(Clone, Debug)]
pub enum Reads {
    /// SQLite's read pool, or the primary's pool inside a mutation.
    Pool(DatabaseConnection),
    /// PostgreSQL connections without a test on every return.
    Lanes(Lanes),
    /// A standby's lanes for one request, the primary's behind them
    /// ([`super::cluster`]).
    Replica(super::cluster::OnReplica),
}

impl Default for Reads {
    /// Disconnected (what unit tests of statement builders hold).
    fn default() -> Self {
        Self::Pool(DatabaseConnection::default())
    }
}

impl Reads {
    pub fn get_database_backend(&self) -> DbBackend {
        match self {
            Self::Pool(c) => c.get_database_backend(),
            Self::Lanes(_) | Self::Replica(_) => DbBackend::Postgres,
        }
    }

    /// Close the connections (a database to be copied as a template must
    /// have none).
    pub async fn close(self) -> Result<(), DbErr> {
        match self {
            Self::Pool(c) => c.close().await,
            Self::Lanes(l) => {
                l.close().await;
                Ok(())
            }
            // The standby's lanes belong to the cluster.
            Self::Replica(_) => Ok(()),
        }
    }

    /// Is the database there? (A round trip on a lane, or the pool's ping.)
    pub async fn ping(&self) -> Result<(), DbErr> {
        match self {
            Self::Pool(c) => c.ping().await,
            Self::Lanes(l) => l.run(async |c| c.ping().await, DbErr::Conn).await,
            Self::Replica(r) => on_replica!(r, reads => Box::pin(reads.ping())),
        }
    }
}

/// One lane: a connection, and whether its last statement was read to the
/// end.
struct Lane {
    conn: PgConnection,
    clean: bool,
}

struct Manager {
    /// Where new lanes connect: the primary's address changes on failover
    /// ([`Lanes::retarget`]).
    options: std::sync::RwLock<PgConnectOptions>,
    ping_after_idle: Option<Duration>,
}

impl managed::Manager for Manager {
    type Type = Lane;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Lane, sqlx::Error> {
        let options = self.options.read().map(|o| o.clone()).map_err(|_| sqlx::Error::PoolClosed)?;
        Ok(Lane { conn: PgConnection::connect_with(&options).await?, clean: true })
    }

    async fn recycle(&self, lane: &mut Lane, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        let idle = self.ping_after_idle.is_some_and(|after| metrics.last_used() >= after);
        if !lane.clean || idle {
            // A ping waits for every reply still owed: it drains a result
            // left half-read, or shows the connection is gone.
            lane.conn.ping().await.map_err(RecycleError::Backend)?;
            lane.clean = true;
        }
        Ok(())
    }
}

/// The lanes to one PostgreSQL database.
#[derive(Clone)]
pub struct Lanes {
    pool: managed::Pool<Manager>,
    /// The process's statement counter ([`super::Db::statements`]).
    statements: Arc<AtomicU64>,
}

impl std::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes").field("status", &self.pool.status()).finish()
    }
}

impl Lanes {
    /// Lanes to `url`, at most `max` connections, opened on first use.
    /// `acquire_timeout`: how long a statement waits for a lane (then
    /// `UNAVAILABLE`, as with the pool).
    pub fn new(
        url: &str,
        max: u32,
        acquire_timeout: Duration,
        ping_after_idle: Option<Duration>,
        statements: Arc<AtomicU64>,
    ) -> Result<Self, DbErr> {
        let options: PgConnectOptions =
            url.parse().map_err(|e: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
        Self::with_options(options, max, acquire_timeout, ping_after_idle, statements)
    }

    /// Lanes connecting with `options` (see [`Self::new`]).
    pub fn with_options(
        options: PgConnectOptions,
        max: u32,
        acquire_timeout: Duration,
        ping_after_idle: Option<Duration>,
        statements: Arc<AtomicU64>,
    ) -> Result<Self, DbErr> {
        // Statements are traced by the server's own spans, as the pool's are.
        let options = std::sync::RwLock::new(options.disable_statement_logging());
        let pool = managed::Pool::builder(Manager { options, ping_after_idle })
            .max_size(usize::try_from(max.max(1)).unwrap_or(1))
            .wait_timeout(Some(acquire_timeout))
            .create_timeout(Some(acquire_timeout))
            .recycle_timeout(Some(acquire_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| DbErr::Custom(format!("read lanes: {e}")))?;
        Ok(Self { pool, statements })
    }

    /// (open connections, idle ones, the most there may be).
    pub fn status(&self) -> (u32, u32, u32) {
        let s = self.pool.status();
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        (n(s.size), n(s.available), n(s.max_size))
    }

    /// New lanes connect with `options` (a new primary after failover);
    /// idle lanes to the old address are dropped. A lane busy now is
    /// dropped when its statement fails, as any broken lane is.
    pub fn retarget(&self, options: PgConnectOptions) {
        if let Ok(mut o) = self.pool.manager().options.write() {
            *o = options.disable_statement_logging();
        }
        self.pool.retain(|_, _| false);
    }

    /// Say goodbye on every idle lane, and take no more statements.
    async fn close(&self) {
        for _ in 0..self.pool.status().available {
            let Ok(lane) = self.pool.get().await else { break };
            let _ = managed::Object::take(lane).conn.close().await;
        }
        self.pool.close();
    }

    async fn lane(&self) -> Result<managed::Object<Manager>, DbErr> {
        self.pool.get().await.map_err(|e| match e {
            managed::PoolError::Timeout(_) => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            managed::PoolError::Closed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            managed::PoolError::Backend(e) => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
            other => DbErr::Conn(RuntimeErr::Internal(other.to_string())),
        })
    }

    /// Run one statement on a lane with `run`, keeping the lane's state
    /// honest.
    async fn run<T>(
        &self,
        run: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
        wrap: fn(RuntimeErr) -> DbErr,
    ) -> Result<T, DbErr> {
        let mut lane = self.lane().await?;
        self.statements.fetch_add(1, Ordering::Relaxed);
        lane.clean = false;
        let out = run(&mut lane.conn).await;
        // The statement's reply was read to its end (an error from the
        // database, such as a constraint, is a complete reply too). After
        // I/O, protocol or decoding trouble the lane is tested before its
        // next use, and replaced if that fails.
        if matches!(&out, Ok(_) | Err(sqlx::Error::Database(_))) {
            lane.clean = true;
        }
        out.map_err(|e| wrap(RuntimeErr::SqlxError(Arc::new(e))))
    }
}

/// The statement as sqlx runs it (prepared, and cached per connection).
fn prepared(stmt: &Statement) -> sqlx::query::Query<'_, sqlx::Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or_else(|| sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        Reads::get_database_backend(self)
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Pool(c) => c.execute_raw(stmt).await,
            Self::Replica(r) => on_replica!(r, reads => reads.execute_raw(stmt.clone())),
            Self::Lanes(l) => {
                l.run(async |c| prepared(&stmt).execute(c).await.map(ExecResult::from), DbErr::Exec).await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Self::Pool(c) => c.execute_unprepared(sql).await,
            Self::Replica(r) => on_replica!(r, reads => reads.execute_unprepared(sql)),
            Self::Lanes(l) => {
                l.run(
                    async |c| sqlx::Executor::execute(c, sqlx::AssertSqlSafe(sql)).await.map(ExecResult::from),
                    DbErr::Exec,
                )
                .await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Self::Pool(c) => c.query_one_raw(stmt).await,
            Self::Replica(r) => on_replica!(r, reads => reads.query_one_raw(stmt.clone())),
            Self::Lanes(l) => {
                l.run(async |c| prepared(&stmt).fetch_optional(c).await.map(|r| r.map(QueryResult::from)), DbErr::Query)
                    .await
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Pool(c) => c.query_all_raw(stmt).await,
            Self::Replica(r) => on_replica!(r, reads => reads.query_all_raw(stmt.clone())),
            Self::Lanes(l) => {
                l.run(
                    async |c| {
                        prepared(&stmt).fetch_all(c).await.map(|rows| rows.into_iter().map(QueryResult::from).collect())
                    },
                    DbErr::Query,
                )
                .await
            }
        }
    }
}
