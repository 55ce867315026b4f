//! Access that ends when it is taken away (issue 30): revocations refused
//! from the next request on by every process, RFC 7009 revocation and RFC
//! 7662 introspection, and the account basics (password change, sessions,
//! disabling, resets), with what each role may not do.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Engine, TestApp, code};

const PHONES: &str = "{ accounts(first: 50) { edges { node { username phone } } } }";

/// A second process on the same PostgreSQL database, or the same server on
/// SQLite (one process).
async fn other_process(app: &TestApp) -> Option<TestApp> {
    if app.db.is_postgres() { Some(app.spawn_peer().await) } else { None }
}

async fn login_as(app: &TestApp, user: &str, password: &str, ua: &str) -> Value {
    let body = json!({ "query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) {
        accessToken refreshToken } }", "variables": { "u": user, "p": password } });
    let (_, _, r) = app.post_with(None, &[("user-agent", ua)], &body).await;
    r
}

fn ended(r: &Value) -> bool {
    code(r) == "UNAUTHENTICATED" && r["errors"][0]["message"].as_str().is_some_and(|m| m.contains("session has ended"))
}

async fn membership_of(app: &TestApp, token: &str) -> Value {
    let me = app.gql(Some(token), "{ me { membership { id } } }", json!({})).await;
    me["data"]["me"]["membership"]["id"].clone()
}

