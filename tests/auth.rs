//! Logins, tokens, refresh rotation, machine clients, throttling.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

const ME: &str = "{ me { role account { username } community { name } region { name } organisation { name } } }";

async fn every_role_logs_in(app: TestApp) {
    let expected = [
        ("demo-resident", "RESIDENT"),
        ("demo-building-head", "BUILDING_HEAD"),
        ("demo-committee", "COMMUNITY_COMMITTEE"),
        ("demo-office", "GOVERNMENT_OFFICE"),
        ("demo-ngo", "SOCIAL_ORGANIZATION"),
        ("demo-property", "PROPERTY_COMPANY"),
        ("demo-admin", "PLATFORM_ADMIN"),
    ];
    for (user, role) in expected {
        let token = app.token(user).await;
        let r = app.gql(Some(&token), ME, json!({})).await;
        assert_eq!(r["data"]["me"]["role"], role, "{user}: {r}");
        assert_eq!(r["data"]["me"]["account"]["username"], user);
    }
    let token = app.token("demo-resident").await;
    let r = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(r["data"]["me"]["community"]["name"], "桃园社区");
    let token = app.token("demo-office").await;
    let r = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(r["data"]["me"]["region"]["name"], "东湖街道");
    assert_eq!(r["data"]["me"]["community"], Value::Null);
}

