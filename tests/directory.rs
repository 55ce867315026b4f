//! The region tree, buildings, organisations and cursor pagination.

use serde_json::json;

use crate::both;
use crate::common::{TestApp, code};

async fn region_tree_and_service_areas(app: TestApp) {
    let token = app.token("demo-resident").await;
    // Clients size nested lists explicitly: each list multiplies the cost
    // of what is inside it by its page size.
    let q = "{ regions(kind: DISTRICT, first: 1) { edges { node { name children(first: 5) { totalCount edges { node {
        name kind children(first: 5) { edges { node { name buildings(first: 5) { totalCount } } } } } } } } } } }";
    let r = app.gql(Some(&token), q, json!({})).await;
    let district = &r["data"]["regions"]["edges"][0]["node"];
    assert_eq!(district["name"], "和平区", "{r}");
    assert_eq!(district["children"]["totalCount"], 2);
    let east = &district["children"]["edges"][0]["node"];
    assert_eq!(east["kind"], "STREET");
    assert_eq!(east["children"]["edges"][0]["node"]["buildings"]["totalCount"], 3);

    let q =
        "{ organisations(kind: PROPERTY_COMPANY) { edges { node { name serviceArea { edges { node { name } } } } } } }";
    let r = app.gql(Some(&token), q, json!({})).await;
    let org = &r["data"]["organisations"]["edges"][0]["node"];
    assert_eq!(org["name"], "安居物业", "{r}");
    let served: Vec<&str> =
        org["serviceArea"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap()).collect();
    assert_eq!(served, ["桃园社区", "河湾社区"]);
}

async fn cursor_pagination_walks_forward_and_back(app: TestApp) {
    let token = app.token("demo-resident").await;
    let q = "query($a: String, $b: String, $f: Int, $l: Int) { buildings(after: $a, before: $b, first: $f, last: $l) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { name } } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let r = app.gql(Some(&token), q, json!({ "a": after, "f": 4 })).await;
        let page = &r["data"]["buildings"];
        assert_eq!(page["totalCount"], 9, "{r}");
        for e in page["edges"].as_array().unwrap() {
            seen.push(e["node"]["name"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 9);
    let r = app.gql(Some(&token), q, json!({ "l": 2 })).await;
    assert_eq!(r["data"]["buildings"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(r["data"]["buildings"]["pageInfo"]["hasPreviousPage"], true);
    let r = app.gql(Some(&token), q, json!({ "a": "garbage" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert_eq!(r["errors"][0]["extensions"]["field"], "after");
}

/// On a first page `totalCount` comes with the page's own query (`COUNT(*)
/// OVER ()`): it costs no statement. Past a cursor it is a COUNT of its
/// own. The least of three runs each, so a background sweep cannot add.
async fn total_count_of_a_first_page_costs_no_statement(app: TestApp) {
    let token = app.token("demo-resident").await;
    let cost = |q: &'static str, vars: serde_json::Value| {
        let (app, token) = (&app, &token);
        async move {
            let mut fewest = u64::MAX;
            for _ in 0..3 {
                let before = app.db.statement_count();
                let r = app.gql(Some(token), q, vars.clone()).await;
                assert!(r["errors"].is_null(), "{r}");
                fewest = fewest.min(app.db.statement_count() - before);
            }
            fewest
        }
    };
    let plain = cost("{ buildings(first: 4) { edges { node { name } } } }", json!({})).await;
    let counted = cost("{ buildings(first: 4) { totalCount edges { node { name } } } }", json!({})).await;
    assert_eq!(counted, plain, "totalCount on a first page");
    let r = app.gql(Some(&token), "{ buildings(first: 4) { pageInfo { endCursor } } }", json!({})).await;
    let after = r["data"]["buildings"]["pageInfo"]["endCursor"].clone();
    let q = "query($a: String) { buildings(first: 4, after: $a) { totalCount edges { node { name } } } }";
    assert_eq!(cost(q, json!({ "a": after })).await, plain + 1, "totalCount past a cursor is a COUNT");
}

async fn node_lookup_by_global_id(app: TestApp) {
    let token = app.token("demo-resident").await;
    let r = app.gql(Some(&token), "{ me { community { id } account { id } } }", json!({})).await;
    let ids = json!([r["data"]["me"]["community"]["id"], r["data"]["me"]["account"]["id"], "bm9wZTox"]);
    let r = app
        .gql(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Region { name } ... on Account { username } } }",
            json!({ "ids": ids }),
        )
        .await;
    let nodes = r["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["name"], "桃园社区", "{r}");
    assert_eq!(nodes[1]["username"], "demo-resident");
    assert!(nodes[2].is_null());
    // `node` is nullable, as Relay expects: an unknown id is null, no error.
    let r = app.gql(Some(&token), "{ node(id: \"garbage\") { id } }", json!({})).await;
    assert!(r["errors"].is_null() && r["data"]["node"].is_null(), "{r}");

    // `nodes` costs one statement per type, not one per id.
    let r = app
        .gql(
            Some(&token),
            "{ buildings(first: 100) { edges { node { id } } } regions(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let mut all: Vec<serde_json::Value> = Vec::new();
    for list in ["buildings", "regions"] {
        all.extend(r["data"][list]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()));
    }
    assert_eq!(all.len(), 15);
    let before = app.db.statement_count();
    let r = app.gql(Some(&token), "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": all })).await;
    let statements = app.db.statement_count() - before;
    assert_eq!(r["data"]["nodes"].as_array().unwrap().iter().filter(|n| n.is_object()).count(), 15, "{r}");
    assert!(statements <= 2, "{statements} statements for 15 nodes of 2 types");
}

both!(
    region_tree_and_service_areas,
    cursor_pagination_walks_forward_and_back,
    total_count_of_a_first_page_costs_no_statement,
    node_lookup_by_global_id
);
