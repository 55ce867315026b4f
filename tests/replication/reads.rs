//! Read-your-writes across two API processes sharing a primary and a
//! standby that applies WAL 2 s late.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::*;
use crate::common::replication::Options;
use crate::projects::{Actors, deliberating, next_json, open_voting, read, set_rules, vote};

/// A query over WebSocket (graphql-transport-ws) to `app` as `token`: the
/// `next` payload.
async fn ws_query(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.expect("send");
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    let op = json!({ "id": "q", "type": "subscribe", "payload": { "query": query, "variables": variables } });
    ws.send(Message::Text(op.to_string().into())).await.expect("send");
    let answer = next_json(&mut ws).await;
    assert_eq!(answer["type"], "next", "{answer}");
    answer["payload"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_vote_through_one_process_is_read_back_through_another_while_others_read_the_lagging_standby() {
    let set = start(Options { standbys: 1, apply_delay_ms: 2000, synchronous: false }).await;
    let a = app_on(&set, 200).await;
    let b = a.spawn_peer().await;
    replication::all_up(&b).await;
    let actors = Actors::login(&a).await;
    set_rules(&a, &actors, 50, 50, true).await;
    let id = deliberating(&a, &actors, "读己之写").await;
    open_voting(&a, actors.t("demo-committee"), &id).await;
    // Everything so far is on the standby too; from here on it is 2 s late.
    replication::caught_up(&a.config.database_url, &a.config.replication.database_replica_url[0]).await;

    // The mutation's payload is read on the primary too (the standby
    // would not show the vote for 2 s).
    let cast = vote(&a, actors.t("demo-resident"), &id, "YES").await;
    assert_eq!(cast["data"]["castVote"]["project"]["viewerVote"], "YES", "{cast}");
    let token = cast["extensions"]["consistency"].as_str().unwrap_or_else(|| panic!("no token: {cast}")).to_owned();

    // The voter, at once, through the other process: their vote.
    let before = standby_statements(&b);
    let mine = read(&b, actors.t("demo-resident"), &id).await;
    assert_eq!(mine["data"]["node"]["viewerVote"], "YES", "{mine}");
    assert_eq!(tally_yes(&mine), 1, "{mine}");
    assert_eq!(standby_statements(&b), before, "the voter's read went to the primary");

    // Another principal right after reads the standby, which has not
    // applied the vote yet: the tally it shows is the marker.
    let theirs = read(&b, actors.t("demo-ngo"), &id).await;
    assert_eq!(tally_yes(&theirs), 0, "{theirs}");
    assert!(standby_statements(&b)[0] > before[0], "the NGO's read went to the standby");

    // With the voter's token, an integration reading as someone else sees
    // the vote too (the header of the GraphQL-over-HTTP request).
    let q = "query($id: ID!) { node: project(id: $id) { tally { yes } } }";
    let resp = b
        .client
        .post(format!("{}/graphql", b.base))
        .bearer_auth(actors.t("demo-ngo"))
        .header("Gongzhi-Consistency", &token)
        .json(&json!({ "query": q, "variables": { "id": id } }))
        .send()
        .await
        .expect("request");
    let with_token: Value = resp.json().await.expect("json");
    assert_eq!(tally_yes(&with_token), 1, "{with_token}");

    // The same over a WebSocket: the building head votes through A and
    // reads at once through B's WebSocket.
    let cast = vote(&a, actors.t("demo-building-head"), &id, "NO").await;
    assert_eq!(cast["data"]["castVote"]["project"]["viewerVote"], "NO", "{cast}");
    let q = "query($id: ID!) { node: project(id: $id) { viewerVote tally { yes no } } }";
    let over_ws = ws_query(&b, actors.t("demo-building-head"), q, json!({ "id": id })).await;
    assert_eq!(over_ws["data"]["node"]["viewerVote"], "NO", "{over_ws}");
    assert_eq!(over_ws["data"]["node"]["tally"]["no"], 1, "{over_ws}");
    // ... while the NGO's WebSocket query still reads the late standby.
    let before = standby_statements(&b);
    let theirs = ws_query(&b, actors.t("demo-ngo"), q, json!({ "id": id })).await;
    assert_eq!(theirs["data"]["node"]["tally"]["no"], 0, "{theirs}");
    assert!(standby_statements(&b)[0] > before[0]);

    // A mutation over the WebSocket returns its token too, and the
    // standby catches up: everyone reads both votes from it.
    replication::caught_up(&a.config.database_url, &a.config.replication.database_replica_url[0]).await;
    let r = read(&b, actors.t("demo-ngo"), &id).await;
    assert_eq!((tally_yes(&r), r["data"]["node"]["tally"]["no"].as_i64()), (1, Some(1)), "{r}");

    // A token that is not one is ignored, not an error.
    let resp = b
        .client
        .post(format!("{}/graphql", b.base))
        .bearer_auth(actors.t("demo-ngo"))
        .header("Gongzhi-Consistency", "not-a-position")
        .json(&json!({ "query": q, "variables": { "id": id } }))
        .send()
        .await
        .expect("request");
    let ignored: Value = resp.json().await.expect("json");
    assert!(ignored["errors"].is_null(), "{ignored}");
}

/// A new account reads itself at once through another process: sign-up is
/// anonymous, so its position is kept for the account it signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_account_reads_itself_through_another_process() {
    let set = start(Options { standbys: 1, apply_delay_ms: 2000, synchronous: false }).await;
    let a = app_on(&set, 200).await;
    let b = a.spawn_peer().await;
    replication::all_up(&b).await;
    let r = crate::residency::sign_up(&a, "replica-newcomer", json!({})).await;
    let token = r["data"]["signUp"]["session"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert!(r["extensions"]["consistency"].is_string(), "{r}");
    let me = b.gql(Some(&token), "{ me { account { username } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["account"]["username"], "replica-newcomer", "{me}");
}

/// SQLite has no standbys: the setting is ignored and no token is given.
#[tokio::test]
async fn sqlite_ignores_standbys() {
    let app = TestApp::spawn_with(crate::common::Engine::Sqlite, |c| {
        c.replication.database_replica_url = vec!["postgres://nowhere:1/x".into()];
    })
    .await;
    assert!(app.db.cluster.is_none());
    let r = app
        .gql(
            None,
            "mutation { login(input: {username: \"demo-resident\", password: \"demo-password\"}) { accessToken } }",
            json!({}),
        )
        .await;
    assert!(r["data"]["login"]["accessToken"].is_string(), "{r}");
    assert!(r["extensions"]["consistency"].is_null(), "{r}");
}
