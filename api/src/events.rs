//! Live events for subscriptions. Within one process a tokio broadcast
//! channel fans events out to subscribers. On PostgreSQL every event goes
//! through `NOTIFY gongzhi_events` instead, and every process (this one
//! included) `LISTEN`s and rebroadcasts locally, so a subscriber on any
//! replica sees mutations made on any other. On SQLite (one process) the
//! channel is fed directly.
//!
//! A serving process sends its NOTIFYs from one task on a connection of its
//! own (the publisher), taking whatever events have queued meanwhile into
//! one statement. Through the request pool every event cost a checkout and
//! two round trips (the NOTIFY, and the ping sqlx sends on every
//! connection handed back); under a stream of votes with a live tally that
//! was a third of a vote's round trips. A mutation's response no longer
//! waits for its NOTIFY either. Events of one process are sent in the order
//! they were published. Without the publisher (a command-line task), or
//! when it falls behind, an event goes through the pool as before.
//!
//! The bus carries [`Event`]s of every domain; each domain's subscription
//! keeps its own (by `topic`, the node type name) and reads its own `kind`
//! enum and `data`. Events are published by the unit of work, after commit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use tokio::sync::{broadcast, mpsc};

use crate::db::Db;
use crate::graphql::node::NodeType;

/// Channel name for LISTEN/NOTIFY.
const CHANNEL: &str = "gongzhi_events";
/// Events buffered per subscriber before a slow one starts losing them.
const CAPACITY: usize = 1024;
/// Events queued for the publisher before publishing falls back to the
/// pool (events).
const PUBLISH_QUEUE: usize = 10_000;
/// Events the publisher sends in one statement at most (events; each
/// payload is at most a few hundred bytes).
const PUBLISH_BATCH: usize = 256;