/// A committee member reads phones through process A; the admin removes
/// the membership through process B; the very next request through A is
/// refused, and so is a refresh of the session.
async fn a_removed_membership_is_refused_at_once(app: TestApp) {
    let peer = other_process(&app).await;
    let a = peer.as_ref().unwrap_or(&app);
    let login = login_as(&app, "demo-committee", api::seed::DEMO_PASSWORD, "curl/8").await;
    let committee = login["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    let r = a.gql(Some(&committee), PHONES, json!({})).await;
    assert!(r.to_string().contains("13800000001") || r["errors"].is_null(), "{r}");
    let membership = membership_of(a, &committee).await;
    let admin = app.token("demo-admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
            json!({ "m": membership }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let r = a.gql(Some(&committee), PHONES, json!({})).await;
    assert!(ended(&r), "{r}");
    let refresh = app
        .gql(
            None,
            "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken } }",
            json!({ "t": login["data"]["login"]["refreshToken"] }),
        )
        .await;
    assert_eq!(code(&refresh), "UNAUTHENTICATED", "{refresh}");
}

async fn client_token(app: &TestApp) -> String {
    app.client_token(api::seed::DEMO_CLIENT_ID, api::seed::DEMO_CLIENT_SECRET).await
}

const ME: &str = "{ me { role } }";

/// An API client revoked with `revokeApiClient` through B is refused
/// through A at once; one of its tokens revoked through `/oauth/revoke`
/// likewise, while its other tokens keep working.
async fn revoked_clients_and_tokens_are_refused_at_once(app: TestApp) {
    let peer = other_process(&app).await;
    let a = peer.as_ref().unwrap_or(&app);
    // RFC 7009: the client revokes one of its own tokens.
    let (first, second) = (client_token(&app).await, client_token(&app).await);
    assert_eq!(a.gql(Some(&first), ME, json!({})).await["data"]["me"]["role"], "DISTRICT_SYSTEM");
    let form = [
        ("token", first.as_str()),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let resp = app.client.post(format!("{}/oauth/revoke", app.base)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(ended(&a.gql(Some(&first), ME, json!({})).await));
    assert_eq!(a.gql(Some(&second), ME, json!({})).await["data"]["me"]["role"], "DISTRICT_SYSTEM");
    // An invalid token is answered like a revoked one (RFC 7009 §2.2); a
    // token of another principal is refused; bad credentials are 401.
    let form = [
        ("token", "garbage"),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let resp = app.client.post(format!("{}/oauth/revoke", app.base)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ngo = app.client_token(api::seed::DEMO_NGO_CLIENT_ID, api::seed::DEMO_NGO_CLIENT_SECRET).await;
    let form = [
        ("token", ngo.as_str()),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let resp = app.client.post(format!("{}/oauth/revoke", app.base)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "unauthorized_client");
    let form = [("token", second.as_str()), ("client_id", api::seed::DEMO_CLIENT_ID), ("client_secret", "wrong")];
    let resp = app.client.post(format!("{}/oauth/revoke", app.base)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(a.gql(Some(&ngo), ME, json!({})).await["data"]["me"]["role"], "SOCIAL_ORGANIZATION");

    // RFC 7662: a resource server (any client) introspects tokens.
    let introspect = |token: String| {
        let app = &app;
        async move {
            let form = [
                ("token", token.as_str()),
                ("client_id", api::seed::DEMO_NGO_CLIENT_ID),
                ("client_secret", api::seed::DEMO_NGO_CLIENT_SECRET),
            ];
            let resp = app.client.post(format!("{}/oauth/introspect", app.base)).form(&form).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.unwrap()
        }
    };
    let live = introspect(second.clone()).await;
    assert_eq!(
        (&live["active"], &live["role"], &live["client_id"]),
        (&json!(true), &json!("DISTRICT_SYSTEM"), &json!("demo-district")),
        "{live}"
    );
    assert!(live["scope"].as_str().unwrap().starts_with("role:DISTRICT_SYSTEM region:"), "{live}");
    assert_eq!(introspect(first.clone()).await, json!({ "active": false }));
    assert_eq!(introspect("forged".into()).await, json!({ "active": false }));
    let resident = app.token("demo-resident").await;
    let person = introspect(resident).await;
    assert_eq!((&person["active"], &person["role"]), (&json!(true), &json!("RESIDENT")), "{person}");

    // The admin revokes the client through B: every token of it is refused through A.
    let admin = app.token("demo-admin").await;
    let clients =
        app.gql(Some(&admin), "{ apiClients(first: 10) { edges { node { id clientId } } } }", json!({})).await;
    let id = clients["data"]["apiClients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["clientId"] == api::seed::DEMO_CLIENT_ID)
        .map(|e| e["node"]["id"].clone())
        .unwrap();
    let r = app
        .gql(
            Some(&admin),
            "mutation($c: ID!) { revokeApiClient(input: {apiClientId: $c}) { apiClient { id } } }",
            json!({ "c": id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert!(ended(&a.gql(Some(&second), ME, json!({})).await));
    assert_eq!(introspect(second).await, json!({ "active": false }));
}

const CHANGE: &str =
    "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { passwordChanged sessionsEnded } }";

/// A password change ends the other sessions (their access and refresh
/// tokens) and keeps this one; `mySessions` shows the devices; bad input
/// changes nothing.
async fn a_password_change_ends_the_other_sessions(app: TestApp) {
    let peer = other_process(&app).await;
    let a = peer.as_ref().unwrap_or(&app);
    let phone = login_as(&app, "demo-resident", api::seed::DEMO_PASSWORD, "okhttp/4.12.0").await;
    let laptop = login_as(
        &app,
        "demo-resident",
        api::seed::DEMO_PASSWORD,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    )
    .await;
    let (phone_token, laptop_token) = (
        phone["data"]["login"]["accessToken"].as_str().unwrap(),
        laptop["data"]["login"]["accessToken"].as_str().unwrap(),
    );
    let sessions = app
        .gql(
            Some(laptop_token),
            "{ mySessions { sessionId current device addressPrefix createdAt lastUsedAt membership { role } } }",
            json!({}),
        )
        .await;
    let list = sessions["data"]["mySessions"].as_array().unwrap_or_else(|| panic!("{sessions}"));
    assert_eq!(list.len(), 2, "{sessions}");
    let devices: Vec<_> =
        list.iter().map(|s| (s["device"].as_str().unwrap(), s["current"].as_bool().unwrap())).collect();
    assert!(devices.contains(&("Chrome on Windows", true)) && devices.contains(&("Android app", false)), "{devices:?}");
    assert_eq!(list[0]["addressPrefix"], "127.0.0.0/24");

    // Bad input changes nothing.
    let wrong = app
        .gql(
            Some(laptop_token),
            CHANGE,
            json!({ "i": { "currentPassword": "nope-nope", "newPassword": "a-fresh-passphrase" } }),
        )
        .await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED", "{wrong}");
    for (new, why) in [("short", "too short"), ("password123", "common"), ("demo-resident", "the username")] {
        let r = app
            .gql(
                Some(laptop_token),
                CHANGE,
                json!({ "i": { "currentPassword": api::seed::DEMO_PASSWORD, "newPassword": new } }),
            )
            .await;
        assert_eq!(
            (code(&r), &r["errors"][0]["extensions"]["field"]),
            ("BAD_USER_INPUT", &json!("newPassword")),
            "{why}: {r}"
        );
    }
    assert!(a.gql(Some(phone_token), ME, json!({})).await["errors"].is_null());

    let r = app
        .gql(
            Some(laptop_token),
            CHANGE,
            json!({ "i": { "currentPassword": api::seed::DEMO_PASSWORD, "newPassword": "a-fresh-passphrase" } }),
        )
        .await;
    assert_eq!(r["data"]["changePassword"], json!({ "passwordChanged": true, "sessionsEnded": 1 }), "{r}");
    assert!(ended(&a.gql(Some(phone_token), ME, json!({})).await));
    let refresh = app
        .gql(
            None,
            "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken } }",
            json!({ "t": phone["data"]["login"]["refreshToken"] }),
        )
        .await;
    assert_eq!(code(&refresh), "UNAUTHENTICATED", "{refresh}");
    assert_eq!(a.gql(Some(laptop_token), ME, json!({})).await["data"]["me"]["role"], "RESIDENT");
    let old = login_as(&app, "demo-resident", api::seed::DEMO_PASSWORD, "curl/8").await;
    assert_eq!(code(&old), "UNAUTHENTICATED");
    let new_token = app.token_with("demo-resident", "a-fresh-passphrase").await;

    // End the other sessions from the new one: the laptop's ends.
    let r = app.gql(Some(&new_token), "mutation { endOtherSessions { sessionsEnded } }", json!({})).await;
    assert_eq!(r["data"]["endOtherSessions"]["sessionsEnded"], 1, "{r}");
    assert!(ended(&a.gql(Some(laptop_token), ME, json!({})).await));
    // The history shows it all, done by the person.
    let h = app
        .gql(Some(&new_token), "{ me { accountHistory(first: 20) { edges { node { action byYou } } } } }", json!({}))
        .await;
    let actions: Vec<_> = h["data"]["me"]["accountHistory"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"auth.change_password".to_owned()) && actions.contains(&"auth.end_other_sessions".to_owned()),
        "{actions:?}"
    );
}

/// Wrong current passwords count against the login throttle.
async fn wrong_current_passwords_are_throttled(app: TestApp) {
    let token = app.token("demo-building-head").await;
    let mut codes = Vec::new();
    for _ in 0..7 {
        let r = app
            .gql(
                Some(&token),
                CHANGE,
                json!({ "i": { "currentPassword": "guess-guess", "newPassword": "a-fresh-passphrase" } }),
            )
            .await;
        codes.push(code(&r).to_owned());
    }
    assert_eq!(&codes[..5], &["UNAUTHENTICATED"; 5]);
    assert!(codes[5..].iter().all(|c| c == "RATE_LIMITED"), "{codes:?}");
}

const DISABLE: &str = "mutation($a: ID!, $r: String!) { disableAccount(input: {accountId: $a, reason: $r}) { account { disabled disabledReason } } }";
const ENABLE: &str = "mutation($a: ID!) { enableAccount(input: {accountId: $a}) { account { disabled } } }";
const RESET: &str = "mutation($a: ID!) { resetPassword(input: {accountId: $a}) { oneTimeCode account { id } } }";

async fn account_gid(app: &TestApp, user: &str) -> String {
    api::graphql::ids::encode("Account", app.account_id(user).await).0
}

/// Disabling ends access at once (and an open WebSocket), and login then
/// says so whatever the password; who may and may not disable.
async fn disabling_ends_access_and_only_managers_may(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let target = account_gid(&app, "demo-resident").await;
    for (who, allowed) in [
        ("demo-resident-river", false),
        ("demo-building-head", false),
        ("demo-office", false),
        ("demo-ngo", false),
        ("demo-property", false),
    ] {
        let t = app.token(who).await;
        let r = app.gql(Some(&t), DISABLE, json!({ "a": target, "r": "test" })).await;
        assert_eq!((code(&r), allowed), (crate::common::HIDDEN, false), "{who}: {r}");
    }
    let district = client_token(&app).await;
    assert_eq!(code(&app.gql(Some(&district), DISABLE, json!({ "a": target, "r": "x" })).await), crate::common::HIDDEN);
    // The committee may not disable staff, or residents of another community.
    let committee = app.token("demo-committee").await;
    for other in ["demo-office", "demo-resident-river", "demo-admin"] {
        let r = app.gql(Some(&committee), DISABLE, json!({ "a": account_gid(&app, other).await, "r": "x" })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{other}: {r}");
    }
    // A reason is needed.
    let r = app.gql(Some(&committee), DISABLE, json!({ "a": target, "r": "" })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("reason")), "{r}");

    let mut ws =
        crate::notices::subscribe(&app.base, &resident, "subscription { noticeEvents { noticeId kind } }").await;
    let r = app.gql(Some(&committee), DISABLE, json!({ "a": target, "r": "搬离本社区" })).await;
    assert_eq!(
        r["data"]["disableAccount"]["account"],
        json!({ "disabled": true, "disabledReason": "搬离本社区" }),
        "{r}"
    );
    assert!(ended(&app.gql(Some(&resident), ME, json!({})).await));
    expect_close(&mut ws, 4403).await;
    for password in [api::seed::DEMO_PASSWORD, "not-the-password"] {
        let r = login_as(&app, "demo-resident", password, "curl/8").await;
        assert_eq!(code(&r), "FORBIDDEN", "{r}");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("disabled"), "{r}");
    }
    let r = app.gql(Some(&committee), DISABLE, json!({ "a": target, "r": "again" })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = app.gql(Some(&committee), ENABLE, json!({ "a": target })).await;
    assert_eq!(r["data"]["enableAccount"]["account"]["disabled"], false, "{r}");
    let r = login_as(&app, "demo-resident", api::seed::DEMO_PASSWORD, "curl/8").await;
    assert!(r["errors"].is_null(), "{r}");
}

async fn expect_close(
    ws: &mut (impl futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    code: u16,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await.expect("the server closes the connection") {
            Some(Ok(Message::Close(Some(frame)))) => return assert_eq!(u16::from(frame.code), code, "{frame:?}"),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame with {code}, got {other:?}"),
        }
    }
}

/// A reset hands a one-time code over; login refuses it until the person
/// chooses a new password with it; the person sees the reset in their
/// history, done by the committee.
async fn a_reset_forces_a_new_password(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let committee = app.token("demo-committee").await;
    let target = account_gid(&app, "demo-resident").await;
    for who in ["demo-resident", "demo-building-head", "demo-office"] {
        let t = app.token(who).await;
        assert_eq!(code(&app.gql(Some(&t), RESET, json!({ "a": target })).await), crate::common::HIDDEN, "{who}");
    }
    let r = app.gql(Some(&committee), RESET, json!({ "a": target })).await;
    let code_given = r["data"]["resetPassword"]["oneTimeCode"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert_eq!(code_given.len(), 14);
    assert!(ended(&app.gql(Some(&resident), ME, json!({})).await));
    let r = login_as(&app, "demo-resident", &code_given, "curl/8").await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("changePassword"), "{r}");
    let r = login_as(&app, "demo-resident", api::seed::DEMO_PASSWORD, "curl/8").await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    // Not logged in: the username is needed.
    let r = app
        .gql(None, CHANGE, json!({ "i": { "currentPassword": code_given, "newPassword": "my-own-passphrase" } }))
        .await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("username")), "{r}");
    let r = app
        .gql(None, CHANGE, json!({ "i": { "username": "demo-resident", "currentPassword": code_given, "newPassword": "my-own-passphrase" } }))
        .await;
    assert_eq!(r["data"]["changePassword"]["passwordChanged"], true, "{r}");
    let r = login_as(&app, "demo-resident", "my-own-passphrase", "curl/8").await;
    let token = r["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let h = app
        .gql(
            Some(&token),
            "{ me { accountHistory(first: 20) { edges { node { action byYou role actor { displayName } } } } } }",
            json!({}),
        )
        .await;
    let reset = h["data"]["me"]["accountHistory"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["action"] == "account.reset_password")
        .cloned()
        .unwrap_or_else(|| panic!("{h}"));
    assert_eq!(
        (&reset["node"]["byYou"], &reset["node"]["role"]),
        (&json!(false), &json!("COMMUNITY_COMMITTEE")),
        "{reset}"
    );
}

/// With notifications cut (the LISTEN connections killed again and again),
/// a revocation made through one process still takes effect in the other
/// within the poll interval. PostgreSQL only: SQLite is one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_a_process_without_notifications() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with(Engine::Postgres, |c| c.revocation_poll_ms = 1000).await;
    let a = app.spawn_peer().await;
    let db = app.config.database_url.rsplit('/').next().unwrap().to_owned();
    let admin_db = sea_orm::Database::connect(format!("{}/postgres", crate::common::pg::admin_url())).await.unwrap();
    let kill = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND query LIKE 'LISTEN%'"
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = admin_db.execute_unprepared(&kill).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let committee = a.token("demo-committee").await;
    let membership = membership_of(&a, &committee).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let admin = app.token("demo-admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
            json!({ "m": membership }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let started = Instant::now();
    loop {
        if ended(&a.gql(Some(&committee), ME, json!({})).await) {
            break;
        }
        assert!(started.elapsed() < Duration::from_millis(2500), "still accepted after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    killer.await.unwrap();
}

crate::both!(
    a_removed_membership_is_refused_at_once,
    revoked_clients_and_tokens_are_refused_at_once,
    a_password_change_ends_the_other_sessions,
    wrong_current_passwords_are_throttled,
    disabling_ends_access_and_only_managers_may,
    a_reset_forces_a_new_password,
);
