//! Residents' personal data (issue 27): the export, corrections, consent,
//! erasure, the access log and retention, through `/graphql` on both
//! engines.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::projects::Actors;

mod access_log;
mod erasure;
mod export;
mod retention;

/// Every way the demo resident could be identified.
pub(crate) const IDENTITY: [&str; 4] = ["\"demo-resident\"", "小李", "李明", "13800000001"];

pub(crate) const MY_DATA: &str = "{ myData { format json jsonUrl htmlUrl } }";

/// The viewer's export, parsed.
pub(crate) async fn my_data(app: &TestApp, token: &str) -> Value {
    let r = app.gql(Some(token), MY_DATA, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    serde_json::from_str(r["data"]["myData"]["json"].as_str().expect("json")).expect("a JSON document")
}

/// The viewer's access log, newest first, as (fields, viewer role, viewer
/// display name, object type, purpose).
pub(crate) async fn access_log(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .gql(
            Some(token),
            "{ myDataAccessLog(first: 100) { edges { node { at fields viewerRole viewer { displayName }
                byMachine objectType objectId channel purpose } } } }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["myDataAccessLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

/// An emergency alert of the committee to 桃园社区's building 1; its id.
pub(crate) async fn alert_to_building_one(app: &TestApp, token: &str) -> Value {
    let b = crate::notices::peach_buildings(app).await;
    let r = crate::notices::publish(
        app,
        token,
        json!({ "category": "EMERGENCY", "level": "RED", "title": "暴雨红色预警", "body": "今夜特大暴雨",
            "targetBuildingIds": [crate::notices::gid("Building", b[0])] }),
    )
    .await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["publishNotice"]["notice"]["id"].clone()
}

/// The demo resident's activity in every domain: a report with a photo,
/// a comment and a vote on a project, a NEED_HELP answer and a read mark,
/// a service request and a delivery record naming them. Returns the
/// report's and the alert's global ids and the project's.
pub(crate) async fn activity(app: &TestApp, a: &Actors) -> (Value, Value, Value) {
    let resident = a.t("demo-resident");
    let input = json!({ "categoryCode": "REPAIR", "description": "路灯坏了（我的报告）", "isPublic": true });
    let r =
        crate::reports::submit_multipart(app, resident, input, vec![("lamp.png".into(), crate::reports::png(64, 48))])
            .await;
    assert!(r["errors"].is_null(), "{r}");
    let report = r["data"]["submitReport"]["report"]["id"].clone();

    let project = crate::projects::deliberating(app, a, "小区绿化").await;
    let comment =
        "mutation($id: ID!, $b: String!) { addComment(input: {projectId: $id, body: $b}) { comment { id } } }";
    let r = app.gql(Some(resident), comment, json!({ "id": project, "b": "我的意见：多种树" })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(a.t("demo-building-head")), comment, json!({ "id": project, "b": "王阿姨的意见" })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = crate::projects::open_voting(app, a.t("demo-committee"), &project).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = crate::projects::vote(app, resident, &project, "YES").await;
    assert!(r["errors"].is_null(), "{r}");
    let r = crate::projects::vote(app, a.t("demo-building-head"), &project, "NO").await;
    assert!(r["errors"].is_null(), "{r}");

    let alert = alert_to_building_one(app, a.t("demo-committee")).await;
    let r = crate::notices::respond(app, resident, &alert, "NEED_HELP", Some("腿伤，需要帮忙转移")).await;
    assert!(r["errors"].is_null(), "{r}");
    let read = "mutation($n: ID!) { markNoticeRead(input: {noticeId: $n}) { notice { viewerHasRead } } }";
    let r = app.gql(Some(resident), read, json!({ "n": alert })).await;
    assert!(r["errors"].is_null(), "{r}");

    let (service, _) = crate::services::demo_service(app, resident).await;
    let r = crate::services::request(app, resident, &service, None).await;
    assert!(r["errors"].is_null(), "{r}");
    let ngo = a.t("demo-ngo");
    let peach = app.peach_garden().await;
    let r = crate::services::publish(app, ngo, "上门理发", vec![peach.clone()]).await;
    let haircut = r["data"]["publishService"]["service"]["id"].clone();
    let mut record = crate::services::record("visit-me", &haircut, &peach, 1);
    record["residentId"] = json!(crate::notices::gid("Account", app.account_id("demo-resident").await));
    let r = app.gql(Some(ngo), crate::services::UPSERT, json!({ "r": [record] })).await;
    assert_eq!(r["data"]["upsertDeliveryRecords"]["created"], 1, "{r}");
    (report, alert, project)
}
