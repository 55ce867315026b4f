//! Delivery workers: every server process runs one loop that fans out new
//! events and sends due deliveries; processes share the work through the
//! database.
//!
//! A delivery is *claimed* by setting `leased_until` in one UPDATE whose
//! candidates are locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (on
//! SQLite the single writer serialises claims): two processes never claim
//! one delivery, and no connection is held while the receiver answers. The
//! attempt is then recorded by the process's recorder, many attempts to one
//! transaction (the attempt rows, the deliveries' new states, the
//! endpoints' failure streaks): recording one attempt per transaction
//! capped delivery near 1,200 a second (README, benchmark). A process that dies
//! mid-attempt leaves a lease that expires; another process then retries:
//! delivery is at least once, and the `webhook-id` lets receivers drop
//! repeats.
//!
//! Order: a delivery is a candidate only while no earlier delivery of the
//! same object to the same endpoint is pending (sent, leased or waiting for
//! a retry), so each object's events reach an endpoint in commit order.
//! Fairness: each process sends at most `webhook_endpoint_concurrency`
//! requests to one endpoint at a time, and `webhook_endpoint_rate` a
//! second; a slow receiver holds only its own share of
//! `webhook_concurrency`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use entity::{webhook_delivery, webhook_endpoint, webhook_event};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::attempts::{Done, record};
use super::net::{Guard, is_refusal};
use super::{outbox, signing};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest part of a receiver's answer read (bytes); the rest is dropped.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Delivered,
    /// Another status or a network error: tried again later.
    Retry,
    /// 410 Gone: the endpoint is disabled.
    Gone,
    /// Retries ran out.
    Failed,
}

impl Outcome {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Delivered => "DELIVERED",
            Self::Retry => "RETRY",
            Self::Gone => "GONE",
            Self::Failed => "FAILED",
        }
    }

    pub const ALL: [Self; 4] = [Self::Delivered, Self::Retry, Self::Gone, Self::Failed];
}

/// The result of sending once.
pub(super) struct Sent {
    pub status: Option<u16>,
    pub error_class: Option<&'static str>,
    pub latency: StdDuration,
}

/// One process's workers.
pub struct Worker {
    app: AppState,
    client: reqwest::Client,
    guard: Arc<Guard>,
    global: Arc<Semaphore>,
    limiter: DefaultKeyedRateLimiter<i32>,
    in_flight: Mutex<HashMap<i32, usize>>,
    /// Set at shutdown: claim nothing more.
    stopping: std::sync::atomic::AtomicBool,
    /// Finished attempts, to the recorder (with the permit each holds
    /// until it is recorded).
    finished: tokio::sync::mpsc::UnboundedSender<(Done, OwnedSemaphorePermit)>,
}

/// Attempts recorded per transaction at most.
const RECORD_BATCH: usize = 256;

/// Start this process's worker loop (unless configured off).
pub fn spawn(app: &AppState) {
    if !app.config.webhooks.workers {
        return;
    }
    let worker = match Worker::new(app) {
        Ok((w, rx)) => {
            let w = Arc::new(w);
            tokio::spawn(recorder(Arc::downgrade(&w), rx));
            w
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook workers not started");
            return;
        }
    };
    let _ = app.webhook_worker.set(worker.clone());
    tokio::spawn(worker.run());
}

/// Record finished attempts as they come, many to a transaction; each
/// attempt's permit (and its endpoint's share) is given back once it is
/// recorded, so a drained worker has recorded everything it sent.
async fn recorder(worker: std::sync::Weak<Worker>, mut rx: UnboundedReceiver<(Done, OwnedSemaphorePermit)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH
            && let Ok(more) = rx.try_recv()
        {
            batch.push(more);
        }
        let Some(w) = worker.upgrade() else { return };
        let (done, permits): (Vec<Done>, Vec<OwnedSemaphorePermit>) = batch.into_iter().unzip();
        if let Err(e) = record(&w.app, &done).await {
            tracing::warn!(error = ?e.public_message(), attempts = done.len(), "webhook attempts not recorded; their leases expire and they are sent again");
        }
        for x in &done {
            w.done(x.e.id);
        }
        drop(permits);
        w.app.db.outbox_wake.notify_one();
    }
}

