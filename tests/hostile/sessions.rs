//! Live sessions bound to their token.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::both;
use crate::common::{Engine, TestApp};
use crate::projects::{Actors, deliberating, subscribe};

// ---------------------------------------------------------------------------
// Live sessions
// ---------------------------------------------------------------------------

pub(crate) async fn expect_close(
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

both!(forged_websocket_token_closes_with_4403,);
