//! What client developers trip on (issue 36): parallel refreshes, compression,
//! CORS for browser apps, codes that tell a document's bug from a user's
//! mistake, and the small ones.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both;
use crate::common::{Engine, TestApp, code};

const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken } }";

/// Ten tabs refresh with one token at once: all get tokens of the session,
/// and the user stays logged in. After the grace window, presenting a used
/// token again is a reuse and ends the session.
async fn parallel_refreshes_keep_the_user_logged_in(app: TestApp) {
    let login = app.login_payload("demo-resident").await;
    let token = login["refreshToken"].as_str().unwrap().to_owned();
    let answers = futures_util::future::join_all((0..10).map(|_| app.gql(None, REFRESH, json!({ "t": token })))).await;
    let mut fresh = Vec::new();
    for r in &answers {
        assert!(r["errors"].is_null(), "a parallel refresh was refused: {r}");
        let access = r["data"]["refreshToken"]["accessToken"].as_str().unwrap();
        let me = app.gql(Some(access), "{ me { role } }", json!({})).await;
        assert_eq!(me["data"]["me"]["role"], "RESIDENT", "{me}");
        fresh.push(r["data"]["refreshToken"]["refreshToken"].as_str().unwrap().to_owned());
    }
    // The session goes on: a new refresh token works.
    let r = app.gql(None, REFRESH, json!({ "t": fresh[3] })).await;
    assert!(r["errors"].is_null(), "{r}");
    let later = r["data"]["refreshToken"]["refreshToken"].as_str().unwrap().to_owned();

    // After the window the first token is a reuse: the session ends.
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    entity::refresh_token::Entity::update_many()
        .col_expr(entity::refresh_token::Column::RotatedAt, sea_orm::sea_query::Expr::value(Some(an_hour_ago)))
        .filter(entity::refresh_token::Column::RotatedAt.is_not_null())
        .exec(&app.db.write)
        .await
        .unwrap();
    let r = app.gql(None, REFRESH, json!({ "t": token })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    let r = app.gql(None, REFRESH, json!({ "t": later })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "the whole session ended: {r}");
}

/// Document errors and value errors have their own codes; the empty
/// cursor is no cursor.
async fn codes_tell_mistakes_apart(app: TestApp) {
    let token = app.token("demo-resident").await;
    let r = app.gql(Some(&token), "{ me { role ", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_PARSE_FAILED", "{r}");
    let r = app.gql(Some(&token), "{ me { nope } }", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    let r = app.gql(Some(&token), "{ me }", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "a missing selection: {r}");
    let r =
        app.gql(Some(&token), "query($n: Int!) { projects(first: $n) { totalCount } }", json!({ "n": "ten" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a variable of the wrong type: {r}");
    let r = app.gql(Some(&token), "{ projects(first: 500) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a value out of range: {r}");
    let r = app.gql(Some(&token), "{ projects(first: 2, after: \"\") { totalCount } }", json!({})).await;
    assert!(r["errors"].is_null(), "an empty cursor is no cursor: {r}");
}

async fn post(app: &TestApp, headers: &[(&str, &str)], body: &Value) -> reqwest::Response {
    let mut req = app.client.post(format!("{}/graphql", app.base)).json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

/// gzip and brotli as asked, nothing for small answers; GraphiQL's assets
/// pre-compressed under content-hashed URLs; GET answers are private.
async fn compression_and_caching(app: TestApp) {
    let token = app.token("demo-admin").await;
    let auth = format!("Bearer {token}");
    let big = json!({ "query": "{ __schema { types { name description fields { name description } } } }" });
    let plain = post(&app, &[("authorization", &auth)], &big).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    for coding in ["gzip", "br"] {
        let r = post(&app, &[("authorization", &auth), ("accept-encoding", coding)], &big).await;
        assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some(coding));
        let n = r.bytes().await.unwrap().len();
        assert!(n * 4 < plain_len, "{coding}: {n} of {plain_len} bytes");
    }
    let small = post(&app, &[("accept-encoding", "gzip, br")], &json!({ "query": "{ __typename }" })).await;
    assert!(small.headers().get("content-encoding").is_none(), "a small answer is sent as it is");

    // GraphiQL at / and /graphiql/, its assets versioned and pre-compressed.
    for path in ["/", "/graphiql/"] {
        let page = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.unwrap();
        assert!(html.contains("/graphiql/graphiql.min.js?v="), "{path}");
    }
    let html = app.client.get(format!("{}/graphiql/", app.base)).send().await.unwrap().text().await.unwrap();
    let start = html.find("/graphiql/graphiql.min.js?v=").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let js = app.client.get(format!("{}{url}", app.base)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(js.headers()["content-encoding"], "br");
    assert!(js.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let n = js.bytes().await.unwrap().len();
    assert!(n > 0 && n < 1_500_000, "3.5 MB of JavaScript as {n} bytes");

    // A GraphQL GET answer is for the asker only.
    let r = app
        .client
        .get(format!("{}/graphql?query=%7B__typename%7D", app.base))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    assert!(r.headers()["vary"].to_str().unwrap().contains("authorization"), "{:?}", r.headers());
}

/// Browser apps on an allowed origin may send the stock clients' headers
/// and read the request id and Retry-After; preflights are cached.
async fn cors_for_browser_apps(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.cors_origins = vec!["https://app.example.org".into()]).await;
    let pre = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
        .header("origin", "https://app.example.org")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key, x-request-id, apollographql-client-name, apollographql-client-version, traceparent",
        )
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success(), "{}", pre.status());
    let allowed = pre.headers()["access-control-allow-headers"].to_str().unwrap().to_owned();
    for h in ["idempotency-key", "x-request-id", "apollographql-client-name", "traceparent"] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    assert_eq!(pre.headers()["access-control-max-age"], "86400");
    let r = post(&app, &[("origin", "https://app.example.org")], &json!({ "query": "{ __typename }" })).await;
    let exposed = r.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("x-request-id") && exposed.contains("retry-after"), "{exposed}");
    let other = post(&app, &[("origin", "https://evil.example")], &json!({ "query": "{ __typename }" })).await;
    assert!(other.headers().get("access-control-allow-origin").is_none(), "another origin is not allowed");
}

/// Photo URLs are absolute when the public URL is known.
async fn photo_urls_are_absolute(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.public_url = Some("https://gongzhi.example.org/".into())).await;
    let token = app.token("demo-resident").await;
    let r = crate::reports::submit_multipart(
        &app,
        &token,
        json!({ "categoryCode": "REPAIR", "description": "墙皮脱落" }),
        vec![("wall.png".into(), crate::reports::png(64, 48))],
    )
    .await;
    let photo = &r["data"]["submitReport"]["report"]["photos"][0];
    let url = photo["url"].as_str().unwrap_or_else(|| panic!("{r}"));
    assert!(url.starts_with("https://gongzhi.example.org/photos/"), "{url}");
    assert!(photo["thumbnailUrl"].as_str().unwrap().starts_with("https://gongzhi.example.org/photos/"));
}

/// `/metrics` passes `promtool check metrics` (where promtool is installed;
/// CI installs it when it can).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool() {
    let Ok(promtool) = which_promtool() else {
        eprintln!("promtool not installed: metric types checked by the unit test only");
        return;
    };
    let app = TestApp::spawn(Engine::Sqlite).await;
    let _ = app.token("demo-resident").await;
    let text = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("# TYPE password_verifications_total counter"), "{text}");
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

fn which_promtool() -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("promtool"))
        .find(|p| p.is_file())
        .ok_or(())
}

both!(parallel_refreshes_keep_the_user_logged_in, codes_tell_mistakes_apart, compression_and_caching);

mod cors {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::cors_for_browser_apps(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::cors_for_browser_apps(crate::common::Engine::Postgres).await;
    }
}

mod photos {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::photo_urls_are_absolute(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::photo_urls_are_absolute(crate::common::Engine::Postgres).await;
    }
}
