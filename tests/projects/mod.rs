//! Shared projects and deliberation through `/graphql`: fixtures here,
//! tests by sub-domain in the modules.

use std::collections::HashMap;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::TestApp;

const USERS: [&str; 9] = [
    "demo-resident",
    "demo-building-head",
    "demo-committee",
    "demo-office",
    "demo-ngo",
    "demo-property",
    "demo-admin",
    "demo-resident-river",
    "demo-party",
];

/// Every demo user's access token.
pub(crate) struct Actors(HashMap<&'static str, String>);

impl Actors {
    pub(crate) async fn login(app: &TestApp) -> Self {
        let mut m = HashMap::new();
        for u in USERS {
            m.insert(u, app.token(u).await);
        }
        Self(m)
    }
    pub(crate) fn t(&self, user: &str) -> &str {
        &self.0[user]
    }
}

const PROJECT: &str = "id title status outcome
    tally { yes no abstain turnout eligible final }
    viewerCanVote viewerVote viewerCanEvaluate viewerEvaluation { rating }
    evaluationSummary { count average }
    timeline { fromStatus toStatus role reason actor { username } }
    participants { role organisation { name } }";

pub(crate) async fn organisation_id(app: &TestApp, token: &str, name: &str) -> Value {
    let r = app.gql(Some(token), "{ organisations(first: 100) { edges { node { id name } } } }", json!({})).await;
    r["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .unwrap_or_else(|| panic!("no organisation {name}: {r}"))["node"]["id"]
        .clone()
}

pub(crate) async fn create_draft(app: &TestApp, token: &str, title: &str) -> Value {
    let r = app
        .gql(
            Some(token),
            "mutation($t: String!) { createProject(input: {title: $t, description: \"为老人装扶手\", category: ELDERLY_CARE,
                budgetFen: 1250000, locationText: \"1号楼门口\"}) { project { id status community { name } } } }",
            json!({ "t": title }),
        )
        .await;
    assert_eq!(r["data"]["createProject"]["project"]["status"], "DRAFT", "{r}");
    assert_eq!(r["data"]["createProject"]["project"]["community"]["name"], "桃园社区");
    r["data"]["createProject"]["project"]["id"].clone()
}

/// Run a `{ projectId, reason }` transition mutation.
pub(crate) async fn step(app: &TestApp, token: &str, mutation: &str, id: &Value) -> Value {
    let q = format!("mutation($id: ID!) {{ {mutation}(input: {{projectId: $id}}) {{ project {{ {PROJECT} }} }} }}");
    app.gql(Some(token), &q, json!({ "id": id })).await
}

pub(crate) async fn step_ok(app: &TestApp, token: &str, mutation: &str, id: &Value, expect_status: &str) -> Value {
    let r = step(app, token, mutation, id).await;
    assert_eq!(r["data"][mutation]["project"]["status"], expect_status, "{mutation}: {r}");
    r["data"][mutation]["project"].clone()
}

pub(crate) async fn open_voting(app: &TestApp, token: &str, id: &Value) -> Value {
    let closes = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    app.gql(
        Some(token),
        "mutation($id: ID!, $c: DateTime!) { openVoting(input: {projectId: $id, closesAt: $c}) { project { status voting { isOpen closesAt } } } }",
        json!({ "id": id, "c": closes }),
    )
    .await
}

pub(crate) async fn vote(app: &TestApp, token: &str, id: &Value, choice: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote viewerCanVote } } }",
        json!({ "id": id, "c": choice }),
    )
    .await
}

pub(crate) async fn read(app: &TestApp, token: &str, id: &Value) -> Value {
    // The typed lookup (NOT_FOUND when invisible), aliased as before.
    let q = format!("query($id: ID!) {{ node: project(id: $id) {{ {PROJECT} }} }}");
    app.gql(Some(token), &q, json!({ "id": id })).await
}

/// A project brought to DELIBERATING by the demo resident and committee.
pub(crate) async fn deliberating(app: &TestApp, a: &Actors, title: &str) -> Value {
    let id = create_draft(app, a.t("demo-resident"), title).await;
    step_ok(app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;
    id
}

pub(crate) async fn set_rules(app: &TestApp, a: &Actors, quorum: i32, threshold: i32, live: bool) {
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($q: Int!, $t: Int!, $l: Boolean!, $c: ID!) { updateCommunitySettings(input: {communityId: $c,
                quorumPercent: $q, thresholdPercent: $t, liveTally: $l}) { settings { quorumPercent thresholdPercent liveTally } } }",
            json!({ "q": quorum, "t": threshold, "l": live, "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["data"]["updateCommunitySettings"]["settings"]["quorumPercent"], quorum, "{r}");
}

/// Subscribe over WebSocket (graphql-transport-ws) to a project's events.
pub(crate) async fn subscribe(
    app: &TestApp,
    token: &str,
    project: &Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: ID!) { projectEvents(projectId: $id) { projectId kind status } }",
        "variables": { "id": project } } });
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    ws
}

pub(crate) async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("no WebSocket message within 10 s")
            .expect("stream ended")
            .expect("WebSocket error");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

fn async_graphql_id(v: &Value) -> async_graphql::ID {
    async_graphql::ID(v.as_str().unwrap().to_owned())
}

pub(crate) use council::council_walk;
mod cost;
mod council;
mod lifecycle;
mod scope;
mod voting;