/// Something that happened to one object. Carries no personal data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    /// The node type of the object (`Project`, ...).
    pub topic: String,
    /// Its database id.
    pub id: i32,
    /// The community it belongs to, if any.
    pub community_id: Option<i32>,
    /// The domain's event kind, by its wire name.
    pub kind: String,
    /// Domain-specific, non-personal details (e.g. the status after it).
    pub data: serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Event {
    /// An event about an object of node type `T`; `kind` serialises to its
    /// wire name.
    pub fn new<T: NodeType>(id: i32, community_id: Option<i32>, kind: impl Serialize, data: serde_json::Value) -> Self {
        let kind = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        Self { topic: T::NAME.to_owned(), id, community_id, kind, data, at: Utc::now() }
    }

    /// Is this event about object `id` of type `T`?
    pub fn is_about<T: NodeType>(&self, id: i32) -> bool {
        self.topic == T::NAME && self.id == id
    }
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
    /// The publisher's queue (PostgreSQL, once [`Self::spawn_listener`]
    /// has started it).
    publisher: Arc<OnceLock<mpsc::Sender<String>>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0, publisher: Arc::default() }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Publish after the change committed (only the unit of work calls
    /// this). Failures are logged, not returned: the change itself has
    /// happened and the client must learn so.
    pub(crate) async fn publish(&self, db: &Db, event: Event) {
        if db.is_postgres() {
            let Ok(mut payload) = serde_json::to_string(&event) else { return };
            if let Some(queue) = self.publisher.get() {
                match queue.try_send(payload) {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!("event publisher behind or gone; NOTIFY through the pool");
                        payload = e.into_inner();
                    }
                }
            }
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
    /// them here, and start the publisher (see the module documentation).
    /// Both run until the process ends and reconnect on failure. The same
    /// connection also listens on each channel of `wakes` and wakes its
    /// `Notify` on a notification there, and on every (re)connection, when
    /// notifications may have been missed.
    ///
    /// Each has a connection of its own (`PgListener::connect` opens a pool
    /// of one), not one of the request pool: taken from there the listener
    /// held a request connection for the life of the process.
    pub fn spawn_listener(&self, db: &Db, database_url: &str, wakes: Vec<(&'static str, Arc<tokio::sync::Notify>)>) {
        if !db.is_postgres() {
            return;
        }
        let primary = Primary { url: database_url.to_owned(), cluster: db.cluster.clone() };
        let (queue, rx) = mpsc::channel(PUBLISH_QUEUE);
        if self.publisher.set(queue).is_ok() {
            tokio::spawn(publish(primary.clone(), rx, self.tx.clone()));
        }
        let tx = self.tx.clone();
        tokio::spawn(async move {
            loop {
                match primary.listener().await {
                    Ok(mut listener) => {
                        let channels: Vec<&str> =
                            std::iter::once(CHANNEL).chain(wakes.iter().map(|(c, _)| *c)).collect();
                        if let Err(e) = listener.listen_all(channels).await {
                            tracing::warn!(error = %e, "LISTEN failed");
                        } else {
                            for (_, wake) in &wakes {
                                wake.notify_one();
                            }
                            loop {
                                match listener.recv().await {
                                    Ok(n) if n.channel() == CHANNEL => {
                                        if let Ok(ev) = serde_json::from_str::<Event>(n.payload()) {
                                            let _ = tx.send(ev);
                                        }
                                    }
                                    Ok(n) => {
                                        if let Some((_, wake)) = wakes.iter().find(|(c, _)| *c == n.channel()) {
                                            wake.notify_one();
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

/// Where the listener and the publisher connect: the primary, wherever it
/// is now (after a failover they reconnect to the promoted server).
#[derive(Clone)]
struct Primary {
    url: String,
    cluster: Option<Arc<crate::db::Cluster>>,
}

impl Primary {
    fn options(&self) -> Result<sea_orm::sqlx::postgres::PgConnectOptions, sea_orm::sqlx::Error> {
        match self.cluster.as_ref().and_then(|c| c.primary_options()) {
            Some(o) => Ok(o),
            None => self.url.parse(),
        }
    }

    async fn connect(&self) -> Result<sea_orm::sqlx::postgres::PgConnection, sea_orm::sqlx::Error> {
        use sea_orm::sqlx::ConnectOptions as _;
        self.options()?.connect().await
    }

    /// A listener on a pool of one of its own: the pool reconnects it
    /// after a lost connection, to where the primary was when it was made;
    /// after a failover the loop above makes a new one.
    async fn listener(&self) -> Result<sea_orm::sqlx::postgres::PgListener, sea_orm::sqlx::Error> {
        // Not sqlx's 30 s of retrying a refused connection: the loop above
        // tries again in a second, with the primary's address of then.
        let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_secs(2))
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(self.options()?)
            .await?;
        sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await
    }
}

/// The publisher: NOTIFY every queued payload, as many as have queued in
/// one statement, on a connection of its own. A batch that cannot be sent
/// is delivered locally (as a failed NOTIFY always was) and the connection
/// opened again for the next.
async fn publish(primary: Primary, mut rx: mpsc::Receiver<String>, local: broadcast::Sender<Event>) {
    use sea_orm::sqlx::postgres::PgConnection;
    let mut conn: Option<PgConnection> = None;
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while rx.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        if conn.is_none() {
            conn =
                primary.connect().await.map_err(|e| tracing::warn!(error = %e, "event publisher cannot connect")).ok();
        }
        let sent = match conn.as_mut() {
            Some(c) => sea_orm::sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
                .bind(CHANNEL)
                .bind(&batch[..])
                .execute(c)
                .await
                .map(|_| ())
                .map_err(|e| tracing::warn!(error = %e, "NOTIFY failed; events delivered locally only")),
            None => Err(()),
        };
        if sent.is_err() {
            conn = None;
            for p in &batch {
                if let Ok(ev) = serde_json::from_str::<Event>(p) {
                    let _ = local.send(ev);
                }
            }
        }
        batch.clear();
    }
}
