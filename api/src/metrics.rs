//! Prometheus metrics, served as text at `/metrics`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::state::Counters;

pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route, method and status.
    pub requests: IntCounterVec,
    /// HTTP request latency by route (seconds).
    pub latency: HistogramVec,
    /// GraphQL errors by `extensions.code`.
    pub graphql_errors: IntCounterVec,
    /// Password and client-secret verifications (argon2 checks), read from
    /// the process counters at render time.
    password_verifications: prometheus::IntCounter,
    counters: Arc<Counters>,
    /// Requests refused before execution, by error code.
    pub rejected: IntCounterVec,
    /// GraphQL operations by name and type (names beyond
    /// [`MAX_OPERATION_NAMES`] distinct ones are counted as `other`).
    pub operations: IntCounterVec,
    /// GraphQL operation latency by name (seconds).
    pub operation_latency: HistogramVec,
    /// Open WebSocket connections.
    pub websockets: IntGauge,
    /// Live GraphQL subscriptions (operations over WebSocket).
    pub subscriptions: IntGauge,
    /// Database pool connections by pool (`read`, `write`) and state (`idle`, `in_use`).
    db_pool: IntGaugeVec,
    /// Standbys and the primary (with `DATABASE_REPLICA_URL` or several
    /// primary hosts), by server and figure: see [`Self::sample_cluster`].
    db_cluster: prometheus::GaugeVec,
    /// Process figures read from `/proc/self` at render time (Linux).
    process: IntGaugeVec,
    operation_names: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Webhook queue figures: `events_unfanned`, `deliveries_pending`,
    /// `oldest_pending_seconds`.
    webhooks: prometheus::GaugeVec,
    /// Webhook attempts of this process by outcome, read from the process
    /// counters at render time.
    webhook_attempts: IntCounterVec,
    /// Failed attempts in a row per failing endpoint (by endpoint id).
    webhook_failure_streak: IntGaugeVec,
}

/// Distinct operation names tracked before the rest are counted as `other`
/// (names come from clients: the bound keeps the label set finite).
pub const MAX_OPERATION_NAMES: usize = 500;

impl Metrics {
    pub fn new(counters: Arc<Counters>) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("gongzhi".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency in seconds"),
            &["route"],
        )?;
        let graphql_errors =
            IntCounterVec::new(Opts::new("graphql_errors_total", "GraphQL errors by code"), &["code"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(graphql_errors.clone()))?;
        // A counter (it only grows): promtool refuses `_total` gauges.
        let password_verifications = prometheus::IntCounter::new(
            "password_verifications_total",
            "Password and client-secret verifications (argon2) run by this process",
        )?;
        registry.register(Box::new(password_verifications.clone()))?;
        let rejected = IntCounterVec::new(
            Opts::new("http_rejected_total", "Requests refused before execution, by error code"),
            &["code"],
        )?;
        let operations = IntCounterVec::new(
            Opts::new("graphql_operations_total", "GraphQL operations by name and type"),
            &["operation", "type"],
        )?;
        let operation_latency = HistogramVec::new(
            HistogramOpts::new("graphql_operation_duration_seconds", "GraphQL operation latency in seconds"),
            &["operation"],
        )?;
        let websockets = IntGauge::new("websocket_connections", "Open WebSocket connections")?;
        let subscriptions = IntGauge::new("graphql_subscriptions", "Live GraphQL subscriptions")?;
        registry.register(Box::new(subscriptions.clone()))?;
        let db_pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by pool and state (idle, in_use, max)"),
            &["pool", "state"],
        )?;
        let db_cluster = prometheus::GaugeVec::new(
            Opts::new(
                "db_cluster",
                "Primary and standbys by server and figure: up, lag_seconds, statements, retried (standbys); up, \
                 switches, reads_on_primary, routed, routing_seconds (primary)",
            ),
            &["server", "figure"],
        )?;
        registry.register(Box::new(db_cluster.clone()))?;
        let process = IntGaugeVec::new(
            Opts::new("process", "Process figures: resident_memory_bytes, open_fds, cpu_ticks (1/100 s)"),
            &["figure"],
        )?;
        for c in [&rejected, &operations] {
            registry.register(Box::new(c.clone()))?;
        }
        registry.register(Box::new(operation_latency.clone()))?;
        registry.register(Box::new(websockets.clone()))?;
        registry.register(Box::new(db_pool.clone()))?;
        registry.register(Box::new(process.clone()))?;
        let webhooks = prometheus::GaugeVec::new(
            Opts::new("webhook_queue", "Webhook queue: events_unfanned, deliveries_pending, oldest_pending_seconds"),
            &["figure"],
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new("webhook_attempts_total", "Webhook attempts of this process by outcome"),
            &["outcome"],
        )?;
        let webhook_failure_streak = IntGaugeVec::new(
            Opts::new("webhook_endpoint_failure_streak", "Failed attempts in a row of each failing webhook endpoint"),
            &["endpoint"],
        )?;
        registry.register(Box::new(webhooks.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(webhook_failure_streak.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            graphql_errors,
            password_verifications,
            counters,
            rejected,
            operations,
            operation_latency,
            websockets,
            subscriptions,
            db_pool,
            db_cluster,
            process,
            operation_names: std::sync::Mutex::new(std::collections::HashSet::new()),
            webhooks,
            webhook_attempts,
            webhook_failure_streak,
        })
    }