/// At the shutdown signal: claim nothing more.
pub fn stop(app: &AppState) {
    if let Some(w) = app.webhook_worker.get() {
        w.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// After serving ended: claim nothing more, and wait (at most `grace`) until every
/// attempt in flight is recorded. An attempt still running after that is
/// not recorded at all (its transaction never began or rolls back): its
/// lease expires and another process sends it again.
pub async fn drain(app: &AppState, grace: StdDuration) {
    stop(app);
    let Some(w) = app.webhook_worker.get() else { return };
    let all = u32::try_from(app.config.webhooks.concurrency.max(1)).unwrap_or(u32::MAX);
    match tokio::time::timeout(grace, w.global.acquire_many(all)).await {
        Ok(_) => tracing::info!("webhook attempts in flight recorded"),
        Err(_) => tracing::warn!("webhook attempts still in flight at shutdown; their leases will expire"),
    }
}

impl Worker {
    fn new(app: &AppState) -> Result<(Self, UnboundedReceiver<(Done, OwnedSemaphorePermit)>), String> {
        let c = &app.config;
        let guard = Arc::new(Guard::from_config(c)?);
        let client = guard.client(c).map_err(|e| e.to_string())?;
        let rate = NonZeroU32::new(c.webhooks.endpoint_rate.max(1)).unwrap_or(NonZeroU32::MIN);
        let (finished, rx) = tokio::sync::mpsc::unbounded_channel();
        Ok(Self {
            app: app.clone(),
            client,
            guard,
            global: Arc::new(Semaphore::new(c.webhooks.concurrency.max(1))),
            limiter: RateLimiter::keyed(Quota::per_second(rate)),
            in_flight: Mutex::new(HashMap::new()),
            stopping: std::sync::atomic::AtomicBool::new(false),
            finished,
        })
        .map(|w| (w, rx))
    }

    async fn run(self: Arc<Self>) {
        let poll = StdDuration::from_millis(self.app.config.webhooks.poll_ms.max(10));
        let wake = self.app.db.outbox_wake.clone();
        loop {
            if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            if let Err(e) = outbox::fan_out(&self.app.db).await {
                tracing::warn!(error = ?e.public_message(), "webhook fan-out failed; retrying");
            }
            if let Err(e) = self.clone().send_due().await {
                tracing::warn!(error = ?e.public_message(), "webhook claim failed; retrying");
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claim due deliveries up to the free capacity and send each in a task
    /// of its own.
    async fn send_due(self: Arc<Self>) -> ApiResult<()> {
        let cap = self.app.config.webhooks.endpoint_concurrency.max(1);
        let all = self.app.config.webhooks.concurrency.max(1);
        loop {
            let free = self.global.available_permits();
            if free == 0 || self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(());
            }
            // Claim in batches: a claim scans the pending deliveries, so
            // one per finished attempt would cost more than the attempts.
            // With little in flight, claim whatever is free.
            if free < all / 4 && all - free > all / 2 {
                return Ok(());
            }
            let busy: Vec<i32> = self.in_flight_now().into_iter().filter(|(_, n)| *n >= cap).map(|(e, _)| e).collect();
            let claimed = claim(&self.app, free, &busy).await?;
            if claimed.is_empty() {
                return Ok(());
            }
            // Keep each endpoint's share; hand the surplus back at once.
            let mut surplus = Vec::new();
            let mut taken = Vec::new();
            {
                let mut flight = self.in_flight.lock().map_err(|_| ApiError::internal("in-flight map poisoned"))?;
                for d in claimed {
                    let n = flight.entry(d.endpoint_id).or_default();
                    if *n >= cap {
                        surplus.push(d.id);
                    } else {
                        *n += 1;
                        taken.push(d);
                    }
                }
            }
            release(&self.app, &surplus).await?;
            let endpoints = load_endpoints(&self.app, &taken).await?;
            let events = load_events(&self.app, &taken).await?;
            for d in taken {
                let (Some(e), Some(v)) = (endpoints.get(&d.endpoint_id), events.get(&d.event_id)) else {
                    self.done(d.endpoint_id);
                    continue;
                };
                let Ok(permit) = self.global.clone().acquire_owned().await else { return Ok(()) };
                let (me, e, v) = (self.clone(), e.clone(), v.clone());
                tokio::spawn(async move {
                    me.limiter.until_key_ready(&e.id).await;
                    let sent = me.send(&e, &v).await;
                    let _ = me.finished.send((Done { d, e, sent }, permit));
                });
            }
        }
    }

    fn in_flight_now(&self) -> Vec<(i32, usize)> {
        self.in_flight.lock().map(|m| m.iter().map(|(k, v)| (*k, *v)).collect()).unwrap_or_default()
    }

    fn done(&self, endpoint: i32) {
        if let Ok(mut m) = self.in_flight.lock()
            && let Some(n) = m.get_mut(&endpoint)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&endpoint);
            }
        }
    }

    /// Send one event to one endpoint, signed with every secret in use.
    async fn send(&self, e: &webhook_endpoint::Model, v: &webhook_event::Model) -> Sent {
        let started = Instant::now();
        let fail = |class| Sent { status: None, error_class: Some(class), latency: started.elapsed() };
        let Ok(url) = self.guard.check_url(&e.url) else { return fail("blocked_address") };
        let now = Utc::now();
        let ts = now.timestamp();
        let mut secrets = vec![e.secret.as_str()];
        if let (Some(old), Some(until)) = (&e.previous_secret, e.previous_secret_until)
            && until > now
        {
            secrets.push(old.as_str());
        }
        let signature = signing::header(secrets, &v.message_id, ts, &v.payload);
        let req = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &v.message_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(v.payload.clone());
        match req.send().await {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                // Read a bounded part of the answer, so the connection can be
                // reused; a receiver's long answer is cut off.
                let mut read = 0usize;
                while read < MAX_RESPONSE_BYTES {
                    match resp.chunk().await {
                        Ok(Some(c)) => read += c.len(),
                        _ => break,
                    }
                }
                let class = (!(200..300).contains(&status)).then_some("status");
                Sent { status: Some(status), error_class: class, latency: started.elapsed() }
            }
            Err(err) => {
                let class = if is_refusal(&err) {
                    "blocked_address"
                } else if err.is_timeout() {
                    "timeout"
                } else if err.is_connect() {
                    "connect"
                } else {
                    "network"
                };
                fail(class)
            }
        }
    }
}

