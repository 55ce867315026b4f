//! Notices and emergency alerts through `/graphql` and WebSocket.

use entity::enums::Role;
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::TestApp;
use crate::funds::person;
use crate::projects::{Actors, next_json};

mod alerts;
mod plain;
mod races;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The buildings of 桃园社区, in id order (building 1, 2, 3).
pub(crate) async fn peach_buildings(app: &TestApp) -> Vec<i32> {
    entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(app.region_id("桃园社区").await))
        .order_by_asc(entity::building::Column::Id)
        .all(&app.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect()
}

pub(crate) fn gid(ty: &str, id: i32) -> String {
    api::graphql::ids::encode(ty, id).0
}

/// A new resident (or building head) of a building, with a token.
pub(crate) async fn resident_of(app: &TestApp, username: &str, role: Role, building: i32) -> String {
    person(
        app,
        username,
        role,
        api::accounts::service::ScopeInput { building_id: Some(building), ..Default::default() },
    )
    .await
}

/// Subscribe over WebSocket at `base` (graphql-transport-ws).
pub(crate) async fn subscribe(base: &str, token: &str, query: &str) -> Ws {
    let url = format!("{}/graphql", base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    ws
}

/// Nothing arrives on `ws` within `ms` milliseconds.
pub(crate) async fn silent(ws: &mut Ws, ms: u64) -> bool {
    loop {
        match tokio::time::timeout(std::time::Duration::from_millis(ms), ws.next()).await {
            Err(_) => return true,
            Ok(Some(Ok(Message::Text(_)))) => return false,
            Ok(Some(Ok(_))) => {}
            Ok(_) => return true,
        }
    }
}

pub(crate) const PUBLISH: &str =
    "mutation($input: PublishNoticeInput!) { publishNotice(input: $input) { notice { id status level isPinned } } }";

pub(crate) async fn publish(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), PUBLISH, json!({ "input": input })).await
}

pub(crate) async fn respond(app: &TestApp, token: &str, notice: &Value, state: &str, note: Option<&str>) -> Value {
    app.gql(
        Some(token),
        "mutation($n: ID!, $s: AlertResponseState!, $note: String) { respondToAlert(input: {noticeId: $n, state: $s, note: $note}) { notice { viewerResponse { state } } } }",
        json!({ "n": notice, "s": state, "note": note }),
    )
    .await
}

pub(crate) const COUNTS: &str = "query($n: ID!) { notice(id: $n) { status counts { building { name } targeted responded safe needHelp reachedInPerson notReached } } }";

/// Counts per building as (building name, [targeted, responded, safe, need help, in person, not reached]).
pub(crate) async fn counts(app: &TestApp, token: &str, notice: &Value) -> Vec<(String, [i64; 6])> {
    let r = app.gql(Some(token), COUNTS, json!({ "n": notice })).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["notice"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let n = |k: &str| c[k].as_i64().unwrap();
            (
                c["building"]["name"].as_str().unwrap_or("-").to_owned(),
                [n("targeted"), n("responded"), n("safe"), n("needHelp"), n("reachedInPerson"), n("notReached")],
            )
        })
        .collect()
}
