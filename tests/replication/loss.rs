//! A standby dies under a read load of 16 clients, and comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::common::replication::Options;

/// The dashboard's kind of read: the community's projects and reports.
const READ: &str = "{ projects(first: 10) { edges { node { id title status } } } reports(first: 10) { edges { node { id status } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_lost_under_load_fails_no_read_and_is_used_again_when_it_returns() {
    let set = start(Options { standbys: 1, apply_delay_ms: 0, synchronous: false }).await;
    // The default check period: the promise is about it.
    let app = app_on(&set, api::config::Config::defaults().replication.db_check_ms).await;
    let token = app.token("demo-committee").await;
    replication::caught_up(&app.config.database_url, &app.config.replication.database_replica_url[0]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (client, base, token) = (app.client.clone(), app.base.clone(), token.clone());
        let (stop, ok, failed, failures) = (stop.clone(), ok.clone(), failed.clone(), failures.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let sent = client
                    .post(format!("{base}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({ "query": READ }))
                    .send()
                    .await;
                let body: Value = match sent {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(e) => json!({ "transport": e.to_string() }),
                };
                if body["data"]["projects"]["edges"].is_array() && body["errors"].is_null() {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    failures.lock().expect("lock").push(body);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let figures = || app.db.cluster.as_ref().expect("cluster").figures().remove(0);
    assert!(figures().statements > 0, "the load reads the standby");

    // The standby dies (as a crash would).
    let killed = Instant::now();
    tokio::task::spawn_blocking({
        let standby = set.standbys[0].clone();
        move || standby.kill()
    })
    .await
    .expect("kill");
    while figures().up {
        assert!(killed.elapsed() < Duration::from_secs(2), "the lost standby was not taken out within 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out_after = killed.elapsed();
    let ok_at_loss = ok.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(ok.load(Ordering::Relaxed) > ok_at_loss, "reads go on without the standby (on the primary)");

    // It returns: reads are back on it within 5 s, with no restart.
    tokio::task::spawn_blocking({
        let standby = set.standbys[0].clone();
        move || standby.start()
    })
    .await
    .expect("start");
    let back = Instant::now();
    let served = figures().statements;
    while figures().statements == served {
        assert!(back.elapsed() < Duration::from_secs(5), "reads not back on the standby within 5 s of its return");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let back_after = back.elapsed();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client");
    }
    // No request failed beyond those in flight on the standby when it died
    // (and those are read again on the primary: none expected at all).
    let failed = failed.load(Ordering::Relaxed);
    assert!(failed <= 16, "{failed} failed reads: {:?}", failures.lock().expect("lock").first());
    eprintln!(
        "standby loss: {} reads, {failed} failed, out after {out_after:?}, back after {back_after:?}, {} retried on the primary",
        ok.load(Ordering::Relaxed),
        figures().retried
    );
}
