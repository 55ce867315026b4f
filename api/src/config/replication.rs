//! Standbys and failover settings (issue 28), flattened into
//! [`super::Config`]; what they do is `db::cluster`.

use clap::Args;

/// Where queries read besides the primary, and how the servers are checked.
#[derive(Args, Clone, Debug)]
pub struct ReplicationConfig {
    /// PostgreSQL streaming standbys to read from, comma-separated
    /// (`postgres://...,postgres://...`). A query reads a healthy standby
    /// that has replayed the caller's last write (read-your-writes, see
    /// `db::cluster`), else the primary; mutations, and every read inside a
    /// mutation, use `DATABASE_URL`. Unset: everything uses `DATABASE_URL`.
    /// Ignored for SQLite.
    #[arg(long, env = "DATABASE_REPLICA_URL", hide_env_values = true, value_delimiter = ',')]
    pub database_replica_url: Vec<String>,

    /// A standby further behind the primary than this is not read until it
    /// catches up (milliseconds).
    #[arg(long, env = "GONGZHI_REPLICA_MAX_LAG_MS", default_value_t = 30_000)]
    pub replica_max_lag_ms: u64,

    /// How long a query may wait for a standby to replay the caller's last
    /// write before it reads the primary instead (milliseconds; 0: read the
    /// primary at once).
    #[arg(long, env = "GONGZHI_REPLICA_WAIT_MS", default_value_t = 0)]
    pub replica_wait_ms: u64,

    /// How often each server checks the primary and every standby: replay
    /// position, lag, health; a check gets half this, at least 250 ms, to
    /// answer (milliseconds). A standby that stops answering is out within
    /// one period and one check's time; one that returns is back at the
    /// next check.
    #[arg(long, env = "GONGZHI_DB_CHECK_MS", default_value_t = 500)]
    pub db_check_ms: u64,
}
