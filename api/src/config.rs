//! Typed configuration, read from command-line flags or environment variables
//! (and an optional `.env` file loaded by the binary). Every field documents
//! its unit. Defaults are for a newcomer's laptop; production mode
//! (`GONGZHI_PRODUCTION=true`) refuses the insecure ones.

use std::net::SocketAddr;

use clap::Args;

/// The JWT secret used when none is configured. Production mode refuses it.
pub const DEV_JWT_SECRET: &str = "gongzhi-dev-secret-do-not-use-in-production";

/// Default DataLoader batch window (microseconds): how long a loader waits
/// for more keys before querying. Keys requested while one list is being
/// resolved must land in one batch; an unoptimised (debug) build resolves
/// about ten times slower, so it waits longer.
pub const DEFAULT_LOADER_WINDOW_US: u64 = if cfg!(debug_assertions) { 5000 } else { 1000 };

/// Server configuration.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://gongzhi.db?mode=rwc")]
    pub database_url: String,

    /// Maximum connections in the database pool (count). On SQLite this is
    /// the reader pool; writes go through one dedicated connection.
    #[arg(long, env = "GONGZHI_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Address and port to listen on.
    #[arg(long, env = "GONGZHI_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,

    /// Production mode: refuses default secrets and turns GraphiQL and
    /// introspection off unless they are enabled explicitly.
    #[arg(long, env = "GONGZHI_PRODUCTION", default_value_t = false)]
    pub production: bool,

    /// HMAC-SHA256 secret for access tokens (at least 32 bytes in production).
    #[arg(long, env = "GONGZHI_JWT_SECRET", default_value = DEV_JWT_SECRET, hide_env_values = true)]
    pub jwt_secret: String,

    /// `iss` claim written into and required from access tokens.
    #[arg(long, env = "GONGZHI_JWT_ISSUER", default_value = "gongzhi")]
    pub jwt_issuer: String,

    /// `aud` claim written into and required from access tokens.
    #[arg(long, env = "GONGZHI_JWT_AUDIENCE", default_value = "gongzhi-api")]
    pub jwt_audience: String,

    /// Lifetime of an access token (seconds).
    #[arg(long, env = "GONGZHI_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// Lifetime of a refresh token (seconds).
    #[arg(long, env = "GONGZHI_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// Failed logins for one username before it is locked (count).
    #[arg(long, env = "GONGZHI_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,

    /// Window in which failed logins are counted, and the lock time once the
    /// limit is reached (seconds).
    #[arg(long, env = "GONGZHI_LOGIN_LOCK_SECS", default_value_t = 900)]
    pub login_lock_secs: i64,

    /// Maximum depth of a GraphQL query (levels of selection sets).
    #[arg(long, env = "GONGZHI_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Maximum complexity of a GraphQL query (each field costs 1, a list
    /// multiplies its children by its page size).
    #[arg(long, env = "GONGZHI_MAX_COMPLEXITY", default_value_t = 50_000)]
    pub max_complexity: usize,

    /// DataLoader batch window (microseconds); see [`DEFAULT_LOADER_WINDOW_US`].
    #[arg(long, env = "GONGZHI_LOADER_WINDOW_US", default_value_t = DEFAULT_LOADER_WINDOW_US)]
    pub loader_window_us: u64,

    /// Maximum operations in one batched request (count).
    #[arg(long, env = "GONGZHI_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Maximum request body (bytes).
    #[arg(long, env = "GONGZHI_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Serve GraphiQL at `/` (default: on outside production).
    #[arg(long, env = "GONGZHI_GRAPHIQL")]
    pub graphiql: Option<bool>,

    /// Allow introspection (default: on outside production).
    #[arg(long, env = "GONGZHI_INTROSPECTION")]
    pub introspection: Option<bool>,

    /// Seed the demo dataset when the database has no regions yet (default:
    /// on outside production).
    #[arg(long, env = "GONGZHI_SEED_DEMO")]
    pub seed_demo: Option<bool>,

    /// Grace period for in-flight requests after SIGTERM/Ctrl-C (seconds).
    #[arg(long, env = "GONGZHI_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl Config {
    /// Defaults without reading the environment (used by tests and tools).
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        // Parse an empty command line; values only come from defaults here
        // because tests construct servers side by side in one process.
        let cmd = <Wrapper as clap::CommandFactory>::command();
        let mut cmd = cmd;
        for arg in cmd.get_arguments().map(|a| a.get_id().clone()).collect::<Vec<_>>() {
            cmd = cmd.mut_arg(arg, |a| a.env(None::<&str>));
        }
        let matches = cmd.get_matches_from(["gongzhi"]);
        match <Wrapper as clap::FromArgMatches>::from_arg_matches(&matches) {
            Ok(w) => w.config,
            Err(e) => e.exit(),
        }
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.unwrap_or(!self.production)
    }

    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(!self.production)
    }

    pub fn seed_demo_enabled(&self) -> bool {
        self.seed_demo.unwrap_or(!self.production)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Refuses configurations that are unsafe in production.
    pub fn validate(&self) -> Result<(), String> {
        if self.production {
            if self.jwt_secret == DEV_JWT_SECRET {
                return Err("GONGZHI_JWT_SECRET must be set in production".into());
            }
            if self.jwt_secret.len() < 32 {
                return Err("GONGZHI_JWT_SECRET must be at least 32 bytes in production".into());
            }
        }
        if self.access_token_ttl_secs <= 0 || self.refresh_token_ttl_secs <= 0 {
            return Err("token lifetimes must be positive".into());
        }
        Ok(())
    }
}
