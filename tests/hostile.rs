//! Hostile input and pressure, as an attacker would send it: what must be
//! refused up front, what must hold under concurrency, and what must not
//! leak. Every database test runs on both engines.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::both;
use crate::common::{Engine, Proxy, TestApp, code, pg_url_via};
use crate::projects::{Actors, deliberating, next_json, open_voting, subscribe, vote};

const LOGIN: &str = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }";

/// A query whose argument value is a list nested `depth` deep (`node`
/// takes an ID, so a well-nested one fails validation, not the gate).
fn nested_value(depth: usize) -> String {
    format!("{{ node(id: {}1{}) {{ id }} }}", "[".repeat(depth), "]".repeat(depth))
}

async fn alive(app: &TestApp) {
    let r = app.client.get(format!("{}/healthz", app.base)).send().await.expect("server alive");
    assert_eq!(r.status(), 200);
}

async fn ws_send_query(app: &TestApp, query: &str) -> Option<Message> {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({ "type": "connection_init" }).to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("an answer").map(|m| m.unwrap())
}

/// Value literals nested 10 to 100,000 deep, by every transport: each is
/// answered and the server lives on. (1,500 deep used to abort the process.)
async fn deeply_nested_values_are_answered_by_every_transport(app: TestApp) {
    for depth in [10, 100, 1_000, 100_000] {
        let q = nested_value(depth);
        let (status, r) = app.post_json(None, &json!({ "query": q })).await;
        assert!(status == 200 || status == 400, "POST {depth}: {status}");
        assert_eq!(code(&r), "BAD_USER_INPUT", "POST {depth}: {r}");
        alive(&app).await;

        // HTTP clients refuse URLs over 64 KiB: GET goes to 10,000 deep.
        let get_q = nested_value(depth.min(10_000));
        let resp = app.client.get(format!("{}/graphql", app.base)).query(&[("query", &get_q)]).send().await.unwrap();
        assert!(resp.status().is_client_error() || resp.status() == 200, "GET {depth}: {}", resp.status());
        alive(&app).await;

        let msg = ws_send_query(&app, &q).await;
        if let Some(Message::Text(t)) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            let errors = if v["payload"].is_array() { &v["payload"] } else { &v["payload"]["errors"] };
            assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "WS {depth}: {v}");
        }
        alive(&app).await;
    }
}

/// The bound itself: at the limit the parser runs (and the query fails
/// validation for its unknown argument); one past it the text never reaches
/// the parser.
async fn nesting_bound_at_the_limit_and_just_past(app: TestApp) {
    let limit = app.config.max_nesting;
    // `{` and `(` are two of the levels.
    assert_eq!(nested_value(limit - 2).matches('[').count() + 2, limit);
    let (_, at) = app.post_json(None, &json!({ "query": nested_value(limit - 2) })).await;
    assert_eq!(code(&at), "BAD_USER_INPUT", "{at}");
    assert!(!at["errors"][0]["message"].as_str().unwrap().contains("nested deeper"), "{at}");
    let (status, past) = app.post_json(None, &json!({ "query": nested_value(limit - 1) })).await;
    assert_eq!(status, 400);
    assert!(past["errors"][0]["message"].as_str().unwrap().contains("nested deeper"), "{past}");
    alive(&app).await;
}

// ---------------------------------------------------------------------------
// Control characters in every text input of the schema
// ---------------------------------------------------------------------------

const INTROSPECT: &str = "{ __schema {
    queryType { name } mutationType { name }
    types { name kind enumValues { name }
        fields { name type { ...T } args { name type { ...T } } }
        inputFields { name type { ...T } } } } }
    fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

struct Schema {
    types: Map<String, Value>,
}

fn named(t: &Value) -> &Value {
    if t["ofType"].is_null() { t } else { named(&t["ofType"]) }
}

fn render(t: &Value) -> String {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", render(&t["ofType"])),
        "LIST" => format!("[{}]", render(&t["ofType"])),
        _ => t["name"].as_str().unwrap().to_owned(),
    }
}

