//! The primary is lost and its synchronous standby promoted under a steady
//! write load, with two API processes that are not restarted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::common::replication::Options;
use crate::projects::{Actors, create_draft, next_json, step_ok, subscribe};

/// What one writer saw: acknowledged titles, and each failure's code and
/// how long it took.
#[derive(Default)]
struct Seen {
    acked: Vec<(String, Instant)>,
    failed: Vec<(String, Duration)>,
}

async fn writer(app: (reqwest::Client, String), token: String, me: usize, stop: Arc<AtomicBool>) -> Seen {
    let (client, base) = app;
    let mut seen = Seen::default();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let title = format!("fo-{me}-{n}");
        let q =
            "mutation($t: String!) { createProject(input: {title: $t, description: \"切换\", category: ELDERLY_CARE,
            budgetFen: 100, locationText: \"1号楼\"}) { project { id } } }";
        let sent = Instant::now();
        let resp = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": q, "variables": { "t": title } }))
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let body: Value = match resp {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => json!({ "errors": [{ "extensions": { "code": format!("transport: {e}") } }] }),
        };
        if body["data"]["createProject"]["project"]["id"].is_string() {
            seen.acked.push((title, Instant::now()));
        } else {
            let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("?").to_owned();
            seen.failed.push((code, sent.elapsed()));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_promoted_standby_takes_the_writes_and_no_acknowledged_write_is_lost() {
    let set = start(Options { standbys: 1, apply_delay_ms: 0, synchronous: true }).await;
    let (primary, standby) = (set.primary.clone(), set.standbys[0].clone());
    let a = TestApp::spawn_on(Some(primary.admin_url()), |c| {
        let name = c.database_url.rsplit('/').next().unwrap_or_default().to_owned();
        c.database_url = format!(
            "postgres://postgres@{},{}/{name}?target_session_attrs=read-write",
            primary.host_port(),
            standby.host_port()
        );
        c.replication.database_replica_url = vec![format!("{}/{name}", standby.admin_url())];
        c.replication.db_check_ms = 200;
    })
    .await;
    let name = a.config.database_url.rsplit('/').next().unwrap_or_default().split('?').next().unwrap_or_default();
    let (on_primary, on_standby) =
        (format!("{}/{name}", primary.admin_url()), format!("{}/{name}", standby.admin_url()));
    replication::caught_up(&on_primary, &on_standby).await;
    replication::all_up(&a).await;
    let b = a.spawn_peer().await;
    replication::all_up(&b).await;

    let actors = Actors::login(&a).await;
    let watched = create_draft(&a, actors.t("demo-resident"), "切换后仍有实时事件").await;
    replication::caught_up(&on_primary, &on_standby).await;
    let mut ws = subscribe(&b, actors.t("demo-resident"), &watched).await;

    // Four clients write steadily, two through each process.
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let app = if i % 2 == 0 { &a } else { &b };
            let target = (app.client.clone(), app.base.clone());
            tokio::spawn(writer(target, actors.t("demo-resident").to_owned(), i, stop.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The primary dies; a second later the operator promotes the standby.
    tokio::task::spawn_blocking(move || primary.kill()).await.expect("kill");
    let lost = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    tokio::task::spawn_blocking({
        let standby = standby.clone();
        move || standby.promote()
    })
    .await
    .expect("promote");
    let promoted = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = Seen::default();
    for w in writers {
        let s = w.await.expect("writer");
        seen.acked.extend(s.acked);
        seen.failed.extend(s.failed);
    }

    // Writes failed fast during the switch, with UNAVAILABLE, and went on
    // after it, through both processes, neither restarted.
    assert!(!seen.failed.is_empty(), "no write failed: was the primary lost?");
    for (code, took) in &seen.failed {
        assert_eq!(code, "UNAVAILABLE", "{:?}", seen.failed);
        assert!(*took < Duration::from_secs(4), "a write took {took:?} to fail");
    }
    let after = seen.acked.iter().filter(|(_, at)| *at > promoted).count();
    assert!(after >= 4, "only {after} writes succeeded after the promotion");
    for app in [&a, &b] {
        assert_eq!(app.db.cluster.as_ref().expect("cluster").switches(), 1, "each process followed the failover");
    }

    // Every acknowledged write is on the new primary.
    let db = sea_orm::Database::connect(&on_standby).await.expect("the new primary");
    let titles: std::collections::HashSet<String> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::project::Entity::find()
            .filter(entity::project::Column::Title.starts_with("fo-"))
            .all(&db)
            .await
            .expect("projects")
            .into_iter()
            .map(|p| p.title)
            .collect()
    };
    let missing: Vec<_> = seen.acked.iter().filter(|(t, _)| !titles.contains(t)).collect();
    assert!(missing.is_empty(), "acknowledged writes lost: {missing:?}");
    let _ = db.close().await;

    // Live events flow again: a change made through A reaches B's subscriber.
    step_ok(&a, actors.t("demo-resident"), "submitProject", &watched, "PROPOSED").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let msg = next_json(&mut ws).await;
        if msg["payload"]["data"]["projectEvents"]["status"] == "PROPOSED" {
            break;
        }
        assert!(Instant::now() < deadline, "no live event after the failover");
    }
    let slowest = seen.failed.iter().map(|(_, d)| *d).max().unwrap_or_default();
    eprintln!(
        "failover: {} writes acknowledged ({after} after the promotion), {} failed (slowest {slowest:?}), primary lost for {:?}",
        seen.acked.len(),
        seen.failed.len(),
        promoted - lost
    );
}
