//! Scope: another community sees nothing; live events across processes.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn other_communities_cannot_read_comment_or_vote(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "外人看不见").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let river = a.t("demo-resident-river");
    assert_eq!(code(&read(&app, river, &id).await), "NOT_FOUND");
    let r = app
        .gql(
            Some(river),
            "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"hi\"}) { comment { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert_eq!(code(&vote(&app, river, &id, "YES").await), "NOT_FOUND");
    let r = app.gql(Some(river), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["projects"]["totalCount"], 0, "{r}");
    // A district system reads no projects at all.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-district"),
        ("client_secret", "demo-district-secret"),
    ];
    let t: Value =
        app.client.post(format!("{}/oauth/token", app.base)).form(&form).send().await.unwrap().json().await.unwrap();
    let r = app.gql(t["access_token"].as_str(), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "a district system is not shown projects: {r}");
    // The office of another street would not see it either; the office of
    // this street does.
    let r = app.gql(Some(a.t("demo-office")), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["projects"]["totalCount"], 1, "{r}");
}

async fn subscription_sees_events_from_another_process(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "实时项目").await;
    // A second server process on the same database: on PostgreSQL events
    // travel through LISTEN/NOTIFY; on SQLite (one process by design) the
    // subscriber and the mutation share the process.
    let peer = if app.db.is_postgres() { Some(app.spawn_peer().await) } else { None };
    let listen_on = peer.as_ref().unwrap_or(&app);
    let mut ws = subscribe(listen_on, a.t("demo-resident"), &id).await;
    // Give the subscription a moment to register before the mutation.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let r = open_voting(&app, a.t("demo-committee"), &id).await;
    assert!(r["errors"].is_null(), "{r}");
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["kind"], "TRANSITION", "{msg}");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["status"], "VOTING");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["projectId"], id);
    let add = "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"实时\"}) { comment { id } } }";
    app.gql(Some(a.t("demo-building-head")), add, json!({ "id": id })).await;
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["payload"]["data"]["projectEvents"]["kind"], "COMMENT", "{msg}");

    // A bad token in connection_init closes the connection.
    let url = format!("{}/graphql", listen_on.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut bad, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } });
    bad.send(Message::Text(init.to_string().into())).await.unwrap();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), bad.next()).await.expect("answer");
    assert!(
        matches!(closed, Some(Ok(Message::Close(_))) | None | Some(Err(_))),
        "expected the connection to close, got {closed:?}"
    );

    // Authorised like the query: another community's resident gets an error.
    let mut ws = subscribe(listen_on, a.t("demo-resident-river"), &id).await;
    let msg = next_json(&mut ws).await;
    assert!(msg["payload"]["data"].is_null(), "{msg}");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{msg}");
}

both!(other_communities_cannot_read_comment_or_vote, subscription_sees_events_from_another_process,);
