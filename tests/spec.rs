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
    // `project` is non-null at the root: when it fails, data is null.
    let r = app.gql(Some(&token), "{ __typename project(id: \"UHJvamVjdDo5OTk5OTk=\") { id } }", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r.as_object().unwrap().contains_key("data") && r["data"].is_null(), "{r}");
}

both!(sibling_keys_keep_selection_order, errors_propagate_to_the_nearest_nullable_parent);

/// graphql-js's `getIntrospectionQuery` with every option (descriptions,
/// `specifiedByURL`, directive repeatability, deprecated input values):
/// 14 levels deep through `TypeRef`.
const GRAPHQL_JS_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}"#;

/// Apollo's (`apollo-client` / Rover) introspection query, without descriptions.
const APOLLO_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name
  fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name } } } } } } }
}"#;

/// Stock introspection passes at the default depth limit (12), measured
/// apart from data; a deep data query is still refused.
async fn stock_introspection_passes_deep_data_does_not(app: TestApp) {
    let token = app.token("demo-resident").await;
    for q in [GRAPHQL_JS_INTROSPECTION, APOLLO_INTROSPECTION] {
        let r = app.gql(Some(&token), q, json!({})).await;
        assert!(r["errors"].is_null(), "{r}");
        let types = r["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "Report") && types.len() > 100, "{}", types.len());
        // Without a token, the anonymous schema (sign-in, sign-up, the directory).
        let r = app.gql(None, q, json!({})).await;
        assert!(r["errors"].is_null(), "{r}");
        let types = r["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().all(|t| t["name"] != "Report") && types.len() > 20, "{}", types.len());
    }
    // Twenty levels of real fields: a region's parent's parent's ...
    let q = format!("{}id{}", "parent { ".repeat(18), " }".repeat(18));
    let r = app.gql(Some(&token), &format!("{{ me {{ region {{ {q} }} }} }}"), json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("deeper than 12 levels"), "{r}");
}

both!(stock_introspection_passes_deep_data_does_not);

/// GraphQL over HTTP: `application/graphql-response+json` when the client
/// accepts it, with 400 for a request that could not be executed; legacy
/// `application/json` with 200 otherwise.
async fn graphql_response_media_type(app: TestApp) {
    let token = app.token("demo-resident").await;
    let send = |accept: &'static str, query: &'static str| {
        let (client, url, token) = (app.client.clone(), format!("{}/graphql", app.base), token.clone());
        async move {
            let resp = client
                .post(url)
                .bearer_auth(token)
                .header("Accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap();
            let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
            (resp.status().as_u16(), ct, resp.json::<Value>().await.unwrap())
        }
    };
    let modern = "application/graphql-response+json, application/json;q=0.9";
    let (status, ct, body) = send(modern, "{ __typename }").await;
    assert_eq!((status, ct.as_str()), (200, "application/graphql-response+json"), "{body}");
    let (status, ct, body) = send(modern, "{ noSuchField }").await;
    assert_eq!((status, ct.as_str()), (400, "application/graphql-response+json"), "{body}");
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
    let (status, ct, _) = send("application/json", "{ noSuchField }").await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    // A field error (here: a page too large) is not a request error: the
    // operation ran, so 200, with the error's path.
    let (status, _, body) = send(modern, "{ me { role community { children(first: 101) { totalCount } } } }").await;
    assert_eq!((status, &body["errors"][0]["path"]), (200, &json!(["me", "community", "children"])), "{body}");
}

both!(graphql_response_media_type);

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Apollo's automatic persisted queries: not found → sent with its text →
/// found by hash, over POST and GET.
async fn automatic_persisted_queries(app: TestApp) {
    let q = "query Regions { regions(first: 2) { totalCount } }";
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(q) } });
    let token = app.token("demo-resident").await;
    let t = Some(token.as_str());
    let (status, r) = app.post_json(t, &json!({ "extensions": ext })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["errors"][0]["message"], "PersistedQueryNotFound", "{r}");
    assert_eq!(code(&r), "PERSISTED_QUERY_NOT_FOUND");
    let (status, r) = app.post_json(t, &json!({ "query": q, "extensions": ext })).await;
    assert_eq!(status, 200, "{r}");
    let total = r["data"]["regions"]["totalCount"].clone();
    assert!(total.as_i64().is_some_and(|n| n > 0), "{r}");
    let (_, r) = app.post_json(t, &json!({ "extensions": ext })).await;
    assert_eq!(r["data"]["regions"]["totalCount"], total, "found by hash: {r}");
    let url = format!("{}/graphql?extensions={}", app.base, urlencode(&ext.to_string()));
    let r: Value = app.client.get(url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["data"]["regions"]["totalCount"], total, "GET by hash: {r}");
    // A hash that does not match its text is refused.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ __typename }") } });
    let (status, r) = app.post_json(t, &json!({ "query": q, "extensions": wrong })).await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Trusted documents: only the manifest's operations run, by hash or text.
async fn trusted_documents_only(app: TestApp) {
    let q = "query Me { me { role } }";
    let manifest = json!({ "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{ "id": sha256(q), "body": q, "name": "Me", "type": "query" }] });
    let path = app.config.data_dir.join("trusted.json");
    std::fs::write(&path, manifest.to_string()).unwrap();
    let mut config = app.config.clone();
    config.trusted_documents = Some(path);
    let trusted = app.spawn_peer_with(config).await;
    let token = app.token("demo-resident").await;
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(q) } });
    let (status, r) = trusted.post_json(Some(&token), &json!({ "extensions": ext })).await;
    assert_eq!((status, &r["data"]["me"]["role"]), (200, &json!("RESIDENT")), "by hash: {r}");
    let (_, r) = trusted.post_json(Some(&token), &json!({ "query": q })).await;
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "by text: {r}");
    let (status, r) = trusted.post_json(Some(&token), &json!({ "query": "{ me { role } }" })).await;
    assert_eq!((status, code(&r)), (403, "FORBIDDEN"), "another text: {r}");
    let other = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ __typename }") } });
    let (status, r) = trusted.post_json(Some(&token), &json!({ "extensions": other })).await;
    assert_eq!((status, code(&r)), (403, "FORBIDDEN"), "an unknown hash: {r}");
}

both!(automatic_persisted_queries, trusted_documents_only);

/// GraphiQL is served entirely by the binary: the page references no
/// external URL, and every asset it references loads.
async fn graphiql_works_offline(app: TestApp) {
    let page = app.client.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let refs: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/") || s.starts_with("http://") || s.starts_with("https://"))
        .collect();
    assert!(refs.iter().all(|r| r.starts_with("/graphiql/")), "external references: {refs:?}");
    assert_eq!(refs.len(), 4, "{refs:?}");
    for r in refs.iter().chain(["/graphiql/LICENSE-graphiql", "/graphiql/LICENSE-react"].iter()) {
        let resp = app.client.get(format!("{}{r}", app.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{r}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        let body = resp.bytes().await.unwrap();
        assert!(!body.is_empty(), "{r}");
        if r.ends_with(".js") {
            assert!(ct.starts_with("text/javascript"), "{r}: {ct}");
        }
    }
    let missing = app.client.get(format!("{}/graphiql/nothing.js", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

both!(graphiql_works_offline);
