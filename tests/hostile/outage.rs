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
