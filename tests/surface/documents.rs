//! Per-client trusted documents (issue 24): an API client bound to the
//! operations it shipped with runs only those, by text or by hash.

use api::auth::documents::sha256_hex as sha256;
use serde_json::{Value, json};

use crate::common::{TestApp, code};
use crate::projects::Actors;

const SERVICES: &str = "query Services { services(first: 5) { totalCount } }";
const SET: &str = "mutation($c: ID!, $d: [String!]!) { setApiClientDocuments(input: {apiClientId: $c, documents: $d}) { hashes apiClient { trustedDocuments } } }";

async fn client_gid(app: &TestApp, admin: &str, client_id: &str) -> Value {
    let r = app.gql(Some(admin), "{ apiClients(first: 50) { edges { node { id clientId } } } }", json!({})).await;
    r["data"]["apiClients"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["clientId"] == client_id).unwrap()
        ["node"]["id"]
        .clone()
}

async fn a_bound_client_runs_only_its_documents(app: TestApp) {
    let a = Actors::login(&app).await;
    let admin = a.t("demo-admin");
    let ngo_sync = client_gid(&app, admin, api::seed::DEMO_NGO_CLIENT_ID).await;
    let sync = crate::services::ngo_client_token(&app).await;
    let district = crate::services::district_token(&app).await;

    // Who may bind: the platform admin only (the others are not shown it).
    let r = app.gql(Some(a.t("demo-committee")), SET, json!({ "c": ngo_sync, "d": [SERVICES] })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    // A document that is not GraphQL is refused, and nothing is bound.
    let r = app.gql(Some(admin), SET, json!({ "c": ngo_sync, "d": [SERVICES, "{ services("] })).await;
    assert_eq!(
        (code(&r), r["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("documents.1")),
        "{r}"
    );
    assert!(app.gql(Some(&sync), "{ me { role } }", json!({})).await["errors"].is_null());

    let r = app.gql(Some(admin), SET, json!({ "c": ngo_sync, "d": [SERVICES] })).await;
    assert_eq!(r["data"]["setApiClientDocuments"]["hashes"], json!([sha256(SERVICES)]), "{r}");
    assert_eq!(r["data"]["setApiClientDocuments"]["apiClient"]["trustedDocuments"], json!([sha256(SERVICES)]));

    // By text and by hash alone (Apollo's persisted-query extension), POST and GET.
    let r = app.gql(Some(&sync), SERVICES, json!({})).await;
    assert!(r["data"]["services"]["totalCount"].is_number(), "{r}");
    let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(SERVICES) } } });
    let (status, r) = app.post_json(Some(&sync), &by_hash).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["data"]["services"]["totalCount"].is_number(), "{r}");
    let ext = format!("{{\"persistedQuery\":{{\"version\":1,\"sha256Hash\":\"{}\"}}}}", sha256(SERVICES));
    let url = format!("{}/graphql?extensions={}", app.base, urlencode(&ext));
    let resp = app.client.get(url).bearer_auth(&sync).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let r: Value = resp.json().await.unwrap();
    assert!(r["data"]["services"]["totalCount"].is_number(), "{r}");

    // Anything else: refused before it runs, with its own code.
    for q in ["{ me { role } }", "query Services { services(first: 6) { totalCount } }"] {
        let (status, r) = app.post_json(Some(&sync), &json!({ "query": q })).await;
        assert_eq!((status, code(&r)), (403, "UNTRUSTED_OPERATION"), "{q}: {r}");
    }
    let unknown =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256("{ me { role } }") } } });
    let (status, r) = app.post_json(Some(&sync), &unknown).await;
    assert_eq!((status, code(&r)), (403, "UNTRUSTED_OPERATION"), "{r}");
    // Over WebSocket too: its document runs, another does not.
    let mut ws = crate::notices::subscribe(&app.base, &sync, SERVICES).await;
    let m = crate::projects::next_json(&mut ws).await;
    assert!(m["payload"]["data"]["services"]["totalCount"].is_number(), "{m}");
    let mut ws = crate::notices::subscribe(&app.base, &sync, "{ me { role } }").await;
    let m = crate::projects::next_json(&mut ws).await;
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "UNTRUSTED_OPERATION", "{m}");
    // Other clients and people are not bound.
    assert!(app.gql(Some(&district), "{ me { role } }", json!({})).await["errors"].is_null());
    assert!(app.gql(Some(a.t("demo-ngo")), "{ me { role } }", json!({})).await["errors"].is_null());

    // Unbound again, it runs what its role allows.
    let r = app.gql(Some(admin), SET, json!({ "c": ngo_sync, "d": [] })).await;
    assert_eq!(r["data"]["setApiClientDocuments"]["hashes"], json!([]), "{r}");
    assert!(app.gql(Some(&sync), "{ me { role } }", json!({})).await["errors"].is_null());
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

crate::both!(a_bound_client_runs_only_its_documents);
