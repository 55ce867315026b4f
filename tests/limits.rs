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
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("deeper than 12 levels"), "{r}");
    assert!(r["data"].is_null());
}

async fn too_complex_query_is_refused(app: TestApp) {
    let token = app.token("demo-resident").await;
    let q = "{ regions(first: 100) { edges { node { children(first: 100) { edges { node {
        children(first: 100) { edges { node { id name } } } } } } } } } }";
    let r = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
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
    // The body was left unread, so the connection closes after the answer,
    // and the answer says so: the client's next request goes out on a new
    // connection and succeeds (the same keep-alive client, at once).
    assert_eq!(resp.headers().get("connection").map(|v| v.as_bytes()), Some(&b"close"[..]));
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    for _ in 0..3 {
        let resp = app.client.post(&url).json(&json!({ "query": "{ __typename }" })).send().await;
        let resp = resp.expect("the next request on the same client is answered");
        assert_eq!(resp.status(), 200);
    }

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
    assert_eq!(code(&r), "GRAPHQL_PARSE_FAILED", "{r}");
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

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A type reference as GraphQL writes it (`[ID!]!`).
fn type_string(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_string(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_string(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or_default().to_owned(),
    }
}

/// The named type under NON_NULL, and whether there is a list on the way.
fn unwrap_type(t: &Value) -> (bool, &Value) {
    let mut t = t;
    let mut list = false;
    while t["ofType"].is_object() {
        list |= t["kind"] == "LIST";
        t = &t["ofType"];
    }
    (list, t)
}

/// Every list argument of every root field, and every list field of the
/// input objects those take, gets `MAX_LIST` + 1 elements: refused with
/// BAD_USER_INPUT naming the argument or field, before anything runs (so
/// the same request with a valid document changes nothing either); as a
/// variable and, for lists of scalars and enums, as a literal.
async fn every_list_argument_has_a_maximum(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let q = format!(
        "{{ __schema {{ types {{ name kind enumValues {{ name }} inputFields {{ name type {{ {TYPE_REF} }} }}
            fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }} }} }}"
    );
    let r = app.gql(Some(&admin), &q, json!({})).await;
    let types: std::collections::HashMap<String, Value> = r["data"]["__schema"]["types"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or_default().to_owned(), t.clone()))
        .collect();
    let too_many = api::gate::MAX_LIST + 1;
    let element = |named: &Value| -> Option<String> {
        match named["kind"].as_str() {
            Some("ENUM") => types[named["name"].as_str()?]["enumValues"][0]["name"].as_str().map(str::to_owned),
            Some("SCALAR") if named["name"] == "Int" => Some("1".into()),
            Some("SCALAR") => Some("\"1\"".into()),
            _ => None,
        }
    };
    let audit_before = app.audit_count().await;
    let mut walked = 0;
    for (root, op) in [("Query", "query"), ("Mutation", "mutation")] {
        for field in types[root]["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            let selection = match unwrap_type(&field["type"]).1["kind"].as_str() {
                Some("OBJECT" | "INTERFACE" | "UNION") => " { __typename }",
                _ => "",
            };
            for arg in field["args"].as_array().unwrap() {
                let arg_name = arg["name"].as_str().unwrap();
                let (list, named) = unwrap_type(&arg["type"]);
                let ty = type_string(&arg["type"]);
                // The variable is named after the argument: an error names the
                // variable (or the input field) the long list came in.
                let doc = format!("{op}(${arg_name}: {ty}) {{ {name}({arg_name}: ${arg_name}){selection} }}");
                // (variables, the field the error must name)
                let mut cases: Vec<(Value, String)> = Vec::new();
                if list {
                    cases.push((json!(vec![json!("1"); too_many]), arg_name.to_owned()));
                    if let Some(x) = element(named) {
                        let literal = vec![x; too_many].join(", ");
                        let doc = format!("{op} {{ {name}({arg_name}: [{literal}]){selection} }}");
                        let r = app.gql(Some(&admin), &doc, json!({})).await;
                        assert_eq!(code(&r), "BAD_USER_INPUT", "{name}({arg_name}:) literal: {r}");
                        assert_eq!(r["errors"][0]["extensions"]["field"], arg_name, "{name}: {r}");
                        walked += 1;
                    }
                } else if named["kind"] == "INPUT_OBJECT" {
                    for input in types[named["name"].as_str().unwrap()]["inputFields"].as_array().unwrap() {
                        if unwrap_type(&input["type"]).0 {
                            let key = input["name"].as_str().unwrap();
                            cases.push((json!({ key: vec![json!("1"); too_many] }), key.to_owned()));
                        }
                    }
                }
                for (value, field_name) in cases {
                    let r = app.gql(Some(&admin), &doc, json!({ arg_name: value })).await;
                    assert_eq!(code(&r), "BAD_USER_INPUT", "{name}({arg_name}:) {field_name}: {r}");
                    assert_eq!(r["errors"][0]["extensions"]["field"], field_name.as_str(), "{name}: {r}");
                    assert!(r["data"].is_null(), "{name}: {r}");
                    walked += 1;
                }
            }
        }
    }
    assert!(walked >= 20, "only {walked} list arguments and fields");
    assert_eq!(app.audit_count().await, audit_before, "nothing was written");
    // At the maximum, a list goes through (to the field's own checks).
    let ok = vec![json!("Q2hhbmdlOjE="); api::gate::MAX_LIST];
    let r = app.gql(Some(&admin), "query($t: [String!]) { changes(types: $t) { cursor } }", json!({ "t": ok })).await;
    assert_ne!(r["errors"][0]["extensions"]["field"], "t", "{r}");
}

both!(
    every_list_argument_has_a_maximum,
    http_transport_details,
    too_deep_query_is_refused,
    too_complex_query_is_refused,
    page_size_over_100_is_refused,
    mutation_over_get_is_refused,
    oversized_and_malformed_bodies_are_refused,
    batches_are_capped,
);
