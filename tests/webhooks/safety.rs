//! Who receives what, and where requests may not go.

use serde_json::json;

use super::*;
use crate::common::code;
use crate::hooked;
use crate::projects::{Actors, organisation_id};
use crate::reports::{assign, submit};

async fn endpoints_receive_only_what_their_owner_may_read(app: TestApp) {
    let a = Actors::login(&app).await;
    let (committee, property) = (Receiver::start().await, Receiver::start().await);
    let types = ["report.created", "report.status_changed"];
    register(&app, a.t("demo-committee"), &committee.url, &types).await;
    register(&app, a.t("demo-property"), &property.url, &types).await;

    // A private, anonymous report the property company is never given.
    let input = json!({ "categoryCode": "REPAIR", "description": "邻居噪音", "isPublic": false, "isAnonymous": true });
    let r = submit(&app, a.t("demo-resident"), input).await;
    let private = r["data"]["submitReport"]["report"]["id"].clone();
    assert!(!private.is_null(), "{r}");
    // Another report, assigned to the company.
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "电梯坏了" })).await;
    let theirs = r["data"]["submitReport"]["report"]["id"].clone();
    crate::reports::step(&app, a.t("demo-committee"), "acceptReport", &theirs, None).await;
    let org = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    assign(&app, a.t("demo-committee"), &theirs, &org).await;

    let got = committee.wait_for(4).await;
    assert_eq!(got.len(), 4, "the committee sees both reports");
    let at_company = property.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!at_company.is_empty(), "the company receives its assignment");
    for g in property.all() {
        assert_eq!(g.json()["data"]["id"], theirs, "never the report it may not read: {}", g.body);
    }
    // The anonymous report's event carries no trace of who filed it.
    let anon = got.iter().find(|g| g.json()["data"]["id"] == private).expect("anonymous report's event");
    let data = anon.json()["data"].clone();
    let keys: std::collections::BTreeSet<&str> = data.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["anonymous", "category", "id", "status"].into_iter().collect(), "{data}");
    let resident = app.account_id("demo-resident").await;
    let account = api::graphql::ids::encode("Account", resident).to_string();
    for trace in ["demo-resident", "小王", "王", "1380000", account.as_str()] {
        assert!(!anon.body.contains(trace), "{trace} in {}", anon.body);
    }
    assert!(!anon.body.contains("whsec_") && !anon.body.contains("Bearer"), "no secrets in payloads");
}

async fn who_may_register_what(app: TestApp) {
    let a = Actors::login(&app).await;
    let rx = Receiver::start().await;
    let before = rows(&app, "webhook_endpoints").await;
    // Residents have no endpoints (the field is not in their schema).
    let r = app
        .gql(Some(a.t("demo-resident")), CREATE, json!({ "i": { "url": rx.url, "eventTypes": ["report.created"] } }))
        .await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    // A district system may not receive reports (it cannot read them), but
    // may receive indicator months; unknown types are refused.
    let district = app.client_token(api::seed::DEMO_CLIENT_ID, api::seed::DEMO_CLIENT_SECRET).await;
    let r = app.gql(Some(&district), CREATE, json!({ "i": { "url": rx.url, "eventTypes": ["report.created"] } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(&district), CREATE, json!({ "i": { "url": rx.url, "eventTypes": ["report.deleted"] } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(&district), CREATE, json!({ "i": { "url": rx.url, "eventTypes": [] } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(rows(&app, "webhook_endpoints").await, before, "nothing registered");
    let (id, _) = register(&app, &district, &rx.url, &["indicators.month_frozen", "indicators.month_revised"]).await;
    let r = app.gql(Some(&district), "{ webhookEventTypes { name available } }", json!({})).await;
    let available: Vec<&str> = r["data"]["webhookEventTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["available"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(available.contains(&"indicators.month_frozen") && !available.contains(&"report.created"), "{available:?}");
    // Another owner does not see it.
    let r = app.gql(Some(a.t("demo-committee")), "{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(r["data"]["webhookEndpoints"], json!([]), "{r}");
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
}

hooked!(endpoints_receive_only_what_their_owner_may_read, who_may_register_what);

/// Private, loopback, link-local and metadata addresses are refused when
/// registered, and a host name that resolves to one is refused when
/// connecting; nothing reaches the receiver.
async fn private_addresses_are_refused(app: TestApp) {
    let a = Actors::login(&app).await;
    let before = rows(&app, "webhook_endpoints").await;
    for url in [
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://127.0.0.1/hook",
        "http://hooks.example.org/plain-http",
    ] {
        let r = app
            .gql(Some(a.t("demo-committee")), CREATE, json!({ "i": { "url": url, "eventTypes": ["report.created"] } }))
            .await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{url}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "url", "{r}");
    }
    assert_eq!(rows(&app, "webhook_endpoints").await, before);

    // `localhost` is a name: accepted at registration (plain HTTP to it is
    // allowed here), refused at connect time since it resolves to 127.0.0.1.
    let rx = Receiver::start().await;
    let url = rx.url.replace("127.0.0.1", "localhost");
    let (hook, _) = register(&app, a.t("demo-committee"), &url, &["report.created"]).await;
    submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "路灯坏了" })).await;
    let q = "query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { state lastError attempts } } } }";
    let mut last = Value::Null;
    for _ in 0..100 {
        let r = app.gql(Some(a.t("demo-committee")), q, json!({ "id": hook })).await;
        last = r["data"]["webhookDeliveries"]["edges"][0]["node"].clone();
        if last["attempts"].as_i64().unwrap_or(0) >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["lastError"], "blocked_address", "{last}");
    assert!(rx.all().is_empty(), "nothing reached the receiver");
}

mod private_addresses_are_refused {
    use super::*;
    fn refusing(c: &mut api::Config) {
        super::super::allow_local(c);
        c.webhooks.allow_networks = Vec::new();
        c.webhooks.insecure_hosts = vec!["localhost".into()];
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::private_addresses_are_refused(TestApp::spawn_with(Engine::Sqlite, refusing).await).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::private_addresses_are_refused(TestApp::spawn_with(Engine::Postgres, refusing).await).await;
    }
}
