//! Residency through `/graphql` (issue 32): people sign up and are
//! verified by their community; invitation codes; the household register
//! with its care data.

mod joining;
mod register;

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::common::TestApp;

pub(crate) const PRIVACY: &str = "2026-12-01";
pub(crate) const PASSWORD: &str = "peach-garden-2026";

/// Run an operation that must succeed; its data.
pub(crate) async fn ok(app: &TestApp, token: Option<&str>, query: &str, vars: Value) -> Value {
    let r = app.gql(token, query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

/// `signUp` with extra input fields merged in; the whole response.
pub(crate) async fn sign_up(app: &TestApp, username: &str, extra: Value) -> Value {
    let mut input = json!({
        "username": username, "password": PASSWORD, "displayName": "新居民", "privacyNoticeVersion": PRIVACY,
    });
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            i.insert(k.clone(), v.clone());
        }
    }
    app.gql(
        None,
        "mutation($i: SignUpInput!) { signUp(input: $i) {
            account { id username } session { accessToken viewer { role community { name } } }
            joinRequest { id status unit number } } }",
        json!({ "i": input }),
    )
    .await
}

/// Global ids of every building by (community, building) name, as `token` reads them.
pub(crate) async fn buildings(app: &TestApp, token: &str) -> HashMap<(String, String), String> {
    let d = ok(
        app,
        Some(token),
        "{ regions(kind: COMMUNITY, first: 50) { edges { node { id name buildings(first: 50) { edges { node { id name } } } } } } }",
        json!({}),
    )
    .await;
    let mut out = HashMap::new();
    for c in d["regions"]["edges"].as_array().into_iter().flatten() {
        for b in c["node"]["buildings"]["edges"].as_array().into_iter().flatten() {
            out.insert(
                (c["node"]["name"].as_str().unwrap().to_owned(), b["node"]["name"].as_str().unwrap().to_owned()),
                b["node"]["id"].as_str().unwrap().to_owned(),
            );
        }
    }
    out
}

pub(crate) fn building(all: &HashMap<(String, String), String>, community: &str, name: &str) -> String {
    all[&(community.to_owned(), name.to_owned())].clone()
}

/// The households `token` may read: (id, building name, unit, number).
pub(crate) async fn households(app: &TestApp, token: &str, args: &str) -> Vec<(String, String, String, String)> {
    let q =
        format!("{{ households(first: 100{args}) {{ edges {{ node {{ id unit number building {{ name }} }} }} }} }}");
    let d = ok(app, Some(token), &q, json!({})).await;
    d["households"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["id"].as_str().unwrap().to_owned(),
                n["building"]["name"].as_str().unwrap_or_default().to_owned(),
                n["unit"].as_str().unwrap().to_owned(),
                n["number"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
