//! A report's lifecycle to a committee's endpoint: every event once, in
//! commit order, signed (a rotation mid-way signs with both secrets); a
//! receiver that is down, then up; a 410 that disables the endpoint.

use serde_json::{Value, json};

use super::*;
use crate::hooked;
use crate::projects::{Actors, organisation_id};
use crate::reports::{assign, step, submit};

async fn a_reports_lifecycle_arrives_in_order_and_signed(app: TestApp) {
    let rx = Receiver::start().await;
    let a = Actors::login(&app).await;
    let types = ["report.created", "report.status_changed", "report.rated"];
    let (hook, secret) = register(&app, a.t("demo-committee"), &rx.url, &types).await;

    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "楼道灯不亮" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    assert!(!id.is_null(), "{r}");
    step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    let property = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    assign(&app, a.t("demo-committee"), &id, &property).await;
    let first = rx.wait_for(3).await;
    assert_eq!(first.len(), 3, "{first:?}");

    // Rotate: from now on both secrets sign, for the overlap.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapSeconds: 3600) { secret endpoint { previousSecretUntil } } }",
            json!({ "id": hook }),
        )
        .await;
    let new_secret = r["data"]["rotateWebhookSecret"]["secret"].as_str().expect("secret").to_owned();
    assert!(!r["data"]["rotateWebhookSecret"]["endpoint"]["previousSecretUntil"].is_null(), "{r}");
    step(&app, a.t("demo-property"), "startReport", &id, None).await;
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "mutation($id: ID!) { resolveReport(input: {reportId: $id, note: \"换了灯泡\"}) { report { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["resolveReport"]["report"]["status"], "RESOLVED", "{r}");
    let rate = "mutation($id: ID!) { rateReport(input: {reportId: $id, stars: 5}) { report { id } } }";
    app.gql(Some(a.t("demo-resident")), rate, json!({ "id": id })).await;
    step(&app, a.t("demo-resident"), "confirmReport", &id, None).await;

    let got = rx.wait_for(7).await;
    let seen: Vec<(String, Value)> = got
        .iter()
        .map(|g| {
            let b = g.json();
            (b["type"].as_str().unwrap().to_owned(), b["data"]["status"].clone())
        })
        .collect();
    let expected: Vec<(String, Value)> = [
        ("report.created", json!("SUBMITTED")),
        ("report.status_changed", json!("ACCEPTED")),
        ("report.status_changed", json!("ASSIGNED")),
        ("report.status_changed", json!("IN_PROGRESS")),
        ("report.status_changed", json!("RESOLVED")),
        ("report.rated", Value::Null),
        ("report.status_changed", json!("CLOSED")),
    ]
    .iter()
    .map(|(t, s)| (t.to_string(), s.clone()))
    .collect();
    assert_eq!(seen, expected, "commit order, each once");
    assert!(by_id(&got).values().all(|n| *n == 1), "no webhook-id twice");
    for g in &got {
        assert_eq!(g.json()["data"]["id"], id, "the object's global id");
        assert_eq!(g.headers["content-type"], "application/json");
    }
    // Before the rotation: the first secret; after it: either secret.
    for g in &got[..3] {
        assert!(g.verifies_with(&secret) && !g.verifies_with(&new_secret));
    }
    for g in &got[3..] {
        assert!(g.verifies_with(&new_secret), "new secret");
        assert!(g.verifies_with(&secret), "old secret during the overlap");
        assert_eq!(g.headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    }
    // A body altered on the way does not verify.
    let mut forged = got[0].clone();
    forged.body = forged.body.replace("SUBMITTED", "CLOSED");
    assert!(!forged.verifies_with(&secret));

    // The owner reads the log; another organisation does not see the endpoint.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "query($id: ID!) { webhookDeliveries(endpointId: $id) { totalCount edges { node { state attempts webhookId eventType attemptLog { statusCode outcome latencyMs } } } } }",
            json!({ "id": hook }),
        )
        .await;
    assert_eq!(r["data"]["webhookDeliveries"]["totalCount"], 7, "{r}");
    let node = &r["data"]["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!((&node["state"], &node["attempts"]), (&json!("DELIVERED"), &json!(1)), "{r}");
    assert_eq!(node["attemptLog"][0]["statusCode"], 200, "{r}");
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "query($id: ID!) { webhookDeliveries(endpointId: $id) { totalCount } }",
            json!({ "id": hook }),
        )
        .await;
    assert_eq!(crate::common::code(&r), "NOT_FOUND", "{r}");
}

