//! Safe retries (issue 32): a mutation sent with an `Idempotency-Key` runs
//! once per principal and key, however often, however concurrently and
//! through whichever server process it arrives; the same key with another
//! request is CONFLICT and changes nothing. Over the WebSocket the key is
//! `extensions.idempotencyKey`.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

const SUBMIT: &str = "mutation($i: SubmitReportInput!) { submitReport(input: $i) { report { id description } } }";

fn body(description: &str) -> Value {
    json!({ "query": SUBMIT, "variables": { "i": { "categoryCode": "REPAIR", "description": description } } })
}

async fn reports(app: &TestApp) -> u64 {
    entity::report::Entity::find().count(&app.db.write).await.unwrap()
}

fn report_id(r: &Value) -> String {
    r["data"]["submitReport"]["report"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

async fn a_retried_report_is_filed_once(app: TestApp) {
    let token = app.token("demo-resident").await;
    let before = reports(&app).await;
    // Sent twice in a row: one report, the same answer twice.
    let key = [("idempotency-key", "phone-1-report-1")];
    let (s1, h1, first) = app.post_with(Some(&token), &key, &body("楼道灯不亮")).await;
    let (s2, h2, second) = app.post_with(Some(&token), &key, &body("楼道灯不亮")).await;
    assert_eq!((s1, s2), (200, 200), "{first} {second}");
    assert_eq!(first, second);
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(reports(&app).await, before + 1);

    // Another request with the same key: CONFLICT, nothing filed.
    let (status, _, r) = app.post_with(Some(&token), &key, &body("电梯坏了")).await;
    assert_eq!((status, code(&r)), (409, "CONFLICT"), "{r}");
    assert_eq!(reports(&app).await, before + 1);

    // Twenty copies at once, through two server processes: one report.
    let peer = app.spawn_peer().await;
    let key = [("idempotency-key", "phone-1-report-2")];
    let same = body("垃圾未清运");
    let copies = futures_util::future::join_all((0..20).map(|i| {
        let server = if i % 2 == 0 { &app } else { &peer };
        server.post_with(Some(&token), &key, &same)
    }))
    .await;
    let ids: std::collections::HashSet<String> = copies.iter().map(|(_, _, r)| report_id(r)).collect();
    assert_eq!(ids.len(), 1, "{copies:?}");
    assert_eq!(reports(&app).await, before + 2);

    // Keys are per principal: another resident's same key is their own.
    let other = app.token("demo-building-head").await;
    let (_, _, r) = app.post_with(Some(&other), &key, &body("垃圾未清运")).await;
    assert!(!ids.contains(&report_id(&r)), "{r}");
    assert_eq!(reports(&app).await, before + 3);

    // The key may also come in the request's extensions (WebSocket-style
    // clients, or where a header cannot be set).
    let mut b = body("路灯不亮");
    b["extensions"] = json!({ "idempotencyKey": "phone-1-report-3" });
    let (_, _, one) = app.post_with(Some(&token), &[], &b).await;
    let (_, h, two) = app.post_with(Some(&token), &[], &b).await;
    assert_eq!(report_id(&one), report_id(&two));
    assert!(h.get("idempotent-replayed").is_some());
    assert_eq!(reports(&app).await, before + 4);

    // A request refused before it ran keeps no answer: fixed, it runs.
    let key = [("idempotency-key", "phone-1-report-4")];
    let bad = json!({ "query": SUBMIT, "variables": { "i": { "categoryCode": "REPAIR" } } });
    let (_, _, r) = app.post_with(Some(&token), &key, &bad).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let (_, _, r) = app.post_with(Some(&token), &key, &body("井盖缺失")).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(reports(&app).await, before + 5);

    // Bad keys are refused up front; queries ignore keys.
    let long = "k".repeat(256);
    let (status, _, r) = app.post_with(Some(&token), &[("idempotency-key", long.as_str())], &body("x")).await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
    let q = json!({ "query": "{ me { role } }" });
    let (_, _, r) = app.post_with(Some(&token), &[("idempotency-key", "phone-1-report-1")], &q).await;
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "{r}");
}

/// Send `payload` (query, variables, extensions) as one graphql-ws
/// operation on a new connection as `token`; the `next` payload.
async fn over_websocket(app: &TestApp, token: &str, payload: Value) -> Value {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    let sub = json!({ "id": "1", "type": "subscribe", "payload": payload });
    let mut sent = false;
    loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.expect("an answer");
        let Some(Ok(Message::Text(t))) = m else { panic!("closed: {m:?}") };
        let v: Value = serde_json::from_str(&t).unwrap();
        match v["type"].as_str() {
            Some("connection_ack") if !sent => {
                ws.send(Message::Text(sub.to_string().into())).await.unwrap();
                sent = true;
            }
            Some("next") => return v["payload"].clone(),
            Some("error") => return json!({ "errors": v["payload"] }),
            _ => {}
        }
    }
}

/// The WebSocket takes the key as `extensions.idempotencyKey`: a retry on a
/// new connection (the phone reconnected) gets the first answer, whether
/// the first went over the WebSocket or over HTTP; another request with
/// the key is CONFLICT.
async fn a_websocket_retry_is_filed_once(app: TestApp) {
    let token = app.token("demo-resident").await;
    let before = reports(&app).await;
    let mut b = body("消防通道被占");
    b["extensions"] = json!({ "idempotencyKey": "ws-report-1" });
    let first = over_websocket(&app, &token, b.clone()).await;
    let again = over_websocket(&app, &token, b.clone()).await;
    assert_eq!(report_id(&first), report_id(&again), "{first} {again}");
    let (_, h, http) = app.post_with(Some(&token), &[], &b).await;
    assert_eq!(report_id(&http), report_id(&first));
    assert!(h.get("idempotent-replayed").is_some());
    assert_eq!(reports(&app).await, before + 1);
    let mut other = body("另一件事");
    other["extensions"] = json!({ "idempotencyKey": "ws-report-1" });
    let r = over_websocket(&app, &token, other).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(reports(&app).await, before + 1);
}

both!(a_retried_report_is_filed_once, a_websocket_retry_is_filed_once);