impl Schema {
    /// A valid-looking value of type `t`. `target` is `Some(path)` on the
    /// way to the one text leaf that gets a NUL, `None` elsewhere.
    fn value(&self, t: &Value, target: Option<&[String]>) -> Value {
        match t["kind"].as_str().unwrap() {
            "NON_NULL" => self.value(&t["ofType"], target),
            "LIST" => json!([self.value(&t["ofType"], target)]),
            _ => {
                let name = t["name"].as_str().unwrap();
                let ty = &self.types[name];
                match ty["kind"].as_str().unwrap() {
                    "ENUM" => ty["enumValues"][0]["name"].clone(),
                    "INPUT_OBJECT" => {
                        let mut obj = Map::new();
                        for f in ty["inputFields"].as_array().unwrap() {
                            let fname = f["name"].as_str().unwrap();
                            match target {
                                Some(path) if path.first().is_some_and(|p| p == fname) => {
                                    obj.insert(fname.into(), self.value(&f["type"], Some(&path[1..])));
                                }
                                _ if f["type"]["kind"] == "NON_NULL" => {
                                    obj.insert(fname.into(), self.value(&f["type"], None));
                                }
                                _ => {}
                            }
                        }
                        Value::Object(obj)
                    }
                    _ if target.is_some_and(<[String]>::is_empty) => json!("a\u{0}b"),
                    _ => match name {
                        "Int" => json!(1),
                        "Float" => json!(1.0),
                        "Boolean" => json!(false),
                        "DateTime" => json!("2030-01-01T00:00:00Z"),
                        "NaiveDate" | "Date" => json!("2030-01-01"),
                        _ => json!("x"),
                    },
                }
            }
        }
    }
}