/// A claimed delivery.
#[derive(Clone, Debug)]
pub(crate) struct Claimed {
    pub id: i32,
    pub endpoint_id: i32,
    pub event_id: i32,
    pub attempts: i32,
}

/// Claim up to `n` due deliveries, none of the endpoints `busy`.
async fn claim(app: &AppState, n: usize, busy: &[i32]) -> ApiResult<Vec<Claimed>> {
    let db = &app.db.write;
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let now = Utc::now();
    let lease = now + lease_of(&app.config);
    let not_busy = if busy.is_empty() {
        String::new()
    } else {
        format!(" AND d.endpoint_id NOT IN ({})", busy.iter().map(i32::to_string).collect::<Vec<_>>().join(","))
    };
    let (p, lock) = if pg { ("$", " FOR UPDATE OF d SKIP LOCKED") } else { ("?", "") };
    let arg = |i: usize| if pg { format!("{p}{i}") } else { p.to_owned() };
    let sql = format!(
        "UPDATE webhook_deliveries SET leased_until = {lease_at} WHERE id IN (
            SELECT d.id FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
            WHERE d.state = 'PENDING' AND d.next_attempt_at <= {now1}
              AND (d.leased_until IS NULL OR d.leased_until < {now2}){not_busy}
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                  WHERE o.endpoint_id = d.endpoint_id AND o.object_key = d.object_key
                    AND o.state = 'PENDING' AND o.event_id < d.event_id)
            ORDER BY d.event_id LIMIT {limit}{lock})
        RETURNING id, endpoint_id, event_id, attempts",
        lease_at = arg(1),
        now1 = arg(2),
        now2 = arg(3),
        limit = n,
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [lease.into(), now.into(), now.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Claimed {
            id: r.try_get("", "id")?,
            endpoint_id: r.try_get("", "endpoint_id")?,
            event_id: r.try_get("", "event_id")?,
            attempts: r.try_get("", "attempts")?,
        });
    }
    out.sort_by_key(|c| c.event_id);
    Ok(out)
}

/// How long a claim lasts: the longest an attempt can take, with room to
/// record it.
fn lease_of(c: &crate::config::Config) -> Duration {
    Duration::milliseconds(i64::try_from(c.webhooks.connect_timeout_ms + c.webhooks.timeout_ms).unwrap_or(i64::MAX / 4))
        + Duration::seconds(30)
}

/// Hand claimed deliveries back unsent.
async fn release(app: &AppState, ids: &[i32]) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(webhook_delivery::Column::Id.is_in(ids.to_vec()))
        .exec(&app.db.write)
        .await?;
    Ok(())
}

async fn load_endpoints(app: &AppState, ds: &[Claimed]) -> ApiResult<HashMap<i32, webhook_endpoint::Model>> {
    let ids: Vec<i32> = ds.iter().map(|d| d.endpoint_id).collect();
    let rows =
        webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::Id.is_in(ids)).all(&app.db.write).await?;
    Ok(rows.into_iter().map(|e| (e.id, e)).collect())
}

async fn load_events(app: &AppState, ds: &[Claimed]) -> ApiResult<HashMap<i32, webhook_event::Model>> {
    let ids: Vec<i32> = ds.iter().map(|d| d.event_id).collect();
    let rows = webhook_event::Entity::find().filter(webhook_event::Column::Id.is_in(ids)).all(&app.db.write).await?;
    Ok(rows.into_iter().map(|v| (v.id, v)).collect())
}