    /// Count one GraphQL operation (see [`MAX_OPERATION_NAMES`]).
    pub fn operation(&self, name: Option<&str>, ty: &str, seconds: f64) {
        let name = name.unwrap_or("(anonymous)");
        let label = match self.operation_names.lock() {
            Ok(mut seen) if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES => {
                seen.insert(name.to_owned());
                name
            }
            _ => "other",
        };
        self.operations.with_label_values(&[label, ty]).inc();
        self.operation_latency.with_label_values(&[label]).observe(seconds);
    }

    /// One pool's (open, idle, most) connections.
    fn pool_figures(&self, name: &str, (size, idle, max): (u32, u32, u32)) {
        let idle = i64::from(idle);
        self.db_pool.with_label_values(&[name, "idle"]).set(idle);
        self.db_pool.with_label_values(&[name, "in_use"]).set(i64::from(size) - idle);
        // in_use == max means requests are waiting for a connection;
        // a wait past the acquire timeout is an UNAVAILABLE error.
        self.db_pool.with_label_values(&[name, "max"]).set(i64::from(max));
    }

    /// Read the pools' and the process's figures now.
    pub fn sample(&self, db: &crate::db::Db) {
        let read = match &db.read {
            crate::db::Reads::Pool(conn) => Some(conn),
            crate::db::Reads::Lanes(lanes) => {
                self.pool_figures("read", lanes.status());
                None
            }
            crate::db::Reads::Replica(_) => None,
        };
        let pools = read.map(|c| ("read", c)).into_iter().chain([("write", &db.write)]);
        for (name, conn) in pools {
            let (size, idle, max) = match conn.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    let p = conn.get_postgres_connection_pool();
                    (p.size(), p.num_idle(), p.options().get_max_connections())
                }
                _ => {
                    let p = conn.get_sqlite_connection_pool();
                    (p.size(), p.num_idle(), p.options().get_max_connections())
                }
            };
            self.pool_figures(name, (size, idle.try_into().unwrap_or(u32::MAX), max));
        }
        if let Some(cluster) = &db.cluster {
            self.sample_cluster(cluster);
        }
        // Linux only; elsewhere the figures stay unset.
        if let Ok(statm) = std::fs::read_to_string("/proc/self/statm")
            && let Some(pages) = statm.split_whitespace().nth(1).and_then(|v| v.parse::<i64>().ok())
        {
            // 4 KiB pages (x86-64 and arm64 Linux defaults).
            self.process.with_label_values(&["resident_memory_bytes"]).set(pages * 4096);
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            self.process.with_label_values(&["open_fds"]).set(i64::try_from(fds.count()).unwrap_or(i64::MAX));
        }
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat")
            && let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r)
        {
            // Fields after the command: state is 3rd overall, utime 14th, stime 15th.
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            self.process.with_label_values(&["cpu_ticks"]).set(ticks(11) + ticks(12));
        }
    }

    /// Per standby: answering (1/0), lag behind the primary (seconds),
    /// statements it answered and reads run again on the primary after it
    /// failed them. For the primary: answering, failovers followed, queries
    /// that read it although there are standbys, requests routed and the
    /// time routing took (seconds, summed).
    fn sample_cluster(&self, cluster: &crate::db::Cluster) {
        use std::sync::atomic::Ordering::Relaxed;
        for r in cluster.figures() {
            let set = |figure: &str, v: f64| self.db_cluster.with_label_values(&[r.label.as_str(), figure]).set(v);
            set("up", f64::from(u8::from(r.up)));
            set("lag_seconds", r.lag_seconds);
            set("statements", r.statements as f64);
            set("retried", r.retried as f64);
        }
        let set = |figure: &str, v: f64| self.db_cluster.with_label_values(&["primary", figure]).set(v);
        set("up", f64::from(u8::from(cluster.primary_up())));
        set("switches", cluster.switches() as f64);
        set("reads_on_primary", cluster.reads_on_primary.load(Relaxed) as f64);
        set("routed", cluster.routed.load(Relaxed) as f64);
        set("routing_seconds", cluster.routing_nanos.load(Relaxed) as f64 / 1e9);
    }

    /// Read the webhook queue's figures now (two small queries).
    pub async fn sample_webhooks(&self, app: &crate::state::AppState) {
        use crate::webhooks::{attempts, outbox, worker};
        if let Ok((unfanned, pending, oldest)) = outbox::depth(&app.db.write).await {
            self.webhooks.with_label_values(&["events_unfanned"]).set(unfanned as f64);
            self.webhooks.with_label_values(&["deliveries_pending"]).set(pending as f64);
            self.webhooks.with_label_values(&["oldest_pending_seconds"]).set(oldest);
        }
        if let Ok(streaks) = attempts::streaks(&app.db.write).await {
            self.webhook_failure_streak.reset();
            for (endpoint, n) in streaks {
                self.webhook_failure_streak.with_label_values(&[&endpoint.to_string()]).set(i64::from(n));
            }
        }
        for (o, n) in worker::Outcome::ALL.iter().zip(&app.counters.webhook_outcomes) {
            let c = self.webhook_attempts.with_label_values(&[o.wire()]);
            let (now, shown) = (n.load(Ordering::Relaxed), c.get());
            if now > shown {
                c.inc_by(now - shown);
            }
        }
    }

    pub fn render(&self) -> String {
        let verifications = self.counters.password_verifications.load(Ordering::Relaxed);
        let shown = self.password_verifications.get();
        if verifications > shown {
            self.password_verifications.inc_by(verifications - shown);
        }
        let mut buf = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