/// Every path to a String or ID leaf below type `t` (input objects walked,
/// cycles cut at depth 4).
fn text_paths(types: &Map<String, Value>, t: &Value, depth: usize) -> Vec<Vec<String>> {
    let n = named(t);
    let name = n["name"].as_str().unwrap();
    match types[name]["kind"].as_str().unwrap() {
        "SCALAR" if matches!(name, "String" | "ID") => vec![vec![]],
        "INPUT_OBJECT" if depth < 4 => types[name]["inputFields"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| {
                text_paths(types, &f["type"], depth + 1).into_iter().map(|mut p| {
                    p.insert(0, f["name"].as_str().unwrap().to_owned());
                    p
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// NUL in every text input of every query and mutation field, found by
/// walking the schema's input types: BAD_USER_INPUT naming the field, and
/// nothing changed, even for a platform admin who could otherwise do it.
async fn nul_in_every_text_input_is_refused(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let r = app.gql(Some(&admin), INTROSPECT, json!({})).await;
    let types: Map<String, Value> = r["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    let before = app.audit_count().await;
    let schema = Schema { types: types.clone() };
    let mut checked = 0;
    let roots = [
        (r["data"]["__schema"]["queryType"]["name"].as_str().unwrap().to_owned(), "query"),
        (r["data"]["__schema"]["mutationType"]["name"].as_str().unwrap().to_owned(), "mutation"),
    ];
    for (root, op) in &roots {
        let root = root.as_str();
        for field in types[root]["fields"].as_array().unwrap() {
            let fname = field["name"].as_str().unwrap();
            let args = field["args"].as_array().unwrap();
            for (ai, arg) in args.iter().enumerate() {
                for path in text_paths(&types, &arg["type"], 0) {
                    let mut vars = Map::new();
                    let mut decls = vec![];
                    let mut uses = vec![];
                    for (bi, other) in args.iter().enumerate() {
                        let required = other["type"]["kind"] == "NON_NULL";
                        if bi != ai && !required {
                            continue;
                        }
                        let aname = other["name"].as_str().unwrap();
                        let target = (bi == ai).then_some(path.as_slice());
                        vars.insert(aname.into(), schema.value(&other["type"], target));
                        decls.push(format!("${aname}: {}", render(&other["type"])));
                        uses.push(format!("{aname}: ${aname}"));
                    }
                    let ret = named(&field["type"]);
                    let sel =
                        if matches!(types[ret["name"].as_str().unwrap()]["kind"].as_str(), Some("SCALAR" | "ENUM")) {
                            ""
                        } else {
                            "{ __typename }"
                        };
                    let q = format!("{op}({}) {{ {fname}({}) {sel} }}", decls.join(", "), uses.join(", "));
                    let (status, r) = app.post_json(Some(&admin), &json!({ "query": q, "variables": vars })).await;
                    let at = format!("{fname}.{}.{}", arg["name"].as_str().unwrap(), path.join("."));
                    assert_eq!(status, 400, "{at}: {r}");
                    assert_eq!(code(&r), "BAD_USER_INPUT", "{at}: {r}");
                    assert!(r["errors"][0]["message"].as_str().unwrap().contains("control characters"), "{at}: {r}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} text inputs found");
    assert_eq!(app.audit_count().await, before, "nothing changed");
    // A literal in the query text is refused the same way.
    let (status, r) = app
        .post_json(
            None,
            &json!({ "query": "mutation { login(input: {username: \"demo\\u0000admin\", password: \"x\"}) { accessToken } }" }),
        )
        .await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
}

/// Dates outside 1900–9999 are refused with BAD_USER_INPUT (PostgreSQL used
/// to answer INTERNAL for some), and nothing is created.
async fn out_of_range_dates_are_refused(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let before = app.audit_count().await;
    let q = "mutation($d: Date!) { createProject(input: {title: \"日期\", description: \"\", category: OTHER,
        budgetFen: 1, plannedStart: $d}) { project { id } } }";
    for d in ["0001-01-01", "-5000-01-01", "1899-12-31", "+10000-01-01", "262142-01-01"] {
        let r = app.gql(Some(&resident), q, json!({ "d": d })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{d}: {r}");
    }
    assert_eq!(app.audit_count().await, before);
    let r = app.gql(Some(&resident), q, json!({ "d": "2027-03-01" })).await;
    assert!(r["errors"].is_null(), "{r}");
}

/// Search text: capped, and `%` / `_` match literally.
async fn search_text_is_capped_and_literal(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let q = "query($t: String) { projects(filter: {titleContains: $t}) { totalCount } }";
    let r = app.gql(Some(&resident), q, json!({ "t": "x".repeat(60_000) })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "titleContains");
    for title in ["绿化 50% 计划", "绿化 A_B", "普通项目"] {
        crate::projects::create_draft(&app, &resident, title).await;
    }
    for (text, expected) in [("绿化", 2), ("%", 1), ("_", 1), ("%%", 0), ("\\", 0), ("50%", 1)] {
        let r = app.gql(Some(&resident), q, json!({ "t": text })).await;
        assert_eq!(r["data"]["projects"]["totalCount"], expected, "{text:?} matches literally: {r}");
    }
}

// ---------------------------------------------------------------------------
// Credentials under pressure
// ---------------------------------------------------------------------------

/// 100 aliased logins in one request are refused before any password is
/// checked; so are a login and a refresh together, also across a batch.
async fn aliased_logins_are_refused_up_front(app: TestApp) {
    let before = app.state.counters.password_verifications.load(Ordering::SeqCst);
    let fields: String = (0..100)
        .map(|i| format!("a{i}: login(input: {{username: \"demo-{i}\", password: \"guess\"}}) {{ accessToken }} "))
        .collect();
    let (status, r) = app.post_json(None, &json!({ "query": format!("mutation {{ {fields} }}") })).await;
    assert_eq!(status, 400);
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let one = json!({ "query": LOGIN, "variables": { "u": "demo-resident", "p": "guess" } });
    let (status, r) = app.post_json(None, &json!([one, one])).await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
    assert_eq!(app.state.counters.password_verifications.load(Ordering::SeqCst), before, "no password was checked");
}

/// 200 concurrent wrong passwords for one username: the throttle reserves a
/// slot before each verification, so exactly `login_max_failures` (5)
/// passwords are checked, whatever the concurrency (the bound "5 + requests
/// in flight at the moment of locking" is 5 + 0 here). The right password,
/// sent while the burst is still in flight, is refused too.
async fn concurrent_wrong_logins_verify_at_most_the_limit(app: TestApp) {
    let before = app.state.counters.password_verifications.load(Ordering::SeqCst);
    let max = u64::try_from(app.config.login_max_failures).unwrap();
    let burst: Vec<_> = (0..200)
        .map(|_| {
            let (client, url) = (app.client.clone(), format!("{}/graphql", app.base));
            tokio::spawn(async move {
                let body = json!({ "query": LOGIN, "variables": { "u": "demo-resident", "p": "wrong-password" } });
                let r: Value = client.post(url).json(&body).send().await.unwrap().json().await.unwrap();
                code(&r).to_owned()
            })
        })
        .collect();
    // Wait until the lock is reached, then the right password, mid-burst.
    let verified = || app.state.counters.password_verifications.load(Ordering::SeqCst) - before;
    let deadline = Instant::now() + Duration::from_secs(60);
    while verified() < max && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let right = app.gql(None, LOGIN, json!({ "u": "demo-resident", "p": api::seed::DEMO_PASSWORD })).await;
    let mut codes = std::collections::HashMap::<String, usize>::new();
    for h in burst {
        *codes.entry(h.await.unwrap()).or_default() += 1;
    }
    assert_eq!(code(&right), "RATE_LIMITED", "the right password is refused while locked: {right}");
    assert_eq!(verified(), max, "password verifications: {codes:?}");
    assert_eq!(codes.get("UNAUTHENTICATED").copied(), Some(5), "{codes:?}");
    assert_eq!(codes.get("RATE_LIMITED").copied(), Some(195), "{codes:?}");
    // Other usernames are unaffected.
    app.token("demo-committee").await;
}

/// Failed logins are also counted per client address, whatever the
/// usernames; unauthenticated requests are rate limited per address with
/// RATE_LIMITED, HTTP 429 and Retry-After; a token holder is not.
async fn client_addresses_are_throttled(app: TestApp) {
    let token = app.token("demo-resident").await;
    for i in 0..3 {
        let r = app.gql(None, LOGIN, json!({ "u": format!("nobody-{i}"), "p": "x" })).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    }
    let r = app.gql(None, LOGIN, json!({ "u": "demo-committee", "p": api::seed::DEMO_PASSWORD })).await;
    assert_eq!(code(&r), "RATE_LIMITED", "the address is locked: {r}");
    assert!(r["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0, "{r}");

    let mut limited = None;
    for _ in 0..20 {
        let resp =
            app.client.post(format!("{}/graphql", app.base)).json(&json!({ "query": "{ __typename }" })).send().await;
        let resp = resp.unwrap();
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("anonymous requests are limited");
    assert!(resp.headers().get("retry-after").is_some());
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    let r = app.gql(Some(&token), "{ me { role } }", json!({})).await;
    assert_eq!(r["data"]["me"]["role"], "RESIDENT", "token holders are not limited: {r}");
    let resp = app
        .client
        .post(format!("{}/oauth/token", app.base))
        .form(&[("grant_type", "client_credentials"), ("client_id", "x"), ("client_secret", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429, "the token endpoint shares the limit");
}

/// `/oauth/token` answers RFC 6749 errors, never 500, for hostile input.
async fn token_endpoint_refuses_bad_input_cleanly(app: TestApp) {
    let url = format!("{}/oauth/token", app.base);
    let cases: [&[(&str, &str)]; 3] = [
        &[("grant_type", "client_credentials"), ("client_id", "a\u{0}b"), ("client_secret", "x")],
        &[("grant_type", "password")],
        &[("grant_type", "client_credentials"), ("client_id", &"x".repeat(100_000)), ("client_secret", "x")],
    ];
    for form in cases {
        let resp = app.client.post(&url).form(form).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{form:?}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"].as_str().is_some(), "{body}");
    }
}

// ---------------------------------------------------------------------------
// Introspection and aliases
// ---------------------------------------------------------------------------

async fn introspection_floods_are_refused_before_execution(app: TestApp) {
    let fields: String = (0..50).map(|i| format!("s{i}: __schema {{ types {{ name fields {{ name }} }} }} ")).collect();
    let (status, r) = app.post_json(None, &json!({ "query": format!("{{ {fields} }}") })).await;
    assert_eq!(status, 400);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("introspection"), "{r}");
    // Aliases of any field are capped too.
    let fields: String = (0..(app.config.max_aliases + 1)).map(|i| format!("t{i}: __typename ")).collect();
    let (status, r) = app.post_json(None, &json!({ "query": format!("{{ {fields} }}") })).await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
    // One ordinary introspection query still works.
    let (status, r) = app.post_json(None, &json!({ "query": "{ __schema { types { name } } }" })).await;
    assert_eq!(status, 200);
    assert!(r["data"]["__schema"]["types"].as_array().unwrap().len() > 20, "{r}");
}

// ---------------------------------------------------------------------------
// The secret ballot against inference
// ---------------------------------------------------------------------------

/// The recorded attack: the committee switches live tallies on during an
/// open vote, reads the counts and the audit feed around one person's
/// ballot, and switches them off again. It learns nothing: the vote keeps
/// the setting it opened with, and a ballot leaves no trace in the feed.
/// Where live tallies were on from the start, the office sees counts move
/// but the feed still says nothing about who.
async fn ballot_inference_learns_nothing(app: TestApp) {
    let a = Actors::login(&app).await;
    let community = app.peach_garden().await;
    let settings = |live: bool| {
        json!({ "query": "mutation($l: Boolean!, $c: ID!) { updateCommunitySettings(input: {communityId: $c,
            quorumPercent: 20, thresholdPercent: 50, liveTally: $l}) { settings { liveTally } } }", "variables": { "l": live, "c": community } })
    };
    let feed = |token: String| {
        let app = &app;
        async move {
            app.gql(Some(&token), "{ auditLog(last: 100) { edges { node { id action role at } } } }", json!({})).await
                ["data"]["auditLog"]
                .clone()
        }
    };
    let tally = |token: String, id: Value| {
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Project { tally { yes no } } } }",
                json!({ "id": id }),
            )
            .await["data"]["node"]["tally"]
                .clone()
        }
    };
    let committee = a.t("demo-committee").to_owned();
    let office = a.t("demo-office").to_owned();

    // Opened without live tallies; the committee switches them on mid-vote.
    let (_, r) = app.post_json(Some(&committee), &settings(false)).await;
    assert!(r["errors"].is_null(), "{r}");
    let id = deliberating(&app, &a, "秘密投票").await;
    open_voting(&app, &committee, &id).await;
    let (_, r) = app.post_json(Some(&committee), &settings(true)).await;
    assert_eq!(r["data"]["updateCommunitySettings"]["settings"]["liveTally"], true, "{r}");
    let (tally_before, feed_before) = (tally(committee.clone(), id.clone()).await, feed(committee.clone()).await);
    let office_feed_before = feed(office.clone()).await;
    assert!(vote(&app, a.t("demo-building-head"), &id, "NO").await["errors"].is_null());
    let (tally_after, feed_after) = (tally(committee.clone(), id.clone()).await, feed(committee.clone()).await);
    let office_feed_after = feed(office.clone()).await;
    app.post_json(Some(&committee), &settings(false)).await;
    assert!(tally_before.is_null() && tally_after.is_null(), "no counts mid-vote: {tally_before} / {tally_after}");
    assert_eq!(feed_before, feed_after, "the ballot left no trace in the committee's feed");
    assert_eq!(office_feed_before, office_feed_after, "nor in the office's");

    // Live from the start: counts move, the feed still names nobody.
    app.post_json(Some(&committee), &settings(true)).await;
    let id = deliberating(&app, &a, "公开计票").await;
    open_voting(&app, &committee, &id).await;
    let feed_before = feed(office.clone()).await;
    vote(&app, a.t("demo-building-head"), &id, "NO").await;
    assert_eq!(tally(office.clone(), id.clone()).await, json!({ "yes": 0, "no": 1 }));
    assert_eq!(feed_before, feed(office.clone()).await, "counts change, the feed does not");
}

// ---------------------------------------------------------------------------
// Live sessions
// ---------------------------------------------------------------------------

async fn expect_close(
    ws: &mut (impl futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    code: u16,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = tokio::time::timeout(left, ws.next()).await.expect("the server closes the connection");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), code, "{frame:?}");
                return;
            }
            Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a close frame with {code}, got {other:?}"),
        }
    }
}

/// With a 2-second access token, a subscription is closed (4401) after the
/// token expires; removing the membership closes another one (4403).
async fn websocket_sessions_end_with_their_token(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        c.access_token_ttl_secs = 2;
        c.ws_recheck_secs = 1;
    })
    .await;
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "会话项目").await;
    let mut ws = subscribe(&app, &app.token("demo-resident").await, &id).await;
    expect_close(&mut ws, 4401).await;

    let app = TestApp::spawn_with(engine, |c| c.ws_recheck_secs = 1).await;
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "会话项目").await;
    let resident = a.t("demo-resident").to_owned();
    let mut ws = subscribe(&app, &resident, &id).await;
    let me = app.gql(Some(&resident), "{ me { membership { id } } }", json!({})).await;
    let membership = me["data"]["me"]["membership"]["id"].clone();
    let r = app
        .gql(
            Some(a.t("demo-admin")),
            "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
            json!({ "m": membership }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    expect_close(&mut ws, 4403).await;
}

mod websocket_sessions {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::websocket_sessions_end_with_their_token(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::websocket_sessions_end_with_their_token(crate::common::Engine::Postgres).await;
    }
}

/// A forged token in `connection_init` closes with 4403.
async fn forged_websocket_token_closes_with_4403(app: TestApp) {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    expect_close(&mut ws, 4403).await;
}

// ---------------------------------------------------------------------------
// The audit feed shows no more than the objects it names
// ---------------------------------------------------------------------------

async fn drafts_stay_out_of_the_audit_feed(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = crate::projects::create_draft(&app, a.t("demo-resident"), "草稿项目").await;
    let entries = |token: String| {
        let app = &app;
        async move {
            let r = app
                .gql(Some(&token), "{ auditLog(last: 100) { edges { node { id action objectId } } } }", json!({}))
                .await;
            r["data"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect::<Vec<_>>()
        }
    };
    let about = |list: &[Value]| list.iter().filter(|e| e["objectId"] == id).cloned().collect::<Vec<_>>();
    let admin = about(&entries(a.t("demo-admin").to_owned()).await);
    assert_eq!(admin.len(), 1, "platform admins see drafts and their entries");
    for who in ["demo-committee", "demo-office"] {
        assert!(about(&entries(a.t(who).to_owned()).await).is_empty(), "{who} sees no draft entry");
        let r =
            app.gql(Some(a.t(who)), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": admin[0]["id"] })).await;
        assert!(r["data"]["node"].is_null(), "{who}: node() hides it too: {r}");
    }
    // Submitted, the project and its history become visible to them.
    crate::projects::step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    assert_eq!(about(&entries(a.t("demo-committee").to_owned()).await).len(), 2);
}

/// "Not yours" and "does not exist" get the same answer where existence is
/// private: another community's council meeting.
async fn council_meetings_are_no_existence_oracle(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "议事项目").await;
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!, $c: ID!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"议事会\",
                scheduledAt: \"2026-12-01T10:00:00Z\", place: \"活动室\", projectIds: [$id]}) { meeting { id } } }",
            json!({ "id": id, "c": app.peach_garden().await }),
        )
        .await;
    let meeting = r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    let record = "mutation($m: ID!) { recordCouncilMeeting(input: {meetingId: $m, attendance: 3, minutes: \"记录\"}) { meeting { id } } }";
    let missing = api::graphql::ids::encode("CouncilMeeting", 999_999);
    let other = app.gql(Some(a.t("demo-resident-river")), record, json!({ "m": meeting })).await;
    let none = app.gql(Some(a.t("demo-resident-river")), record, json!({ "m": missing })).await;
    assert_eq!(code(&other), "NOT_FOUND", "{other}");
    assert_eq!(other["errors"][0]["message"], none["errors"][0]["message"]);
    assert_eq!(code(&none), "NOT_FOUND");
    // Someone who can read it but not run it is told so.
    let r = app.gql(Some(a.t("demo-resident")), record, json!({ "m": meeting })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
}

// ---------------------------------------------------------------------------
// Outages
// ---------------------------------------------------------------------------

/// PostgreSQL goes away (through a proxy the test controls): `/readyz`
/// answers 503 within 2 s and GraphQL requests UNAVAILABLE (HTTP 503,
/// Retry-After) within the acquire timeout instead of hanging; when the
/// database returns, the same server recovers without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_fails_fast_and_recovers() {
    let app = TestApp::spawn(Engine::Postgres).await;
    let proxy = Proxy::start(&crate::common::pg_host_port()).await;
    let mut config = app.config.clone();
    let db_name = app.config.database_url.rsplit('/').next().unwrap().to_owned();
    config.database_url = pg_url_via(proxy.port, &db_name);
    config.db_acquire_timeout_secs = 2;
    let server = app.spawn_peer_with(config).await;
    let token = server.token("demo-resident").await;
    let ok = server.gql(Some(&token), "{ projects { totalCount } }", json!({})).await;
    assert!(ok["errors"].is_null(), "{ok}");

    proxy.down();
    // Let the proxy's connection tasks see the cut before probing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let ready = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(2500), "readyz took {:?}", started.elapsed());

    let started = Instant::now();
    let resp = server
        .client
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ projects { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().get("retry-after").is_some());
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "UNAVAILABLE", "{r}");
    // Bounded by the 2 s acquire (plus connect) timeout, not the 30 s it used to hang.
    assert!(elapsed < Duration::from_secs(10), "answered after {elapsed:?}");

    proxy.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = server.gql(Some(&token), "{ projects { totalCount } }", json!({})).await;
        if r["errors"].is_null() {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/// Without configuration every installation generates its own JWT secret,
/// kept in its data directory with mode 0600 and reused on restart.
#[test]
fn each_installation_generates_its_own_jwt_secret() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let secret = |dir: &std::path::Path| {
        let mut c = api::Config::defaults();
        c.data_dir = dir.to_path_buf();
        c.resolve_jwt_secret().unwrap();
        c.jwt_secret.unwrap()
    };
    let first = secret(one.path());
    assert!(first.len() >= 32);
    assert_eq!(secret(one.path()), first, "kept across restarts");
    assert_ne!(secret(two.path()), first, "no two installations share a key");
    assert_ne!(first, api::config::DEV_JWT_SECRET);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(one.path().join("jwt-secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

fn throttled(c: &mut api::Config) {
    c.login_max_failures_per_address = 3;
    c.anon_rate_per_sec = 1;
    c.anon_burst = 10;
}

mod client_addresses {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, super::throttled).await;
        super::client_addresses_are_throttled(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, super::throttled).await;
        super::client_addresses_are_throttled(app).await;
    }
}

both!(
    deeply_nested_values_are_answered_by_every_transport,
    nesting_bound_at_the_limit_and_just_past,
    nul_in_every_text_input_is_refused,
    out_of_range_dates_are_refused,
    search_text_is_capped_and_literal,
    aliased_logins_are_refused_up_front,
    concurrent_wrong_logins_verify_at_most_the_limit,
    token_endpoint_refuses_bad_input_cleanly,
    introspection_floods_are_refused_before_execution,
    ballot_inference_learns_nothing,
    forged_websocket_token_closes_with_4403,
    drafts_stay_out_of_the_audit_feed,
    council_meetings_are_no_existence_oracle,
);
