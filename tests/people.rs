//! Who sees whose accounts and personal data.

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

const ACCOUNTS: &str =
    "{ accounts(first: 100) { totalCount edges { node { id username displayName phone realName } } } }";

fn by_username(r: &Value) -> Vec<(String, Value)> {
    r["data"]["accounts"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no accounts in {r}"))
        .iter()
        .map(|e| (e["node"]["username"].as_str().unwrap().to_owned(), e["node"]["phone"].clone()))
        .collect()
}

async fn resident_sees_own_community_with_phones_masked(app: TestApp) {
    let token = app.token("demo-resident").await;
    let r = app.gql(Some(&token), ACCOUNTS, json!({})).await;
    let rows = by_username(&r);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["demo-resident", "demo-building-head", "demo-committee"], "{r}");
    assert_eq!(r["data"]["accounts"]["totalCount"], 3);
    for (name, phone) in &rows {
        if name == "demo-resident" {
            assert_eq!(phone, "13800000001", "own phone visible");
        } else {
            assert_eq!(phone, &Value::Null, "{name}'s phone must be masked");
        }
    }
    // Another community's resident is invisible, also by id.
    let admin = app.token("demo-admin").await;
    let all = app.gql(Some(&admin), ACCOUNTS, json!({})).await;
    let river = all["data"]["accounts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["username"] == "demo-resident-river")
        .unwrap()["node"]["id"]
        .clone();
    let r = app.gql(Some(&token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": river })).await;
    assert!(r["errors"].is_null() && r["data"]["node"].is_null(), "invisible is null, like missing: {r}");
    // A resident cannot read others' memberships either.
    let r = app
        .gql(Some(&token), "{ accounts { edges { node { username memberships { totalCount } } } } }", json!({}))
        .await;
    for e in r["data"]["accounts"]["edges"].as_array().unwrap() {
        let own = e["node"]["username"] == "demo-resident";
        assert_eq!(e["node"]["memberships"].is_null(), !own, "{e}");
    }
}

async fn committee_sees_phones_of_its_own_community_only(app: TestApp) {
    let token = app.token("demo-committee").await;
    let r = app.gql(Some(&token), ACCOUNTS, json!({})).await;
    let rows = by_username(&r);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["demo-resident", "demo-building-head", "demo-committee"], "{r}");
    for (name, phone) in &rows {
        assert!(phone.is_string(), "committee sees {name}'s phone");
    }
    let r = app.gql(Some(&token), "{ accounts(search: \"river\") { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["accounts"]["totalCount"], 0);
}

async fn office_sees_its_region_masked_and_admin_sees_all(app: TestApp) {
    let token = app.token("demo-office").await;
    let r = app.gql(Some(&token), ACCOUNTS, json!({})).await;
    let rows = by_username(&r);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    // East Lake street: Peach Garden's people (its party secretary too) and
    // the office itself; not River Bend.
    assert_eq!(names, ["demo-resident", "demo-building-head", "demo-committee", "demo-office", "demo-party"], "{r}");
    for (name, phone) in &rows {
        assert_eq!(phone.is_string(), name == "demo-office", "{name}");
    }
    let admin = app.token("demo-admin").await;
    let r = app.gql(Some(&admin), ACCOUNTS, json!({})).await;
    let rows = by_username(&r);
    assert_eq!(rows.len(), api::seed::DEMO_ACCOUNTS.len());
    assert!(rows.iter().all(|(_, p)| p.is_string()));
}

async fn organisation_sees_its_members_only(app: TestApp) {
    let token = app.token("demo-property").await;
    let r = app.gql(Some(&token), ACCOUNTS, json!({})).await;
    let names: Vec<String> = by_username(&r).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["demo-property"], "{r}");
}

async fn anonymous_sees_nothing(app: TestApp) {
    let r = app.gql(None, ACCOUNTS, json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
    // The directory's regions are public (a person signing up picks one).
    let r = app.gql(None, "{ regions { totalCount } }", json!({})).await;
    assert!(r["data"]["regions"]["totalCount"].as_i64().unwrap() > 0, "{r}");
}

both!(
    resident_sees_own_community_with_phones_masked,
    committee_sees_phones_of_its_own_community_only,
    office_sees_its_region_masked_and_admin_sees_all,
    organisation_sees_its_members_only,
    anonymous_sees_nothing,
);
