//! Deadlines: an overdue report is escalated to the office exactly once,
//! also with two server processes sweeping one database.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::both;
use crate::common::TestApp;
use crate::projects::Actors;

async fn overdue_reports_escalate_once(app: TestApp) {
    let a = Actors::login(&app).await;
    // The committee's own REPAIR category; then (directly in the database,
    // the API's unit being hours) a 1-second target.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($c: ID!) { setReportCategory(input: {communityId: $c, code: \"REPAIR\", name: \"紧急维修\", targetHours: 1}) { category { code targetHours isCustom } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(
        r["data"]["setReportCategory"]["category"],
        json!({ "code": "REPAIR", "targetHours": 1, "isCustom": true }),
        "{r}"
    );
    app.db
        .write
        .execute_unprepared("UPDATE report_categories SET target_secs = 1 WHERE community_id IS NOT NULL")
        .await
        .unwrap();

    // A second replica on the same database, both sweeping every 100 ms.
    let mut config = app.config.clone();
    config.report_sweep_ms = 100;
    let peer = app.spawn_peer_with(config).await;
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "电梯困人" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    let db_id = api::graphql::ids::decode(&async_graphql::ID(id.as_str().unwrap().into())).unwrap().1;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;

    let escalations = entity::report_event::Entity::find()
        .filter(entity::report_event::Column::ReportId.eq(db_id))
        .filter(entity::report_event::Column::Kind.eq(entity::enums::ReportEventKind::Escalated))
        .count(&app.db.read)
        .await
        .unwrap();
    assert_eq!(escalations, 1, "escalated exactly once");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "{ reports(filter: {escalated: true, overdue: true}, orderBy: DUE_SOONEST) { totalCount edges { node { id isOverdue escalatedAt timeline { kind role note } } } } }",
            json!({}),
        )
        .await;
    let node = &r["data"]["reports"]["edges"][0]["node"];
    assert_eq!(r["data"]["reports"]["totalCount"], 1, "{r}");
    assert_eq!((&node["id"], &node["isOverdue"]), (&id, &json!(true)), "{r}");
    assert_eq!(node["timeline"][1]["kind"], "ESCALATED");
    assert_eq!(node["timeline"][1]["role"], serde_json::Value::Null, "the server's own step");
    // Resolving it afterwards is still possible; it stays escalated once.
    drop(peer);
}

both!(overdue_reports_escalate_once);

/// Live queues: the company hears of a report assigned to it, the reporter
/// of its status changes, through another server process on PostgreSQL.
async fn live_queue_and_my_reports(app: TestApp) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let a = Actors::login(&app).await;
    // Subscribers connect to a second process (on SQLite, the same one).
    let peer = if app.db.is_postgres() { Some(app.spawn_peer().await) } else { None };
    let base = peer.as_ref().map_or(app.base.clone(), |p| p.base.clone());
    let subscribe = |token: String, query: &'static str| {
        let url = format!("{}/graphql", base.replace("http://", "ws://"));
        async move {
            let mut req = url.into_client_request().unwrap();
            req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
            let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
            ws.send(Message::Text(init.to_string().into())).await.unwrap();
            assert_eq!(crate::projects::next_json(&mut ws).await["type"], "connection_ack");
            let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
            ws.send(Message::Text(sub.to_string().into())).await.unwrap();
            ws
        }
    };
    let mut queue = subscribe(
        a.t("demo-property").to_owned(),
        "subscription { reportQueueEvents { kind status report { description } } }",
    )
    .await;
    let mut mine = subscribe(a.t("demo-resident").to_owned(), "subscription { myReportEvents { kind status } }").await;
    // Only organisation staff have a queue.
    let mut refused = subscribe(a.t("demo-committee").to_owned(), "subscription { reportQueueEvents { kind } }").await;
    let got = crate::projects::next_json(&mut refused).await;
    assert_eq!(got["payload"]["errors"][0]["extensions"]["code"], crate::common::HIDDEN, "{got}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "门禁坏了" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    let got = crate::projects::next_json(&mut mine).await;
    assert_eq!(
        got["payload"]["data"]["myReportEvents"],
        json!({ "kind": "SUBMITTED", "status": "SUBMITTED" }),
        "{got}"
    );
    step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    let got = crate::projects::next_json(&mut mine).await;
    assert_eq!(got["payload"]["data"]["myReportEvents"]["status"], "ACCEPTED", "{got}");
    let property = crate::projects::organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    assign(&app, a.t("demo-committee"), &id, &property).await;
    let got = crate::projects::next_json(&mut queue).await;
    assert_eq!(
        got["payload"]["data"]["reportQueueEvents"],
        json!({ "kind": "ASSIGNED", "status": "ASSIGNED", "report": { "description": "门禁坏了" } }),
        "{got}"
    );
}

both!(live_queue_and_my_reports);
