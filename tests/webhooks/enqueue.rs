//! The outbox: an event exists if and only if its change committed; two
//! server processes on one PostgreSQL send each event once, each object's
//! events in commit order.

use api::auth::Principal;
use api::reports::graphql::Report;
use api::uow::{Audit, Hook, UnitOfWork};
use api::webhooks::EventType;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use super::*;
use crate::hooked;
use crate::projects::Actors;
use crate::reports::submit;

/// A report of Peach Garden (the committee's community); its database id.
async fn a_report(app: &TestApp, a: &Actors) -> i32 {
    let r = submit(app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "水管漏水" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].as_str().expect("report").to_owned();
    let raw = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id).unwrap();
    String::from_utf8(raw).unwrap().split(':').nth(1).unwrap().parse().unwrap()
}

async fn twenty_failed_writes_enqueue_nothing_and_twenty_commits_twenty(app: TestApp) {
    let a = Actors::login(&app).await;
    let report = a_report(&app, &a).await;
    let before = rows(&app, "webhook_events").await;
    // Each writes its change and its event, then fails before committing.
    let failing = (0..20).map(|n| {
        let db = app.db.clone();
        tokio::spawn(async move {
            let txn = db.write.begin().await.unwrap();
            txn.execute_unprepared(&format!("UPDATE reports SET description = 'changed {n}' WHERE id = {report}"))
                .await
                .unwrap();
            let hook = Hook::of::<Report>(EventType::ReportStatusChanged, report).with("n", n);
            api::webhooks::outbox::write(&txn, vec![hook], chrono::Utc::now()).await.unwrap();
            txn.rollback().await.unwrap();
        })
    });
    for t in futures_util::future::join_all(failing).await {
        t.unwrap();
    }
    assert_eq!(rows(&app, "webhook_events").await, before, "no event without its change");
    let succeeding = (0..20).map(|n| {
        let db = app.db.clone();
        tokio::spawn(async move {
            let p = Principal::system();
            let mut uow = UnitOfWork::begin(&db, &p).await.unwrap();
            uow.txn()
                .execute_unprepared(&format!("UPDATE reports SET description = 'committed {n}' WHERE id = {report}"))
                .await
                .unwrap();
            uow.emit(Hook::of::<Report>(EventType::ReportStatusChanged, report).with("n", n));
            uow.commit(Audit::of::<Report>(api::reports::Verbs::ReportSubmit, report)).await.unwrap();
        })
    });
    for t in futures_util::future::join_all(succeeding).await {
        t.unwrap();
    }
    assert_eq!(rows(&app, "webhook_events").await, before + 20, "one event per commit");
}

hooked!(twenty_failed_writes_enqueue_nothing_and_twenty_commits_twenty);

/// Two processes, both running workers, share 200 events of four objects:
/// each arrives once, and each object's in commit order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_send_each_event_once() {
    let app = hooked_app(Engine::Postgres).await;
    let peer = app.spawn_peer().await;
    let rx = Receiver::start().await;
    let a = Actors::login(&app).await;
    register(&app, a.t("demo-committee"), &rx.url, &["report.status_changed"]).await;
    let mut reports = Vec::new();
    for _ in 0..4 {
        reports.push(a_report(&app, &a).await);
    }
    let writes = (0..200).map(|n| {
        // Half the writes through each process's own connections.
        let db = if n % 2 == 0 { app.db.clone() } else { peer.db.clone() };
        let report = reports[n % 4];
        tokio::spawn(async move {
            let p = Principal::system();
            let mut uow = UnitOfWork::begin(&db, &p).await.unwrap();
            uow.emit(Hook::of::<Report>(EventType::ReportStatusChanged, report).with("n", n));
            uow.commit(Audit::of::<Report>(api::reports::Verbs::ReportSubmit, report)).await.unwrap();
        })
    });
    for t in futures_util::future::join_all(writes).await {
        t.unwrap();
    }
    let got = rx.wait_for(200).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got_all = rx.accepted();
    assert_eq!(got.len(), 200, "all arrived");
    assert_eq!(got_all.len(), 200, "none twice");
    assert!(by_id(&got_all).values().all(|n| *n == 1));
    // Per object, the order of arrival is the order of the events' commits.
    let events = entity::webhook_event::Entity::find_all_ordered(&app).await;
    for r in &reports {
        let key = api::graphql::ids::encode("Report", *r).to_string();
        let committed: Vec<String> = events.iter().filter(|(_, obj)| *obj == key).map(|(id, _)| id.clone()).collect();
        let arrived: Vec<String> =
            got_all.iter().filter(|g| g.json()["data"]["id"] == key.as_str()).map(Got::id).collect();
        assert_eq!(arrived, committed, "report {r}");
    }
    let sent = |t: &TestApp| t.state.counters.webhook_outcomes[0].load(Ordering::Relaxed);
    assert_eq!(sent(&app) + sent(&peer), 200, "each delivery attempted by one process");
}

/// `(webhook-id, data.id)` of every `report.status_changed` event, in id
/// (commit) order.
trait Ordered {
    async fn find_all_ordered(app: &TestApp) -> Vec<(String, String)>;
}

impl Ordered for entity::webhook_event::Entity {
    async fn find_all_ordered(app: &TestApp) -> Vec<(String, String)> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::webhook_event::Entity::find()
            .order_by_asc(entity::webhook_event::Column::Id)
            .all(&app.db.write)
            .await
            .unwrap()
            .into_iter()
            .filter(|v| v.event_type == "report.status_changed")
            .map(|v| {
                let body: Value = serde_json::from_str(&v.payload).unwrap();
                (v.message_id, body["data"]["id"].as_str().unwrap().to_owned())
            })
            .collect()
    }
}
