//! Community services through `/graphql`: fixtures here, tests by topic in
//! the modules (the request flow, sessions under concurrency, the batch
//! upload, the change feed).

use serde_json::{Value, json};

use crate::common::TestApp;

mod batch;
mod feed;
mod flow;
mod reach;

pub(crate) const UPSERT: &str = "mutation($r: [DeliveryRecordInput!]!) {
    upsertDeliveryRecords(input: {records: $r}) {
        created updated unchanged errors
        results { index externalId outcome deliveryRecordId error { code field message } } } }";

/// A token of the demo NGO's machine client (client credentials).
pub(crate) async fn ngo_client_token(app: &TestApp) -> String {
    client_token(app, api::seed::DEMO_NGO_CLIENT_ID, api::seed::DEMO_NGO_CLIENT_SECRET).await
}

/// A token of the demo district system.
pub(crate) async fn district_token(app: &TestApp) -> String {
    client_token(app, api::seed::DEMO_CLIENT_ID, api::seed::DEMO_CLIENT_SECRET).await
}

async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    let body: Value =
        app.client.post(format!("{}/oauth/token", app.base)).form(&form).send().await.unwrap().json().await.unwrap();
    body["access_token"].as_str().expect("client token").to_owned()
}

/// The seeded demo service: (service id, session id).
pub(crate) async fn demo_service(app: &TestApp, token: &str) -> (Value, Value) {
    let r = app.gql(Some(token), "{ services(first: 5) { edges { node { id sessions { id } } } } }", json!({})).await;
    let node = &r["data"]["services"]["edges"][0]["node"];
    assert!(node["id"].is_string(), "{r}");
    (node["id"].clone(), node["sessions"][0]["id"].clone())
}

/// Global id of a seeded region by name.
pub(crate) async fn region(app: &TestApp, name: &str) -> String {
    api::graphql::ids::encode("Region", app.region_id(name).await).0
}

/// One delivery record input.
pub(crate) fn record(external_id: &str, service: &Value, community: &str, beneficiaries: i32) -> Value {
    json!({
        "externalId": external_id,
        "serviceId": service,
        "communityId": community,
        "deliveredOn": "2026-11-20",
        "durationMinutes": 90,
        "beneficiaries": beneficiaries,
        "notes": "上门探访",
    })
}

/// Publish a service as `token` in `communities`.
pub(crate) async fn publish(app: &TestApp, token: &str, name: &str, communities: Vec<String>) -> Value {
    app.gql(
        Some(token),
        "mutation($i: ServiceInput!) { publishService(input: $i) { service { id name status fee isFree
            serviceAreas { name } organisation { name } } } }",
        json!({ "i": {
            "name": name, "description": "每周两次", "category": "CULTURE",
            "eligibilityDescription": "本社区居民", "schedule": "周二、周四 14:00–16:00",
            "fee": "1500", "contact": "010-5555 0101", "serviceAreaIds": communities } }),
    )
    .await
}

/// Add a session of `capacity` seats tomorrow.
pub(crate) async fn add_session(app: &TestApp, token: &str, service: &Value, community: &str, capacity: i32) -> Value {
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let r = app
        .gql(
            Some(token),
            "mutation($i: AddServiceSessionInput!) { addServiceSession(input: $i) { session { id capacity booked remaining } } }",
            json!({ "i": { "serviceId": service, "communityId": community,
                "startsAt": start.to_rfc3339(), "endsAt": (start + chrono::Duration::hours(2)).to_rfc3339(),
                "capacity": capacity } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["addServiceSession"]["session"]["id"].clone()
}

/// Ask for a service as `token` (for `resident` when given).
pub(crate) async fn request(app: &TestApp, token: &str, service: &Value, resident: Option<&str>) -> Value {
    app.gql(
        Some(token),
        "mutation($s: ID!, $r: ID) { requestService(input: {serviceId: $s, residentId: $r, note: \"腿脚不便\"}) {
            request { id status resident { username } } } }",
        json!({ "s": service, "r": resident }),
    )
    .await
}
