//! Shared state of one server process.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::auth::JwtKeys;
use crate::auth::revocation::Revocations;
use crate::config::Config;
use crate::db::Db;
use crate::events::EventBus;

/// What every request handler and resolver may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub keys: Arc<JwtKeys>,
    pub events: EventBus,
    pub counters: Arc<Counters>,
    /// The revocations this process knows (see `auth::revocation`).
    pub revocations: Revocations,
    /// Woken when another process revoked something (PostgreSQL NOTIFY).
    pub revocation_wake: Arc<tokio::sync::Notify>,
    /// API clients' trusted documents, as this process last read them.
    pub client_documents: crate::auth::documents::ClientDocuments,
    /// This process's webhook workers, once started (drained at shutdown).
    pub webhook_worker: Arc<std::sync::OnceLock<Arc<crate::webhooks::worker::Worker>>>,
}

/// Process-wide security counters, exported on `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Password and client-secret verifications run (argon2 checks).
    pub password_verifications: AtomicU64,
    /// Webhook attempts by outcome (`webhooks::worker::Outcome::ALL` order).
    pub webhook_outcomes: [AtomicU64; 4],
}

impl Counters {
    /// Count one webhook attempt's outcome.
    pub fn webhook_outcome(&self, o: crate::webhooks::worker::Outcome) {
        let i = crate::webhooks::worker::Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
        self.webhook_outcomes[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let keys = Arc::new(JwtKeys::new(&config));
        Self {
            db,
            config: Arc::new(config),
            keys,
            events: EventBus::new(),
            counters: Arc::default(),
            revocations: Revocations::default(),
            revocation_wake: Arc::default(),
            client_documents: Default::default(),
            webhook_worker: Arc::default(),
        }
    }
}
