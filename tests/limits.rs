//! Request-level refusals: limits, malformed requests, mutations over GET.

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

async fn too_deep_query_is_refused(app: TestApp) {
    let token = app.token("demo-resident").await;
    let mut q = String::from("id");
    for _ in 0..14 {
        q = format!("parent {{ {q} }}");
    }
    let r = app.gql(Some(&token), &format!("{{ me {{ community {{ {q} }} }} }}"), json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("deeper than 12 levels"), "{r}");
    assert!(r["data"].is_null());
}

async fn too_complex_query_is_refused(app: TestApp) {
    let token = app.token("demo-resident").await;
    let q = "{ regions(first: 100) { edges { node { children(first: 100) { edges { node {
        children(first: 100) { edges { node { id name } } } } } } } } } }";
    let r = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("too complex"), "{r}");
}

async fn page_size_over_100_is_refused(app: TestApp) {
    let token = app.token("demo-resident").await;
    let r = app.gql(Some(&token), "{ regions(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "first");
    let r = app.gql(Some(&token), "{ regions(last: 1000) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(&token), "{ regions(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["regions"]["totalCount"], 6, "{r}");
}

async fn mutation_over_get_is_refused(app: TestApp) {
    let before = app.audit_count().await;
    let q = "mutation { login(input: {username: \"demo-resident\", password: \"demo-password\"}) { accessToken } }";
    let resp = app.client.get(format!("{}/graphql", app.base)).query(&[("query", q)]).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(app.audit_count().await, before, "nothing happened");
    // Queries over GET work.
    let token = app.token("demo-resident").await;
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .query(&[("query", "{ me { role } }")])
        .send()
        .await
        .unwrap();
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "{r}");
}

async fn oversized_and_malformed_bodies_are_refused(app: TestApp) {
    let url = format!("{}/graphql", app.base);
    let huge = json!({ "query": format!("{{ me {{ role }} }} #{}", "x".repeat(app.config.max_body_bytes)) });
    let resp = app.client.post(&url).json(&huge).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    let resp = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"query\": \"{ me { role } }\"")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    // A syntactically broken query gets a code too.
    let r = app.gql(None, "{ me { role ", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
}

async fn batches_are_capped(app: TestApp) {
    let token = app.token("demo-resident").await;
    let one = json!({ "query": "{ me { role } }" });
    let (status, r) = app.post_json(Some(&token), &json!([one, one])).await;
    assert_eq!(status, 200);
    assert_eq!(r[1]["data"]["me"]["role"], "RESIDENT", "{r}");
    let many: Vec<Value> = (0..=app.config.max_batch).map(|_| one.clone()).collect();
    let (status, r) = app.post_json(Some(&token), &Value::Array(many)).await;
    assert_eq!(status, 400);
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
}

/// GraphQL over HTTP details: `operationName` on GET, a GET without a
/// query, `Allow` on 405, `WWW-Authenticate` on 401.
async fn http_transport_details(app: TestApp) {
    let token = app.token("demo-resident").await;
    let url = format!("{}/graphql", app.base);
    let doc = "query A { __typename } query B { me { role } }";
    let resp =
        app.client.get(&url).bearer_auth(&token).query(&[("query", doc), ("operationName", "B")]).send().await.unwrap();
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "the named operation ran: {r}");

    let resp = app.client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 400, "a GET without a query");
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    let q = "mutation { logout(input: {refreshToken: \"x\"}) { loggedOut } }";
    let resp = app.client.get(&url).query(&[("query", q)]).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");

    let resp =
        app.client.post(&url).bearer_auth("forged").json(&json!({ "query": "{ me { role } }" })).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
}

/// CORS: a configured origin gets the preflight answer; others get none.
async fn cors_only_for_configured_origins(engine: crate::common::Engine) {
    let app = TestApp::spawn_with(engine, |c| c.cors_origins = vec!["https://console.example.org".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let ok = preflight("https://console.example.org").await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://console.example.org");
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

mod cors {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::cors_only_for_configured_origins(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::cors_only_for_configured_origins(crate::common::Engine::Postgres).await;
    }
}

both!(
    http_transport_details,
    too_deep_query_is_refused,
    too_complex_query_is_refused,
    page_size_over_100_is_refused,
    mutation_over_get_is_refused,
    oversized_and_malformed_bodies_are_refused,
    batches_are_capped,
);
