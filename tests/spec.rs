//! Response shape per the GraphQL specification: keys in selection order,
//! and field errors propagated to the nearest nullable parent. async-graphql
//! 7.1+ resolves siblings through an unordered future set (keys in completion
//! order, and an erroring non-null field just drops its key), so the project
//! pins 7.0.x, which joins siblings in order and propagates errors upward
//! (see README, "Choices").

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

fn keys(v: &Value) -> Vec<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Sibling fields that resolve at different speeds (database lists, a count,
/// an in-memory field) come back in selection order, every time.
async fn sibling_keys_keep_selection_order(app: TestApp) {
    let token = app.token("demo-resident").await;
    let q = "{ z: regions(first: 5) { totalCount } a: __typename m: me { role community { name } }
               b: projects { totalCount } y: organisations(first: 3) { edges { node { name } } } c: __typename }";
    let body = json!({ "query": q });
    for run in 0..100 {
        let resp = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // serde_json's default map is sorted: read the raw text order instead.
        let order: Vec<usize> =
            ["\"z\"", "\"a\"", "\"m\"", "\"b\"", "\"y\"", "\"c\""].iter().map(|k| resp.find(k).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "run {run}: {resp}");
    }
    let r = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(keys(&r["data"]).len(), 6, "{r}");
}

/// An error in a non-null field nulls its nearest nullable parent; when
/// every ancestor is non-null, `data` itself is null.
async fn errors_propagate_to_the_nearest_nullable_parent(app: TestApp) {
    let token = app.token("demo-resident").await;
    // `community` is nullable; its `children` connection is not.
    let r = app
        .gql(Some(&token), "{ me { role community { name children(first: 101) { totalCount } } } }", json!({}))
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["path"], json!(["me", "community", "children"]), "{r}");
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "{r}");
    assert!(r["data"]["me"].as_object().unwrap().contains_key("community"), "the key stays, as null: {r}");
    assert!(r["data"]["me"]["community"].is_null(), "{r}");
    // `me` is non-null at the root: without a token, data is null.
    let r = app.gql(None, "{ __typename me { role } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r.as_object().unwrap().contains_key("data") && r["data"].is_null(), "{r}");
}

both!(sibling_keys_keep_selection_order, errors_propagate_to_the_nearest_nullable_parent);
