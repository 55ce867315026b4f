//! A database outage: fail fast, recover.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Engine, Proxy, TestApp, code, pg_url_via};

// ---------------------------------------------------------------------------
// Outages
// ---------------------------------------------------------------------------

/// PostgreSQL goes away (through a proxy the test controls): `/readyz`
/// answers 503 within 2 s and GraphQL requests UNAVAILABLE (HTTP 503,
/// Retry-After) within the acquire timeout instead of hanging; when the
/// database returns, the same server recovers without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_fails_fast_and_recovers() {
    let app = TestApp::spawn(Engine::Postgres).await;
    let proxy = Proxy::start(&crate::common::pg_host_port()).await;
    let mut config = app.config.clone();
    let db_name = app.config.database_url.rsplit('/').next().unwrap().to_owned();
    config.database_url = pg_url_via(proxy.port, &db_name);
    config.db_acquire_timeout_secs = 2;
    let server = app.spawn_peer_with(config).await;
    let token = server.token("demo-resident").await;
    let ok = server.gql(Some(&token), "{ projects { totalCount } }", json!({})).await;
    assert!(ok["errors"].is_null(), "{ok}");

    proxy.down();
    // Let the proxy's connection tasks see the cut before probing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let ready = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(2500), "readyz took {:?}", started.elapsed());

    let started = Instant::now();
    let resp = server
        .client
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ projects { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "UNAVAILABLE", "{r}");
    // Bounded by the 2 s acquire (plus connect) timeout, not the 30 s it used to hang.
    assert!(elapsed < Duration::from_secs(10), "answered after {elapsed:?}");

    proxy.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = server.gql(Some(&token), "{ projects { totalCount } }", json!({})).await;
        if r["errors"].is_null() {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

/// Requests in flight when PostgreSQL goes away, and those that arrive
/// while it is away, all answer UNAVAILABLE (HTTP 503 with `Retry-After`),
/// never INTERNAL: 24 clients send queries and mutations in a loop while
/// the database is cut away under them and brought back, three times, and
/// while the server ends their connections as a shutdown or failover does
/// (`pg_terminate_backend`: SQLSTATE 57P01 to statements in flight).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_caught_by_an_outage_answer_only_unavailable() {
    let app = TestApp::spawn(Engine::Postgres).await;
    let proxy = Proxy::start(&crate::common::pg_host_port()).await;
    let mut config = app.config.clone();
    let db_name = app.config.database_url.rsplit('/').next().unwrap().to_owned();
    config.database_url = pg_url_via(proxy.port, &db_name);
    config.db_acquire_timeout_secs = 1;
    let server = std::sync::Arc::new(app.spawn_peer_with(config).await);
    let token = server.token("demo-committee").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for i in 0..24 {
        let (server, token, stop) = (server.clone(), token.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let body = if i % 4 == 0 {
                    json!({ "query": "mutation($i: PublishNoticeInput!) { publishNotice(input: $i) { notice { id } } }",
                            "variables": { "i": { "category": "GENERAL", "title": "停电通知", "body": "周日检修" } } })
                } else {
                    json!({ "query": "{ projects(first: 50) { totalCount edges { node { title proposer { displayName } } } } }" })
                };
                let resp = server.client.post(format!("{}/graphql", server.base)).bearer_auth(&token).json(&body).send().await;
                let Ok(resp) = resp else { continue };
                let status = resp.status().as_u16();
                let retry_after = resp.headers().get("retry-after").is_some();
                let r: Value = resp.json().await.unwrap_or(Value::Null);
                if !r["errors"].is_null() {
                    seen.push((status, code(&r).to_owned(), retry_after, r["errors"][0]["message"].clone()));
                }
            }
            seen
        }));
    }
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        proxy.down();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.up();
    }
    let admin = sea_orm::Database::connect(format!("{}/postgres", crate::common::pg::admin_url())).await.unwrap();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db_name}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut errors = Vec::new();
    for c in clients {
        errors.extend(c.await.unwrap());
    }
    assert!(!errors.is_empty(), "the outages were not seen");
    for (status, code, retry_after, message) in &errors {
        assert_eq!((code.as_str(), *status, *retry_after), ("UNAVAILABLE", 503, true), "{message}");
    }
}