async fn wrong_password_is_refused_and_throttled(app: TestApp) {
    let q = "mutation($p: String!) { login(input: {username: \"demo-resident\", password: $p}) { accessToken } }";
    for _ in 0..app.config.login_max_failures {
        let r = app.gql(None, q, json!({ "p": "wrong-password" })).await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
        assert!(r["data"].is_null() || r["data"]["login"].is_null());
    }
    // Locked now, even with the right password.
    let r = app.gql(None, q, json!({ "p": api::seed::DEMO_PASSWORD })).await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    // Other usernames are unaffected.
    app.token("demo-committee").await;
    // Unknown usernames get the same answer as a wrong password.
    let r = app
        .gql(None, "mutation { login(input: {username: \"nobody\", password: \"x\"}) { accessToken } }", json!({}))
        .await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

async fn client_credentials_token_works(app: TestApp) {
    let url = format!("{}/oauth/token", app.base);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let resp = app.client.post(&url).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    let token = body["access_token"].as_str().unwrap();
    let r = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(r["data"]["me"]["role"], "DISTRICT_SYSTEM", "{r}");
    assert_eq!(r["data"]["me"]["region"]["name"], "和平区");
    assert_eq!(r["data"]["me"]["account"], Value::Null);
    // A district system sees no accounts.
    let r = app.gql(Some(token), "{ accounts { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");

    // HTTP Basic works the same.
    let resp = app
        .client
        .post(&url)
        .basic_auth(api::seed::DEMO_CLIENT_ID, Some(api::seed::DEMO_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let bad = [("grant_type", "client_credentials"), ("client_id", "demo-district"), ("client_secret", "nope")];
    let resp = app.client.post(&url).form(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "invalid_client");

    let resp = app.client.post(&url).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
}

fn claims(app: &TestApp, exp_offset: i64, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": app.config.jwt_issuer, "aud": aud, "sub": "account:1", "exp": now + exp_offset,
        "nbf": now - 10, "iat": now - 10, "jti": "x", "role": "PLATFORM_ADMIN", "mid": 1, "scope": {}
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn assert_refused(app: &TestApp, token: Option<&str>) {
    let (status, r) = app.post_json(token, &json!({ "query": "{ me { role } }" })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    assert!(r["data"].is_null() || r["data"]["me"].is_null(), "{r}");
    if token.is_some() {
        assert_eq!(status, 401);
    }
}

async fn bad_tokens_are_refused(app: TestApp) {
    let secret = app.config.jwt_secret.clone().unwrap();
    let aud = app.config.jwt_audience.clone();
    // Sanity: a well-formed token with the right key works.
    let good = sign(&claims(&app, 300, &aud), &secret);
    let r = app.gql(Some(&good), "{ me { role } }", json!({})).await;
    assert_eq!(r["data"]["me"]["role"], "PLATFORM_ADMIN", "{r}");

    assert_refused(&app, None).await;
    // Expired (well beyond the leeway).
    assert_refused(&app, Some(&sign(&claims(&app, -3600, &aud), &secret))).await;
    // Signed with another key.
    assert_refused(&app, Some(&sign(&claims(&app, 300, &aud), "another-secret-another-secret-xx"))).await;
    // Wrong audience.
    assert_refused(&app, Some(&sign(&claims(&app, 300, "someone-else"), &secret))).await;
    // alg: none, no signature.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(&app, 300, &aud).to_string());
    assert_refused(&app, Some(&format!("{header}.{payload}."))).await;
    // Garbage.
    assert_refused(&app, Some("not-a-jwt")).await;
}

const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken } }";

async fn refresh_rotates_and_reuse_revokes_the_family(app: TestApp) {
    let login = app.login_payload("demo-resident").await;
    let first = login["refreshToken"].as_str().unwrap().to_owned();

    let r = app.gql(None, REFRESH, json!({ "t": first })).await;
    let second = r["data"]["refreshToken"]["refreshToken"].as_str().expect("rotated").to_owned();
    let access = r["data"]["refreshToken"]["accessToken"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let me = app.gql(Some(&access), "{ me { role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "RESIDENT");

    // Within the grace window the rotated token gets a fresh pair of the
    // same session (a parallel tab, a retried refresh)...
    let r = app.gql(None, REFRESH, json!({ "t": first })).await;
    assert!(r["data"]["refreshToken"]["refreshToken"].is_string(), "{r}");
    // ...after it, reusing it is refused and revokes the family...
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let before_window = chrono::Utc::now() - chrono::Duration::seconds(app.config.refresh_grace_secs + 1);
    entity::refresh_token::Entity::update_many()
        .col_expr(entity::refresh_token::Column::RotatedAt, sea_orm::sea_query::Expr::value(Some(before_window)))
        .filter(entity::refresh_token::Column::RotatedAt.is_not_null())
        .exec(&app.db.write)
        .await
        .unwrap();
    let r = app.gql(None, REFRESH, json!({ "t": first })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    // ...so the legitimate newer token is dead too.
    let r = app.gql(None, REFRESH, json!({ "t": second })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
}

async fn logout_ends_the_session(app: TestApp) {
    let login = app.login_payload("demo-committee").await;
    let t = login["refreshToken"].as_str().unwrap();
    let r = app
        .gql(None, "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }", json!({ "t": t }))
        .await;
    assert_eq!(r["data"]["logout"]["loggedOut"], true, "{r}");
    let r = app.gql(None, REFRESH, json!({ "t": t })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

async fn login_can_choose_a_membership(app: TestApp) {
    // Give demo-building-head a second role, then log in acting in it.
    let admin = app.token("demo-admin").await;
    let r = app
        .gql(
            Some(&admin),
            "{ accounts(search: \"demo-building-head\") { edges { node { id memberships { edges { node { id building { id } } } } } } } }",
            json!({}),
        )
        .await;
    let account = r["data"]["accounts"]["edges"][0]["node"].clone();
    let building = account["memberships"]["edges"][0]["node"]["building"]["id"].clone();
    let r = app
        .gql(
            Some(&admin),
            "mutation($a: ID!, $b: ID!) { addMembership(input: {accountId: $a, role: RESIDENT, buildingId: $b}) { membership { id } } }",
            json!({ "a": account["id"], "b": building }),
        )
        .await;
    let mid = r["data"]["addMembership"]["membership"]["id"].clone();
    assert!(mid.is_string(), "{r}");
    let r = app
        .gql(
            None,
            "mutation($m: ID!) { login(input: {username: \"demo-building-head\", password: \"demo-password\", membershipId: $m}) { viewer { role } } }",
            json!({ "m": mid }),
        )
        .await;
    assert_eq!(r["data"]["login"]["viewer"]["role"], "RESIDENT", "{r}");
    // Someone else's membership cannot be chosen.
    let r = app
        .gql(
            None,
            "mutation($m: ID!) { login(input: {username: \"demo-resident\", password: \"demo-password\", membershipId: $m}) { viewer { role } } }",
            json!({ "m": mid }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
}

both!(
    every_role_logs_in,
    wrong_password_is_refused_and_throttled,
    client_credentials_token_works,
    bad_tokens_are_refused,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    login_can_choose_a_membership,
);
