//! Credentials under pressure: aliased logins, concurrent guessing, address throttling, the token endpoint, generated keys.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

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
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
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

/// An address that failed for more distinct usernames than allowed (3
/// here) is slowed, never locked: the right password of an account with no
/// failures of its own still passes, a second later. Unauthenticated
/// requests are rate limited per address with RATE_LIMITED, HTTP 429 and
/// Retry-After; a token holder is not.
async fn client_addresses_are_throttled(app: TestApp) {
    let token = app.token("demo-resident").await;
    for i in 0..4 {
        let r = app.gql(None, LOGIN, json!({ "u": format!("nobody-{i}"), "p": "x" })).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    }
    let started = Instant::now();
    let r = app.gql(None, LOGIN, json!({ "u": "demo-committee", "p": api::seed::DEMO_PASSWORD })).await;
    assert!(r["data"]["login"]["accessToken"].is_string(), "the address is slowed, not locked: {r}");
    assert!(started.elapsed() >= Duration::from_secs(1), "a spraying address waits: {:?}", started.elapsed());
    let r = app.gql(None, LOGIN, json!({ "u": "nobody-5", "p": "x" })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "still checked, never locked: {r}");

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
    assert!(r["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().is_some_and(|s| s >= 1), "{r}");
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

/// Six simultaneous logins with the right password (a mobile app retrying
/// on a bad network) all pass and leave the account unlocked: only failures
/// count. Five rounds.
async fn simultaneous_right_logins_never_lock_their_user(app: TestApp) {
    for round in 0..5 {
        let all = futures_util::future::join_all(
            (0..6).map(|_| app.gql(None, LOGIN, json!({ "u": "demo-resident", "p": api::seed::DEMO_PASSWORD }))),
        )
        .await;
        for r in &all {
            assert!(r["data"]["login"]["accessToken"].is_string(), "round {round}: {r}");
        }
    }
    // One wrong password then the right one: the failure counts, the login
    // passes.
    let r = app.gql(None, LOGIN, json!({ "u": "demo-resident", "p": "wrong-password" })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    app.token("demo-resident").await;
}

both!(
    simultaneous_right_logins_never_lock_their_user,
    aliased_logins_are_refused_up_front,
    concurrent_wrong_logins_verify_at_most_the_limit,
    token_endpoint_refuses_bad_input_cleanly,
);
