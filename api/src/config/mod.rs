//! Typed configuration, read from command-line flags or environment variables
//! (and an optional `.env` file loaded by the binary). Every field documents
//! its unit. Defaults are for a newcomer's laptop; production mode
//! (`GONGZHI_PRODUCTION=true`) refuses the insecure ones.

use std::net::SocketAddr;

use clap::Args;

mod replication;
mod webhooks;
pub use replication::ReplicationConfig;
pub use webhooks::{WebhookConfig, parse_wait};

/// A published secret, refused in production. Tests use it to mint tokens.
pub const DEV_JWT_SECRET: &str = "gongzhi-dev-secret-do-not-use-in-production";

/// Default loader batch window of a WebSocket connection (microseconds):
/// how long its loaders wait for more keys before querying. HTTP requests
/// batch per level instead, with no window (see `graphql::batch`); a
/// connection's loaders serve several operations at once, so no one
/// execution can say when a level is complete. An unoptimised (debug)
/// build resolves about ten times slower, so it waits longer.
pub const DEFAULT_LOADER_WINDOW_US: u64 = if cfg!(debug_assertions) { 5000 } else { 1000 };

/// Server configuration.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://...`.
    /// Several PostgreSQL hosts (`postgres://u@a:5432,b:5432/db`): failover, see `db::cluster`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://gongzhi.db?mode=rwc")]
    pub database_url: String,

    /// Maximum connections (count). On PostgreSQL it bounds the read lanes
    /// and, apart, the primary's pool (writes, mutations): a server holds
    /// at most twice this, plus two for live events. On SQLite it is the
    /// reader pool; writes go through one dedicated connection.
    #[arg(long, env = "GONGZHI_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Address and port to listen on.
    #[arg(long, env = "GONGZHI_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,

    /// Production mode: refuses default secrets and turns GraphiQL and
    /// introspection off unless they are enabled explicitly.
    #[arg(long, env = "GONGZHI_PRODUCTION", default_value_t = false)]
    pub production: bool,

    /// HMAC-SHA256 secret for access tokens (at least 32 bytes). Required in
    /// production. Without it, a random secret is generated on first start
    /// and kept in `<data dir>/jwt-secret` (mode 0600), so no two
    /// installations share a key and tokens survive restarts.
    #[arg(long, env = "GONGZHI_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Directory for files the server keeps (the generated JWT secret).
    #[arg(long, env = "GONGZHI_DATA_DIR", default_value = ".gongzhi")]
    pub data_dir: std::path::PathBuf,

    /// `iss` claim written into and required from access tokens.
    #[arg(long, env = "GONGZHI_JWT_ISSUER", default_value = "gongzhi")]
    pub jwt_issuer: String,

    /// `aud` claim written into and required from access tokens.
    #[arg(long, env = "GONGZHI_JWT_AUDIENCE", default_value = "gongzhi-api")]
    pub jwt_audience: String,

    /// Lifetime of an access token (seconds).
    #[arg(long, env = "GONGZHI_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// How long after a refresh token was used it may be presented again
    /// for a fresh pair of the same session instead of counting as a reuse
    /// (parallel tabs, a retried refresh) (seconds; 0: no grace).
    #[arg(long, env = "GONGZHI_REFRESH_GRACE_SECS", default_value_t = 30)]
    pub refresh_grace_secs: i64,

    /// Lifetime of a refresh token (seconds).
    #[arg(long, env = "GONGZHI_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// The version of the privacy notice a person must accept to sign up
    /// (`signUp(input: {privacyNoticeVersion})`); stored with the time.
    #[arg(long, env = "GONGZHI_PRIVACY_NOTICE_VERSION", default_value = "2026-12-01")]
    pub privacy_notice_version: String,

    /// A household its building head has not visited for this long is on
    /// the overdue-visit list (days).
    #[arg(long, env = "GONGZHI_VISIT_OVERDUE_DAYS", default_value_t = 90)]
    pub visit_overdue_days: i64,

    /// Failed password checks for one username in the window before it is
    /// locked; also the most checks in flight at once (count).
    #[arg(long, env = "GONGZHI_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,

    /// Distinct usernames one client address may fail for in the window
    /// before its checks are slowed, one at a time after a second each;
    /// an address is never locked (count).
    #[arg(long, env = "GONGZHI_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 50)]
    pub login_max_failures_per_address: i32,

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

    /// Maximum nesting of brackets (`{`, `[`, `(`) in query text (levels).
    /// Checked on the raw text before parsing: the parser recurses on values.
    #[arg(long, env = "GONGZHI_MAX_NESTING", default_value_t = 64)]
    pub max_nesting: usize,

    /// Maximum lexical tokens in query text (count).
    #[arg(long, env = "GONGZHI_MAX_TOKENS", default_value_t = 15_000)]
    pub max_tokens: usize,

    /// Maximum aliased fields per operation, fragments expanded (count).
    #[arg(long, env = "GONGZHI_MAX_ALIASES", default_value_t = 64)]
    pub max_aliases: usize,

    /// Maximum fields per operation, fragments expanded (count).
    #[arg(long, env = "GONGZHI_MAX_FIELDS", default_value_t = 2_000)]
    pub max_fields: usize,

    /// Maximum introspection root fields (`__schema`, `__type`) per
    /// operation (count). Introspection is not priced by the complexity
    /// limit, so it has this budget of its own.
    #[arg(long, env = "GONGZHI_MAX_INTROSPECTION", default_value_t = 4)]
    pub max_introspection: usize,

    /// Maximum size of one serialised GraphQL response (bytes).
    #[arg(long, env = "GONGZHI_MAX_RESPONSE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_response_bytes: usize,

    /// Unauthenticated requests (GraphQL without a token, `/oauth/token`)
    /// allowed per client address, sustained (requests per second).
    #[arg(long, env = "GONGZHI_ANON_RATE_PER_SEC", default_value_t = 10)]
    pub anon_rate_per_sec: u32,

    /// Burst of unauthenticated requests per client address (count).
    #[arg(long, env = "GONGZHI_ANON_BURST", default_value_t = 60)]
    pub anon_burst: u32,

    /// Take the client address from the first `X-Forwarded-For` entry (only
    /// behind a reverse proxy that sets it; otherwise clients could forge it).
    #[arg(long, env = "GONGZHI_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Browser origins allowed to call the API cross-origin (CORS), comma
    /// separated, e.g. `https://console.example.org`. None by default: apps
    /// and servers do not need CORS; only browser consoles on other origins do.
    #[arg(long, env = "GONGZHI_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Request headers a cross-origin browser app may send besides the
    /// built-in ones (`authorization`, `content-type`, `accept`,
    /// `idempotency-key`, `x-request-id`, `apollographql-client-name`,
    /// `apollographql-client-version`, `traceparent`), comma separated.
    #[arg(long, env = "GONGZHI_CORS_EXTRA_HEADERS", value_delimiter = ',')]
    pub cors_extra_headers: Vec<String>,

    /// The API's public base URL as clients reach it (e.g.
    /// `https://gongzhi.example.org`, no trailing slash). Set, links the
    /// API hands out (photo URLs) are absolute; unset, they are paths
    /// relative to the server.
    #[arg(long, env = "GONGZHI_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How long a browser may cache a CORS preflight answer (seconds).
    #[arg(long, env = "GONGZHI_CORS_MAX_AGE", default_value_t = 86_400)]
    pub cors_max_age_secs: u64,

    /// Responses at least this large are compressed (gzip or brotli, as
    /// the client's `Accept-Encoding` asks); smaller ones are sent as they
    /// are (bytes; 0: never compress).
    #[arg(long, env = "GONGZHI_COMPRESS_MIN_BYTES", default_value_t = 1024)]
    pub compress_min_bytes: u16,

    /// How long a request waits for a database connection before answering
    /// UNAVAILABLE (seconds).
    #[arg(long, env = "GONGZHI_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 3)]
    pub db_acquire_timeout_secs: u64,

    /// A read lane or pooled connection idle at least this long is pinged
    /// before a request gets it (seconds; 0 pings pooled connections on
    /// every checkout, and lanes only after a failed or abandoned
    /// statement). Hot connections are handed out untested: a ping is a
    /// round trip to the database, and per checkout it doubled the round
    /// trips of every statement. What can break a connection while it sits
    /// idle (a proxy or firewall timing it out) takes minutes; a database
    /// restart breaks hot ones too, and costs each of them one failed
    /// statement, after which the connection is tested and replaced.
    #[arg(long, env = "GONGZHI_DB_PING_AFTER_IDLE_SECS", default_value_t = 30)]
    pub db_ping_after_idle_secs: u64,

    /// How often a WebSocket connection re-checks its token: expiry and the
    /// revocations this process knows (an in-memory check), seconds.
    #[arg(long, env = "GONGZHI_WS_RECHECK_SECS", default_value_t = 1)]
    pub ws_recheck_secs: u64,

    /// How often each process re-reads the revocations even without a
    /// notification (PostgreSQL: a missed NOTIFY keeps a revoked token
    /// alive at most this long), milliseconds.
    #[arg(long, env = "GONGZHI_REVOCATION_POLL_MS", default_value_t = 2000)]
    pub revocation_poll_ms: u64,

    /// WebSocket loader batch window (microseconds); see [`DEFAULT_LOADER_WINDOW_US`].
    #[arg(long, env = "GONGZHI_LOADER_WINDOW_US", default_value_t = DEFAULT_LOADER_WINDOW_US)]
    pub loader_window_us: u64,

    /// Maximum operations in one batched request (count).
    #[arg(long, env = "GONGZHI_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Maximum request body (bytes).
    #[arg(long, env = "GONGZHI_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// A bearer token `/metrics` requires. In production `/metrics` is served
    /// only when this is set.
    #[arg(long, env = "GONGZHI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Automatic persisted queries (Apollo's protocol): how many query texts
    /// the server remembers by hash (entries; 0 turns them off).
    #[arg(long, env = "GONGZHI_APQ_CACHE_ENTRIES", default_value_t = 1000)]
    pub apq_cache_entries: usize,

    /// Parsed and screened query documents remembered by text, so that an
    /// operation sent again is not parsed again (entries; 0 turns it off).
    /// Texts over 8 KiB are never kept, which bounds the memory.
    #[arg(long, env = "GONGZHI_DOCUMENT_CACHE_ENTRIES", default_value_t = 500)]
    pub document_cache_entries: usize,

    /// Trusted documents: a JSON manifest of the only operations this server
    /// runs (Apollo's persisted query manifest, or an object of sha256 hash
    /// → query text). Unset: any query runs.
    #[arg(long, env = "GONGZHI_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub replication: ReplicationConfig,

    /// Most delivery records in one `upsertDeliveryRecords` call (records).
    /// A bigger batch is refused as a whole; the request body limit
    /// (`GONGZHI_MAX_BODY_BYTES`) must hold it too (about 300 bytes a record).
    #[arg(long, env = "GONGZHI_MAX_DELIVERY_BATCH", default_value_t = 500)]
    pub max_delivery_batch: usize,

    /// Largest photo accepted in an upload (bytes). A multipart request may
    /// carry up to 12 of them on top of `max_body_bytes`.
    #[arg(long, env = "GONGZHI_MAX_PHOTO_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub max_photo_bytes: usize,

    /// Directory of uploaded photos (default `<data dir>/photos`).
    #[arg(long, env = "GONGZHI_PHOTO_DIR")]
    pub photo_dir: Option<std::path::PathBuf>,

    /// How long a reporter may confirm or reopen a resolved report before it
    /// closes by itself (hours).
    #[arg(long, env = "GONGZHI_REPORT_CONFIRM_HOURS", default_value_t = 168)]
    pub report_confirm_hours: u64,

    /// How often the report sweep runs: escalating overdue reports, closing
    /// unconfirmed resolved ones (milliseconds).
    #[arg(long, env = "GONGZHI_REPORT_SWEEP_MS", default_value_t = 60_000)]
    pub report_sweep_ms: u64,

    /// Time after an emergency alert is published without an answer from a
    /// household before it is flagged to its building head (seconds; an
    /// alert may set its own).
    #[arg(long, env = "GONGZHI_ALERT_FOLLOW_UP_SECS", default_value_t = 1800)]
    pub alert_follow_up_secs: u64,

    /// How often each server looks for households to flag (milliseconds).
    #[arg(long, env = "GONGZHI_ALERT_SWEEP_MS", default_value_t = 10_000)]
    pub alert_sweep_ms: u64,

    /// Days after an emergency alert closes before its answers, visit
    /// notes, flags and rosters are purged (persons unlinked; the alert's
    /// frozen counts and statistics stay). 0 purges at the next sweep.
    #[arg(long, env = "GONGZHI_RETENTION_ALERT_ANSWERS_DAYS", default_value_t = 180)]
    pub retention_alert_answers_days: u32,

    /// Days a record of who read whose personal data is kept (default 3
    /// years).
    #[arg(long, env = "GONGZHI_RETENTION_ACCESS_LOG_DAYS", default_value_t = 1095)]
    pub retention_access_log_days: u32,

    /// Days an ended login session (its refresh-token rows: device, address
    /// prefix, times) is kept after it expired or ended.
    #[arg(long, env = "GONGZHI_RETENTION_SESSIONS_DAYS", default_value_t = 90)]
    pub retention_sessions_days: u32,

    /// How often each server runs the retention jobs (seconds).
    #[arg(long, env = "GONGZHI_RETENTION_SWEEP_SECS", default_value_t = 3600)]
    pub retention_sweep_secs: u64,

    /// The time zone whose calendar months the indicators count in (an IANA
    /// name). A report filed at 23:30 UTC on 31 March belongs to April in
    /// Asia/Shanghai. Changing it changes which month a record falls in:
    /// months frozen before the change keep the zone they were frozen in.
    #[arg(long, env = "GONGZHI_INDICATOR_TIME_ZONE", default_value = "Asia/Shanghai")]
    pub indicator_time_zone: chrono_tz::Tz,

    /// Smallest count an indicator shows to district systems and residents
    /// (records): a figure resting on fewer, and a sibling that would give
    /// it away, is suppressed.
    #[arg(long, env = "GONGZHI_INDICATOR_K", default_value_t = 5)]
    pub indicator_k: u32,

    /// How often each server re-computes the closed months still open to
    /// correction and records a revision where a figure changed
    /// (milliseconds).
    #[arg(long, env = "GONGZHI_INDICATOR_REVISE_MS", default_value_t = 3_600_000)]
    pub indicator_revise_ms: u64,

    /// How long a closed month stays live (revision 0) before it is frozen,
    /// so late batches land without a revision (days after its end).
    #[arg(long, env = "GONGZHI_INDICATOR_GRACE_DAYS", default_value_t = 7)]
    pub indicator_grace_days: u32,

    /// How many closed months back the revision job re-computes (months).
    /// Older months stay as frozen.
    #[arg(long, env = "GONGZHI_INDICATOR_REVISION_MONTHS", default_value_t = 24)]
    pub indicator_revision_months: u32,

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

    /// Webhook delivery (see `webhooks.rs`).
    #[command(flatten)]
    pub webhooks: WebhookConfig,
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

    /// Fill in the JWT secret when none is configured: read it from
    /// `<data dir>/jwt-secret`, or generate 32 random bytes there (mode 0600)
    /// on first start. Production never gets here (`validate` refuses it).
    pub fn resolve_jwt_secret(&mut self) -> std::io::Result<()> {
        use base64::Engine;
        use rand::RngCore;
        if self.jwt_secret.is_some() {
            return Ok(());
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= 32 {
                self.jwt_secret = Some(existing);
                return Ok(());
            }
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        std::io::Write::write_all(&mut opts.open(&path)?, secret.as_bytes())?;
        tracing::info!(path = %path.display(), "generated a JWT secret for this installation");
        self.jwt_secret = Some(secret);
        Ok(())
    }

    /// Where photos are stored.
    pub fn photo_dir(&self) -> std::path::PathBuf {
        self.photo_dir.clone().unwrap_or_else(|| self.data_dir.join("photos"))
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
        match &self.jwt_secret {
            None if self.production => return Err("GONGZHI_JWT_SECRET must be set in production".into()),
            Some(s) if s == DEV_JWT_SECRET && self.production => {
                return Err("GONGZHI_JWT_SECRET must not be the published development secret in production".into());
            }
            Some(s) if s.len() < 32 => return Err("GONGZHI_JWT_SECRET must be at least 32 bytes".into()),
            _ => {}
        }
        if self.access_token_ttl_secs <= 0 || self.refresh_token_ttl_secs <= 0 {
            return Err("token lifetimes must be positive".into());
        }
        Ok(())
    }
}
