//! Hostile input and pressure, as an attacker would send it: what must be
//! refused up front, what must hold under concurrency, and what must not
//! leak. Every database test runs on both engines.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::TestApp;
use crate::projects::next_json;

pub(crate) const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }";

/// A query whose argument value is a list nested `depth` deep (`node`
/// takes an ID, so a well-nested one fails validation, not the gate).
pub(crate) fn nested_value(depth: usize) -> String {
    // `regions` is public, so the value reaches validation without a token.
    format!("{{ regions(parentId: {}1{}) {{ totalCount }} }}", "[".repeat(depth), "]".repeat(depth))
}

pub(crate) async fn alive(app: &TestApp) {
    let r = app.client.get(format!("{}/healthz", app.base)).send().await.expect("server alive");
    assert_eq!(r.status(), 200);
}

pub(crate) async fn ws_send_query(app: &TestApp, query: &str) -> Option<Message> {
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
mod credentials;
mod input;
mod outage;
mod privacy;
pub(crate) mod sessions;
