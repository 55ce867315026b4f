//! Every path that reaches a service answers as `node(id:)` does, and the
//! feed and the totals reach whom the README says (issue 34): a PAUSED
//! service through a delivery record, services in the change feed of
//! committees and offices, `deliveryTotals` for property companies, and
//! NOT_FOUND for a region outside the caller's scope.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};
use crate::notices::gid;

const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";
const RECORDS: &str = "{ deliveryRecords { edges { node { externalId service { id name sessions { id } } } } } }";
const FEED: &str = "query($t: [String!]) { changes(first: 100, types: $t) { changes { kind objectType objectId } } }";
const TOTALS: &str = "query($r: ID) { deliveryTotals(regionId: $r) { records beneficiaries } }";

fn update(service: &Value, peach: &str, status: &str) -> Value {
    json!({ "i": { "serviceId": service, "status": status, "service": {
        "name": "书法班", "description": "每周两次", "category": "CULTURE", "serviceAreaIds": [peach] } } })
}

const UPDATE: &str = "mutation($i: UpdateServiceInput!) { updateService(input: $i) { service { status } } }";

async fn a_paused_service_is_out_of_a_residents_reach_by_every_path(app: TestApp) {
    let ngo = app.token("demo-ngo").await;
    let resident = app.token("demo-resident").await;
    let peach = region(&app, "桃园社区").await;
    let r = publish(&app, &ngo, "书法班", vec![peach.clone()]).await;
    let service = r["data"]["publishService"]["service"]["id"].clone();
    assert!(service.is_string(), "{r}");
    let session = add_session(&app, &ngo, &service, &peach, 5).await;
    let mut rec = record("reach-1", &service, &peach, 1);
    rec["residentId"] = json!(gid("Account", app.account_id("demo-resident").await));
    let r = app.gql(Some(&ngo), UPSERT, json!({ "r": [rec] })).await;
    assert_eq!(r["data"]["upsertDeliveryRecords"]["created"], 1, "{r}");

    // ACTIVE: the resident reaches it by its id and through the record.
    let named = |r: &Value| -> Vec<Value> {
        r["data"]["deliveryRecords"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .filter(|e| e["node"]["externalId"] == "reach-1")
            .map(|e| e["node"]["service"].clone())
            .collect()
    };
    let r = app.gql(Some(&resident), NODE, json!({ "id": service })).await;
    assert_eq!(r["data"]["node"]["id"], service, "{r}");
    let r = app.gql(Some(&resident), RECORDS, json!({})).await;
    assert_eq!(named(&r)[0]["id"], service, "{r}");
    assert_eq!(named(&r)[0]["sessions"][0]["id"], session, "{r}");

    // PAUSED: by no path, neither the service nor its session.
    let r = app.gql(Some(&ngo), UPDATE, update(&service, &peach, "PAUSED")).await;
    assert_eq!(r["data"]["updateService"]["service"]["status"], "PAUSED", "{r}");
    for id in [&service, &session] {
        let r = app.gql(Some(&resident), NODE, json!({ "id": id })).await;
        assert!(r["errors"].is_null() && r["data"]["node"].is_null(), "{id}: {r}");
    }
    let r = app.gql(Some(&resident), RECORDS, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(named(&r), vec![Value::Null], "the record stays the resident's, its service is out of reach: {r}");

    // The organisation and the committee still reach it both ways.
    for who in ["demo-ngo", "demo-committee"] {
        let token = app.token(who).await;
        let r = app.gql(Some(&token), NODE, json!({ "id": service })).await;
        assert_eq!(r["data"]["node"]["id"], service, "{who}: {r}");
        let r = app.gql(Some(&token), RECORDS, json!({})).await;
        assert_eq!(named(&r)[0]["id"], service, "{who}: {r}");
    }
}

async fn committees_and_offices_learn_of_services_in_the_feed(app: TestApp) {
    let ngo = app.token("demo-ngo").await;
    let peach = region(&app, "桃园社区").await;
    let r = publish(&app, &ngo, "书法班", vec![peach.clone()]).await;
    let service = r["data"]["publishService"]["service"]["id"].clone();
    app.gql(Some(&ngo), UPDATE, update(&service, &peach, "PAUSED")).await;
    app.gql(Some(&ngo), UPDATE, update(&service, &peach, "ENDED")).await;
    let kinds = |r: &Value| -> Vec<String> {
        r["data"]["changes"]["changes"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .filter(|c| c["objectType"] == "Service" && c["objectId"] == service)
            .map(|c| c["kind"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for who in ["demo-committee", "demo-office", "demo-ngo"] {
        let r = app.gql(Some(&app.token(who).await), FEED, json!({ "t": ["Service"] })).await;
        assert_eq!(kinds(&r), ["CREATED", "UPDATED", "UPDATED"], "{who}: {r}");
    }
    // Not a resident (no feed at all).
    let r = app.gql(Some(&app.token("demo-resident").await), FEED, json!({ "t": ["Service"] })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

async fn delivery_totals_reach_organisations_and_stop_at_the_scope(app: TestApp) {
    let peach = region(&app, "桃园社区").await;
    let river = region(&app, "河湾社区").await;
    let east = region(&app, "东湖街道").await;
    // A property company is an organisation: its own records' totals.
    let r = app.gql(Some(&app.token("demo-property").await), TOTALS, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(r["data"]["deliveryTotals"]["records"], 0, "{r}");
    // A committee: its community, and nothing else exists for it.
    let committee = app.token("demo-committee").await;
    let r = app.gql(Some(&committee), TOTALS, json!({ "r": peach })).await;
    assert!(r["errors"].is_null(), "{r}");
    for other in [&river, &east] {
        let r = app.gql(Some(&committee), TOTALS, json!({ "r": other })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{r}");
        assert!(r["data"].is_null(), "{r}");
    }
    // The office of East: its street and the communities under it.
    let office = app.token("demo-office").await;
    for inside in [&east, &peach] {
        let r = app.gql(Some(&office), TOTALS, json!({ "r": inside })).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    assert_eq!(code(&app.gql(Some(&office), TOTALS, json!({ "r": river })).await), "NOT_FOUND");
    // People who are no organisation read no totals.
    let r = app.gql(Some(&app.token("demo-resident").await), TOTALS, json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

both!(
    a_paused_service_is_out_of_a_residents_reach_by_every_path,
    committees_and_offices_learn_of_services_in_the_feed,
    delivery_totals_reach_organisations_and_stop_at_the_scope
);