async fn a_receiver_down_then_up_gets_everything_once_and_410_disables(app: TestApp) {
    let rx = Receiver::start().await;
    rx.answer(503);
    let a = Actors::login(&app).await;
    let (hook, _) = register(&app, a.t("demo-committee"), &rx.url, &["report.created"]).await;
    for n in 0..3 {
        let r =
            submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": format!("第{n}件") }))
                .await;
        assert!(r["errors"].is_null(), "{r}");
    }
    // Refused at least twice each, then the receiver comes back.
    for _ in 0..200 {
        if rx.all().len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rx.all().len() >= 6, "retried while down: {}", rx.all().len());
    let e = endpoint(&app, a.t("demo-committee"), &hook).await;
    assert!(e["failureStreak"].as_i64().unwrap() >= 2 && !e["failingSince"].is_null(), "{e}");
    // Operators see it: the queue, the retries, the endpoint's streak.
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    let figure = |name: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    };
    assert!(figure("gongzhi_webhook_queue{figure=\"deliveries_pending\"}") >= 1.0, "{metrics}");
    assert!(figure("gongzhi_webhook_queue{figure=\"oldest_pending_seconds\"}") > 0.0, "{metrics}");
    assert!(figure("gongzhi_webhook_attempts_total{outcome=\"RETRY\"}") >= 2.0, "{metrics}");
    assert!(figure("gongzhi_webhook_endpoint_failure_streak{endpoint=") >= 2.0, "{metrics}");
    rx.answer(200);
    let got = rx.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = rx.accepted();
    assert_eq!(got.len(), 3);
    assert_eq!(got_all.len(), 3, "none twice");
    assert_eq!(by_id(&got_all).len(), 3);
    let down_ids: std::collections::HashSet<String> = rx.all().iter().map(Got::id).collect();
    assert_eq!(down_ids.len(), 3, "the same three webhook-ids on every attempt");
    let e = endpoint(&app, a.t("demo-committee"), &hook).await;
    assert_eq!((&e["failureStreak"], &e["failingSince"]), (&json!(0), &Value::Null), "{e}");

    // 410 Gone: the endpoint is disabled, and its owner sees why.
    rx.answer(410);
    submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "第四件" })).await;
    let mut e = Value::Null;
    for _ in 0..100 {
        e = endpoint(&app, a.t("demo-committee"), &hook).await;
        if e["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!((&e["enabled"], &e["disabledReason"]), (&json!(false), &json!("gone")), "{e}");
    let before = rx.all().len();
    submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "第五件" })).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rx.all().len(), before, "nothing goes to a disabled endpoint");

    // Enabled again, with a test event first.
    rx.answer(200);
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: {url: $u, eventTypes: [\"report.created\"]}) { endpoint { enabled disabledReason } }
              sendTestWebhookEvent(endpointId: $id) { delivery { id eventType state } } }",
            json!({ "id": hook, "u": rx.url }),
        )
        .await;
    assert_eq!(
        r["data"]["updateWebhookEndpoint"]["endpoint"],
        json!({ "enabled": true, "disabledReason": null }),
        "{r}"
    );
    assert_eq!(r["data"]["sendTestWebhookEvent"]["delivery"]["eventType"], "webhook.test", "{r}");
    let got = rx.wait_for(4).await;
    let types: Vec<String> = got.iter().map(|g| g.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types.last().map(String::as_str), Some("webhook.test"), "{types:?}");
    // Events while disabled are not queued for it (the change feed has
    // them); the one answered 410 is FAILED in the log and can be sent again.
    let q = "query($id: ID!) { webhookDeliveries(endpointId: $id, state: FAILED) { edges { node { id lastStatus webhookId } } } }";
    let r = app.gql(Some(a.t("demo-committee")), q, json!({ "id": hook })).await;
    let failed = r["data"]["webhookDeliveries"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(failed.len(), 1, "{r}");
    assert_eq!(failed[0]["node"]["lastStatus"], 410, "{r}");
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { state attempts } } }",
            json!({ "d": failed[0]["node"]["id"] }),
        )
        .await;
    assert_eq!(r["data"]["redeliverWebhook"]["delivery"]["state"], "PENDING", "{r}");
    let got = rx.wait_for(5).await;
    assert_eq!(
        got.last().map(Got::id).as_deref(),
        failed[0]["node"]["webhookId"].as_str(),
        "sent again, same webhook-id"
    );
    // Nobody else may redeliver it.
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { state } } }",
            json!({ "d": failed[0]["node"]["id"] }),
        )
        .await;
    assert_eq!(crate::common::code(&r), "NOT_FOUND", "{r}");
}

hooked!(a_reports_lifecycle_arrives_in_order_and_signed, a_receiver_down_then_up_gets_everything_once_and_410_disables);

/// A server stopping while a receiver is answering waits for the answer and
/// records the attempt (one transaction) before it ends: nothing is left
/// half-recorded, and the delivery is not sent again.
async fn shutdown_records_the_attempt_in_flight(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        allow_local(c);
        c.webhooks.workers = false;
    })
    .await;
    let mut config = app.config.clone();
    config.webhooks.workers = true;
    config.shutdown_grace_secs = 5;
    let db = api::Db::connect(&config).await.unwrap();
    let state = api::AppState::new(db, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::http::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let rx = Receiver::start().await;
    rx.delay(800);
    let a = Actors::login(&app).await;
    register(&app, a.t("demo-committee"), &rx.url, &["report.created"]).await;
    submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "门禁坏了" })).await;
    for _ in 0..200 {
        if !rx.all().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(rx.all().len(), 1, "the attempt is in flight");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let d = {
        use sea_orm::EntityTrait;
        entity::webhook_delivery::Entity::find().all(&app.db.write).await.unwrap()
    };
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].state, entity::enums::WebhookDeliveryState::Delivered, "{d:?}");
    assert_eq!((d[0].attempts, d[0].leased_until), (1, None), "{d:?}");
    assert_eq!(rows(&app, "webhook_attempts").await, 1);
}

mod shutdown_records_the_attempt_in_flight {
    use crate::common::Engine;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::shutdown_records_the_attempt_in_flight(Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::shutdown_records_the_attempt_in_flight(Engine::Postgres).await;
    }
}
