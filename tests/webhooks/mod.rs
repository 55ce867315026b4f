//! Webhooks through `/graphql`, with a real HTTP receiver started by each
//! test; signatures checked with the `standardwebhooks` crate (the
//! specification's own Rust implementation), not with the server's code.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::common::{Engine, TestApp};

mod delivery;
mod enqueue;
mod safety;

/// One request the receiver answered, with the status it answered.
#[derive(Clone, Debug)]
pub(crate) struct Got {
    pub headers: HeaderMap,
    pub body: String,
    pub status: u16,
}

impl Got {
    pub fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    /// Does the Standard Webhooks implementation accept it with `secret`?
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret).unwrap().verify(self.body.as_bytes(), &self.headers).is_ok()
    }
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers
/// with the status it is set to (200 until told otherwise).
pub(crate) struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Got>>>,
    answer: Arc<AtomicU16>,
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl Receiver {
    pub async fn start() -> Self {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let answer = Arc::new(AtomicU16::new(200));
        let delay_ms: Arc<std::sync::atomic::AtomicU64> = Arc::default();
        let (g, a, d) = (got.clone(), answer.clone(), delay_ms.clone());
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
            let (g, a, d) = (g.clone(), a.clone(), d.clone());
            async move {
                let status = a.load(Ordering::SeqCst);
                g.lock().unwrap().push(Got { headers, body, status });
                tokio::time::sleep(Duration::from_millis(d.load(Ordering::SeqCst))).await;
                StatusCode::from_u16(status).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hooks", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, got, answer, delay_ms }
    }

    /// Answer every request with `status` from now on.
    pub fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    /// Take this long to answer from now on.
    pub fn delay(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The requests it accepted (2xx).
    pub fn accepted(&self) -> Vec<Got> {
        self.all().into_iter().filter(|g| (200..300).contains(&g.status)).collect()
    }

    /// Wait until it accepted `n` requests (or 20 s; then what it has).
    pub async fn wait_for(&self, n: usize) -> Vec<Got> {
        for _ in 0..400 {
            let got = self.accepted();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.accepted()
    }
}

/// Like `both!`, on apps made by [`hooked_app`].
#[macro_export]
macro_rules! hooked {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::webhooks::hooked_app($crate::common::Engine::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::webhooks::hooked_app($crate::common::Engine::Postgres).await).await;
            }
        }
    )*};
}

/// An app whose webhooks may go to this host over plain HTTP, retried
/// quickly.
pub(crate) async fn hooked_app(engine: Engine) -> TestApp {
    TestApp::spawn_with(engine, allow_local).await
}

pub(crate) fn allow_local(c: &mut api::Config) {
    c.webhooks.allow_networks = vec!["127.0.0.0/8".into()];
    c.webhooks.insecure_hosts = vec!["127.0.0.1".into()];
    c.webhooks.retry_schedule = ["200ms", "300ms", "300ms", "300ms", "500ms", "500ms"]
        .iter()
        .map(|s| api::config::parse_wait(s).unwrap())
        .collect();
    c.webhooks.poll_ms = 100;
    c.webhooks.workers = true;
}

pub(crate) const CREATE: &str = "mutation($i: WebhookEndpointInput!) { createWebhookEndpoint(input: $i) {
    secret endpoint { id url eventTypes enabled } } }";

/// Register an endpoint for `types` at `url`; returns (id, secret).
pub(crate) async fn register(app: &TestApp, token: &str, url: &str, types: &[&str]) -> (Value, String) {
    let r = app.gql(Some(token), CREATE, json!({ "i": { "url": url, "eventTypes": types } })).await;
    let p = &r["data"]["createWebhookEndpoint"];
    assert!(p["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")), "{r}");
    (p["endpoint"]["id"].clone(), p["secret"].as_str().unwrap().to_owned())
}

/// The endpoint as its owner sees it.
pub(crate) async fn endpoint(app: &TestApp, token: &str, id: &Value) -> Value {
    let r = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledReason failureStreak failingSince } } }",
            json!({ "id": id }),
        )
        .await;
    r["data"]["node"].clone()
}

/// Count of rows in a table.
pub(crate) async fn rows(app: &TestApp, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let r = app
        .db
        .write
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.write.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    r.try_get::<i64>("", "n").unwrap()
}

/// How many times each `webhook-id` arrived (accepted).
pub(crate) fn by_id(got: &[Got]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for g in got {
        *m.entry(g.id()).or_default() += 1;
    }
    m
}

/// Every webhook mutation once, as `token` (the audit walk and the surface
/// walk): an endpoint registered disabled (its test delivery then waits,
/// so it can be sent again), changed, rotated, tested, redelivered and, if
/// `delete`, deleted.
pub(crate) async fn walk(app: &TestApp, token: &str, types: &[&str], delete: bool) {
    let ok = |r: Value| {
        assert!(r["errors"].is_null(), "{r}");
        r["data"].clone()
    };
    let url = "https://hooks.example.org/gongzhi";
    let d =
        ok(app.gql(Some(token), CREATE, json!({ "i": { "url": url, "eventTypes": types, "enabled": false } })).await);
    let id = d["createWebhookEndpoint"]["endpoint"]["id"].clone();
    ok(app
        .gql(
            Some(token),
            "mutation($id: ID!, $i: WebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $i) { endpoint { id } } }",
            json!({ "id": id, "i": { "url": url, "eventTypes": types, "enabled": false, "description": "walk" } }),
        )
        .await);
    ok(app
        .gql(Some(token), "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", json!({ "id": id }))
        .await);
    let d = ok(app
        .gql(
            Some(token),
            "mutation($id: ID!) { sendTestWebhookEvent(endpointId: $id) { delivery { id } } }",
            json!({ "id": id }),
        )
        .await);
    let delivery = d["sendTestWebhookEvent"]["delivery"]["id"].clone();
    ok(app
        .gql(
            Some(token),
            "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { state } } }",
            json!({ "d": delivery }),
        )
        .await);
    if delete {
        ok(app
            .gql(
                Some(token),
                "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await);
    }
}
