//! Live events for subscriptions. Within one process a tokio broadcast
//! channel fans events out to subscribers. On PostgreSQL every event goes
//! through `NOTIFY gongzhi_events` instead, and every process (this one
//! included) `LISTEN`s and rebroadcasts locally, so a subscriber on any
//! replica sees mutations made on any other. On SQLite (one process) the
//! channel is fed directly.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::Db;

/// Channel name for LISTEN/NOTIFY.
const CHANNEL: &str = "gongzhi_events";
/// Events buffered per subscriber before a slow one starts losing them.
const CAPACITY: usize = 1024;

/// Something that happened to a project. Carries no personal data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectEvent {
    pub project_id: i32,
    pub community_id: i32,
    /// `TRANSITION`, `UPDATE`, `COMMENT`, `TALLY`, `TASK`, `PARTICIPANT`, `EVALUATION`.
    pub kind: String,
    /// Project status after the event.
    pub status: entity::enums::ProjectStatus,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<ProjectEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0 }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ProjectEvent> {
        self.tx.subscribe()
    }

    /// Publish after the change committed. Failures are logged, not
    /// returned: the change itself has happened and the client must learn so.
    pub async fn publish(&self, db: &Db, event: ProjectEvent) {
        if db.is_postgres() {
            let Ok(payload) = serde_json::to_string(&event) else { return };
            let pool = db.write.get_postgres_connection_pool();
            let res = sea_orm::sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(pool).await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "NOTIFY failed; event delivered locally only");
                let _ = self.tx.send(event);
            }
        } else {
            let _ = self.tx.send(event);
        }
    }

    /// On PostgreSQL, LISTEN for events from every process and rebroadcast
    /// them here. Runs until the process ends; reconnects on failure.
    pub fn spawn_listener(&self, db: &Db) {
        if !db.is_postgres() {
            return;
        }
        let pool = db.read.get_postgres_connection_pool().clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            loop {
                match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            tracing::warn!(error = %e, "LISTEN failed");
                        } else {
                            loop {
                                match listener.recv().await {
                                    Ok(n) => {
                                        if let Ok(ev) = serde_json::from_str::<ProjectEvent>(n.payload()) {
                                            let _ = tx.send(ev);
                                        }
                                    }
                                    Err(e) => {
                                        tracing::warn!(error = %e, "event listener lost its connection");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "event listener cannot connect"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }
}
