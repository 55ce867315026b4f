//! Platform administration, the audit log, operational endpoints, the
//! schema file and production safety.

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

const CREATE_REGION: &str = "mutation($n: String!, $c: String!, $p: ID) {
    createRegion(input: {name: $n, code: $c, kind: COMMUNITY, parentId: $p}) { region { id name kind parent { name } } } }";

async fn street_id(app: &TestApp, token: &str) -> Value {
    let r = app.gql(Some(token), "{ regions(kind: STREET) { edges { node { id name } } } }", json!({})).await;
    r["data"]["regions"]["edges"][0]["node"]["id"].clone()
}

async fn audit_log_gets_one_row_per_successful_mutation(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let street = street_id(&app, &admin).await;

    let before = app.audit_count().await;
    let r = app.gql(Some(&admin), CREATE_REGION, json!({ "n": "新社区", "c": "X1", "p": street })).await;
    assert_eq!(r["data"]["createRegion"]["region"]["parent"]["name"], "东湖街道", "{r}");
    assert_eq!(app.audit_count().await, before + 1);

    // The admin reads the log as a feed, newest entry last.
    let r = app
        .gql(
            Some(&admin),
            "{ auditLog(last: 1) { edges { node { action objectType role actor { username } } } } }",
            json!({}),
        )
        .await;
    let entry = &r["data"]["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["action"], "region.create", "{r}");
    assert_eq!(entry["role"], "PLATFORM_ADMIN");
    assert_eq!(entry["actor"]["username"], "demo-admin");

    // Refused: wrong role. Nothing changes, nothing is logged.
    let resident = app.token("demo-resident").await;
    let before = app.audit_count().await;
    let r = app.gql(Some(&resident), CREATE_REGION, json!({ "n": "坏社区", "c": "X2", "p": street })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    // Refused: bad input (duplicate code, empty name, community without parent).
    let r = app.gql(Some(&admin), CREATE_REGION, json!({ "n": "重复", "c": "X1", "p": street })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = app.gql(Some(&admin), CREATE_REGION, json!({ "n": "  ", "c": "X3", "p": street })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "name");
    let r = app.gql(Some(&admin), CREATE_REGION, json!({ "n": "孤儿", "c": "X4", "p": null })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    // Refused: no token.
    let r = app.gql(None, CREATE_REGION, json!({ "n": "匿名", "c": "X5", "p": street })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert_eq!(app.audit_count().await, before, "refused mutations leave no trace");
    let admin_view = app.gql(Some(&admin), "{ regions(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(admin_view["data"]["regions"]["totalCount"], 7);

    // The log is append-only, also for SQL that bypasses the API.
    use sea_orm::{ConnectionTrait, EntityTrait};
    assert!(app.db.write.execute_unprepared("UPDATE audit_log SET action = 'forged'").await.is_err());
    assert!(entity::audit_log::Entity::delete_many().exec(&app.db.write).await.is_err());

    // Residents cannot read the log.
    let r = app.gql(Some(&resident), "{ auditLog { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN);
}

async fn admin_builds_a_community_and_its_people(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let street = street_id(&app, &admin).await;
    let r = app.gql(Some(&admin), CREATE_REGION, json!({ "n": "新桥社区", "c": "N1", "p": street })).await;
    let community = r["data"]["createRegion"]["region"]["id"].clone();
    let r = app
        .gql(
            Some(&admin),
            "mutation($c: ID!) { createBuilding(input: {communityId: $c, name: \"1号楼\"}) { building { id community { name } } } }",
            json!({ "c": community }),
        )
        .await;
    assert_eq!(r["data"]["createBuilding"]["building"]["community"]["name"], "新桥社区", "{r}");
    let building = r["data"]["createBuilding"]["building"]["id"].clone();
    let r = app
        .gql(
            Some(&admin),
            "mutation { createAccount(input: {username: \"new-resident\", displayName: \"新居民\", phone: \"13900000000\", password: \"secret-password\"}) { account { id username } } }",
            json!({}),
        )
        .await;
    let account = r["data"]["createAccount"]["account"]["id"].clone();
    assert!(account.is_string(), "{r}");
    let r = app
        .gql(
            Some(&admin),
            "mutation($a: ID!, $b: ID!) { addMembership(input: {accountId: $a, role: RESIDENT, buildingId: $b}) { membership { role region { name } building { name } } } }",
            json!({ "a": account, "b": building }),
        )
        .await;
    assert_eq!(r["data"]["addMembership"]["membership"]["region"]["name"], "新桥社区", "{r}");

    // The new resident logs in and lands in the new community.
    let r = app
        .gql(
            None,
            "mutation { login(input: {username: \"new-resident\", password: \"secret-password\"}) { viewer { role community { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["login"]["viewer"]["community"]["name"], "新桥社区", "{r}");

    // Bad scopes are refused with the failing field.
    let r = app
        .gql(
            Some(&admin),
            "mutation($a: ID!, $c: ID!) { addMembership(input: {accountId: $a, role: RESIDENT, regionId: $c}) { membership { id } } }",
            json!({ "a": account, "c": community }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "buildingId", "{r}");
    let r = app
        .gql(
            Some(&admin),
            "mutation($a: ID!, $c: ID!) { addMembership(input: {accountId: $a, role: GOVERNMENT_OFFICE, regionId: $c}) { membership { id } } }",
            json!({ "a": account, "c": community }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "regionId", "{r}");
    // Duplicate usernames conflict; weak passwords are refused.
    let r = app
        .gql(
            Some(&admin),
            "mutation { createAccount(input: {username: \"new-resident\", displayName: \"x\", password: \"secret-password\"}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    // Mapped by its constraint name to a message that says what clashed.
    assert_eq!(r["errors"][0]["message"], "username already taken", "{r}");
    let r = app
        .gql(
            Some(&admin),
            "mutation { createAccount(input: {username: \"other\", displayName: \"x\", password: \"short\"}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "password", "{r}");

    // Only admins manage people.
    let committee = app.token("demo-committee").await;
    let r = app
        .gql(
            Some(&committee),
            "mutation { createAccount(input: {username: \"sneaky\", displayName: \"x\", password: \"secret-password\"}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

async fn api_clients_are_created_once_and_revocable(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let r = app.gql(Some(&admin), "{ regions(kind: DISTRICT) { edges { node { id } } } }", json!({})).await;
    let district = r["data"]["regions"]["edges"][0]["node"]["id"].clone();
    let r = app
        .gql(
            Some(&admin),
            "mutation($r: ID!) { createApiClient(input: {name: \"区大数据中心\", role: DISTRICT_SYSTEM, regionId: $r}) { clientSecret apiClient { id clientId } } }",
            json!({ "r": district }),
        )
        .await;
    let payload = &r["data"]["createApiClient"];
    let (id, client_id, secret) = (
        payload["apiClient"]["id"].clone(),
        payload["apiClient"]["clientId"].as_str().unwrap().to_owned(),
        payload["clientSecret"].as_str().unwrap().to_owned(),
    );
    let url = format!("{}/oauth/token", app.base);
    let form = [("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)];
    assert_eq!(app.client.post(&url).form(&form).send().await.unwrap().status(), 200);
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { revokeApiClient(input: {apiClientId: $id}) { apiClient { revokedAt } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(r["data"]["revokeApiClient"]["apiClient"]["revokedAt"].is_string(), "{r}");
    assert_eq!(app.client.post(&url).form(&form).send().await.unwrap().status(), 401);
    let ngo = app.token("demo-ngo").await;
    let r = app.gql(Some(&ngo), "{ apiClients { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN);
}

async fn health_readiness_and_metrics(app: TestApp) {
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let resp = get("/graphql?query=%7B%20me%20%7B%20role%20%7D%20%7D").await.unwrap();
    assert!(resp.headers().contains_key("x-request-id"));
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(text.contains("gongzhi_http_requests_total"), "{text}");
    assert!(text.contains("gongzhi_graphql_errors_total{code=\"UNAUTHENTICATED\"}"), "{text}");
    let graphiql = get("/").await.unwrap();
    assert_eq!(graphiql.status(), 200);
}

both!(
    audit_log_gets_one_row_per_successful_mutation,
    admin_builds_a_community_and_its_people,
    api_clients_are_created_once_and_revocable,
    health_readiness_and_metrics,
);

#[test]
fn schema_file_matches_the_code() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        on_disk == api::schema::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

/// The house stays easy to walk through (ARCHITECTURE.md): no source file
/// under api/src over 450 lines (a part that grows becomes a folder), and
/// the GraphQL kernel never names the domain registry.
#[test]
fn source_files_stay_small_and_the_kernel_names_no_domain() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 50, "{root:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = text.lines().count();
        assert!(lines <= 450, "{} has {lines} lines: split it into a folder", f.display());
        if f.starts_with(root.join("graphql")) {
            assert!(!text.contains("crate::domains"), "{} names the registry", f.display());
        }
    }
}

#[test]
fn production_refuses_default_secrets() {
    let mut config = api::Config::defaults();
    config.production = true;
    assert!(config.validate().is_err());
    config.jwt_secret = Some("short".into());
    assert!(config.validate().is_err());
    config.jwt_secret = Some(api::config::DEV_JWT_SECRET.into());
    assert!(config.validate().is_err(), "the published development secret is refused in production");
    config.jwt_secret = Some("x".repeat(48));
    assert!(config.validate().is_ok());
    assert!(!config.graphiql_enabled() && !config.introspection_enabled() && !config.seed_demo_enabled());
    config.introspection = Some(true);
    assert!(config.introspection_enabled());
}

#[tokio::test]
async fn production_turns_introspection_and_graphiql_off() {
    let app = TestApp::spawn_with(crate::common::Engine::Sqlite, |c| {
        c.production = true;
        c.jwt_secret = Some("p".repeat(40));
    })
    .await;
    let token = app.token("demo-resident").await;
    // Refused with an error, not answered `__schema: null`.
    let (status, r) = app.post_json(Some(&token), &json!({ "query": "{ __schema { queryType { name } } }" })).await;
    assert_eq!((status, code(&r)), (400, "GRAPHQL_VALIDATION_FAILED"), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("introspection is disabled"), "{r}");
    // `__typename` is not introspection of the schema and still works.
    let r = app.gql(Some(&token), "{ __typename }", json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(app.client.get(format!("{}/", app.base)).send().await.unwrap().status(), 404);
    // No field suggestions either.
    let r = app.gql(Some(&token), "{ mee { role } }", json!({})).await;
    assert!(!r["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{r}");
}

/// One access line per request with its request id, operation and
/// principal, and a warning for a forged token; never a token in the logs.
async fn access_lines_and_security_warnings(app: TestApp) {
    let token = app.token("demo-resident").await;
    let rid = format!("test-{}", uuid::Uuid::new_v4());
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .header("x-request-id", &rid)
        .json(&json!({ "query": "query Me { me { role } }", "operationName": "Me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let last = if token.ends_with('A') { "B" } else { "A" };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    let bad_rid = format!("test-{}", uuid::Uuid::new_v4());
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&forged)
        .header("x-request-id", &bad_rid)
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let logs = crate::common::logs();
    let lines: Vec<Value> =
        logs.lines().filter(|l| l.contains(&rid)).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "one access line: {lines:?}");
    let f = &lines[0]["fields"];
    assert_eq!(
        (&f["method"], &f["path"], &f["status"], &f["operation"], &f["operation_type"], &f["principal"]),
        (&json!("POST"), &json!("/graphql"), &json!(200), &json!("Me"), &json!("query"), &json!("account")),
        "{f}"
    );
    assert!(f["principal_id"].as_i64().is_some() && f["duration_ms"].as_f64().is_some(), "{f}");
    assert!(
        logs.lines().any(|l| l.contains(&bad_rid) && l.contains("\"status\":401")),
        "the refused request is logged"
    );
    assert!(logs.lines().any(|l| l.contains("invalid bearer token") && l.contains("WARN")), "a security warning");
    assert!(!logs.contains(&token) && !logs.contains(&forged), "no token in the logs");
}

both!(access_lines_and_security_warnings);

/// `/metrics` behind a token, with process, pool, WebSocket, per-operation
/// and rejection figures, as Prometheus text.
async fn metrics_families_behind_a_token(app: TestApp) {
    let get = |auth: Option<&'static str>| {
        let (client, url) = (app.client.clone(), format!("{}/metrics", app.base));
        async move {
            let mut req = client.get(url);
            if let Some(a) = auth {
                req = req.bearer_auth(a);
            }
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    assert_eq!(get(None).await.0, 401);
    assert_eq!(get(Some("wrong")).await.0, 401);
    let token = app.token("demo-resident").await;
    app.gql(Some(&token), "query Me { me { role } }", json!({})).await;
    let (status, _) = app.post_json(None, &json!({ "query": "{ me" })).await;
    assert_eq!(status, 400);
    // One live subscription over one WebSocket.
    let _ws = crate::notices::subscribe(&app.base, &token, "subscription { noticeEvents { kind } }").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, text) = get(Some("metrics-secret")).await;
    assert_eq!(status, 200);
    for family in [
        "gongzhi_websocket_connections 1",
        "gongzhi_graphql_subscriptions 1",
        "gongzhi_process{figure=\"resident_memory_bytes\"}",
        "gongzhi_process{figure=\"open_fds\"}",
        "gongzhi_db_pool_connections{pool=\"read\",state=\"idle\"}",
        "gongzhi_websocket_connections",
        "gongzhi_graphql_operations_total{operation=\"Me\",type=\"query\"} 1",
        "gongzhi_graphql_operation_duration_seconds_count{operation=\"Me\"} 1",
        "gongzhi_http_rejected_total{code=\"GRAPHQL_PARSE_FAILED\"}",
    ] {
        assert!(text.contains(family), "{family} missing in\n{text}");
    }
    // Prometheus text: every sample line is a name (with labels) and a number.
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let value = line.rsplit_once(' ').map(|(_, v)| v).unwrap_or_default();
        assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
    }
    // At rest no request connection is in use: the LISTEN connection of
    // live events (PostgreSQL) is outside the pool. (A background sweep may
    // hold one for a moment, so one idle reading of ten suffices.)
    let mut idle = false;
    for _ in 0..10 {
        let (_, text) = get(Some("metrics-secret")).await;
        if text.contains("gongzhi_db_pool_connections{pool=\"read\",state=\"in_use\"} 0") {
            idle = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(idle, "a request connection stays in use at rest");
}

mod metrics_families_behind_a_token {
    fn with_token(c: &mut api::Config) {
        c.metrics_token = Some("metrics-secret".into());
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, with_token).await;
        super::metrics_families_behind_a_token(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, with_token).await;
        super::metrics_families_behind_a_token(app).await;
    }
}

/// A read abandoned halfway through its result (the client went away, a
/// timeout fired) leaves nothing behind for the next statement on the same
/// connection: on PostgreSQL the read lane is drained before its next use.
/// One connection, so the second statement must reuse the first's.
async fn an_abandoned_read_does_not_spoil_the_next(engine: crate::common::Engine) {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn_with(engine, |c| c.db_max_connections = 1).await;
    let reads = &app.db.read;
    let backend = reads.get_database_backend();
    // A result that arrives in part and then stalls (PostgreSQL sends the
    // rows it has while it sleeps), or one long enough to cut (SQLite).
    let long = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT n, pg_sleep(CASE WHEN n = 5000 THEN 1 ELSE 0 END) FROM generate_series(1, 10000) AS n"
        }
        _ => "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000000) SELECT n FROM s",
    };
    for _ in 0..2 {
        let cut = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            reads.query_all_raw(Statement::from_string(backend, long)),
        )
        .await;
        assert!(cut.is_err(), "the long read was cut off before its end: {:?}", cut.map(|r| r.map(|rows| rows.len())));
        let row = reads.query_one_raw(Statement::from_string(backend, "SELECT 42 AS answer")).await;
        let answer = row.ok().flatten().and_then(|r| r.try_get::<i32>("", "answer").ok());
        assert_eq!(answer, Some(42));
    }
    // And the server still answers over the same connection.
    let r = app.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(r["data"]["__typename"], "Query", "{r}");
}

mod an_abandoned_read_does_not_spoil_the_next {
    use crate::common::Engine;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_abandoned_read_does_not_spoil_the_next(Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::an_abandoned_read_does_not_spoil_the_next(Engine::Postgres).await;
    }
}
