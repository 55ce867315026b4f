//! Plain notices: scope, reads counted once, editing and withdrawing.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn read_counts_edit_and_withdraw(app: TestApp) {
    let a = Actors::login(&app).await;
    // Who may publish where.
    let general = |t: &str| json!({ "category": "GENERAL", "title": t, "body": "周六上午停水" });
    for user in ["demo-resident", "demo-ngo", "demo-property"] {
        let r = publish(&app, a.t(user), general("停水通知")).await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{user}: {r}");
    }
    let mut elsewhere = general("停水通知");
    elsewhere["targetRegionIds"] = json!([crate::funds::region(&app, "河湾社区").await]);
    let r = publish(&app, a.t("demo-committee"), elsewhere).await;
    assert_eq!(code(&r), "FORBIDDEN", "another community: {r}");
    let r = publish(&app, a.t("demo-committee"), json!({ "category": "EMERGENCY", "title": "x", "body": "y" })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "level", "{r}");

    let r = publish(&app, a.t("demo-committee"), general("停水通知")).await;
    let n = r["data"]["publishNotice"]["notice"]["id"].clone();
    let list = "{ notices { totalCount edges { node { id title viewerHasRead } } } }";
    let r = app.gql(Some(a.t("demo-resident")), list, json!({})).await;
    assert_eq!(r["data"]["notices"]["edges"][0]["node"]["id"], n, "{r}");
    let r = app.gql(Some(a.t("demo-resident-river")), list, json!({})).await;
    assert_eq!(r["data"]["notices"]["totalCount"], 0, "{r}");

    // 50 concurrent reads by one resident count once.
    let read = "mutation($n: ID!) { markNoticeRead(input: {noticeId: $n}) { notice { viewerHasRead } } }";
    let all =
        futures_util::future::join_all((0..50).map(|_| app.gql(Some(a.t("demo-resident")), read, json!({ "n": n }))))
            .await;
    assert!(all.iter().all(|r| r["data"]["markNoticeRead"]["notice"]["viewerHasRead"] == true), "{:?}", all[0]);
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "query($n: ID!) { notice(id: $n) { readCounts { building { name } targeted read } } }",
            json!({ "n": n }),
        )
        .await;
    let b1 = r["data"]["notice"]["readCounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["building"]["name"] == "1号楼")
        .cloned();
    assert_eq!(b1, Some(json!({ "building": { "name": "1号楼" }, "targeted": 2, "read": 1 })), "{r}");
    // Read counts are the publisher's, the committee's and the office's:
    // not a building head's, though the head sees the notice.
    let counts = "query($n: ID!) { notice(id: $n) { id readCounts { read } } }";
    let r = app.gql(Some(a.t("demo-building-head")), counts, json!({ "n": n })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert!(!r.to_string().contains("\"read\""), "{r}");
    let r = app.gql(Some(a.t("demo-office")), counts, json!({ "n": n })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(a.t("demo-resident")), "{ unread: notices(filter: {unread: true}) { totalCount } read: notices(filter: {unread: false}) { totalCount } }", json!({})).await;
    assert_eq!(r["data"], json!({ "unread": { "totalCount": 0 }, "read": { "totalCount": 1 } }), "{r}");

    // Unread first: a second notice, unread, comes before the read one.
    let r = publish(&app, a.t("demo-committee"), general("垃圾分类宣传周")).await;
    let second = r["data"]["publishNotice"]["notice"]["id"].clone();
    let page = "query($after: String) { notices(orderBy: UNREAD_FIRST, first: 1, after: $after) { totalCount
        pageInfo { hasNextPage endCursor } edges { node { id viewerHasRead } } } }";
    let r = app.gql(Some(a.t("demo-resident")), page, json!({ "after": null })).await;
    assert_eq!(r["data"]["notices"]["edges"][0]["node"], json!({ "id": second, "viewerHasRead": false }), "{r}");
    assert_eq!(r["data"]["notices"]["pageInfo"]["hasNextPage"], true, "{r}");
    let r = app
        .gql(Some(a.t("demo-resident")), page, json!({ "after": r["data"]["notices"]["pageInfo"]["endCursor"] }))
        .await;
    assert_eq!(r["data"]["notices"]["edges"][0]["node"], json!({ "id": n, "viewerHasRead": true }), "{r}");
    assert_eq!(
        (&r["data"]["notices"]["totalCount"], &r["data"]["notices"]["pageInfo"]["hasNextPage"]),
        (&json!(2), &json!(false))
    );
    app.gql(
        Some(a.t("demo-committee")),
        "mutation($n: ID!) { withdrawNotice(input: {noticeId: $n}) { notice { id } } }",
        json!({ "n": second }),
    )
    .await;

    // Edits: the publisher, within 10 minutes.
    let edit = "mutation($n: ID!, $t: String!) { editNotice(input: {noticeId: $n, title: $t, body: \"改为周日\"}) { notice { title editedAt } } }";
    let r = app.gql(Some(a.t("demo-office")), edit, json!({ "n": n, "t": "x" })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(a.t("demo-committee")), edit, json!({ "n": n, "t": "停水通知（更正）" })).await;
    assert_eq!(r["data"]["editNotice"]["notice"]["title"], "停水通知（更正）", "{r}");
    let before = app.audit_count().await;
    app.db.write.execute_unprepared("UPDATE notices SET created_at = created_at - INTERVAL '11 minutes'").await.ok();
    if !app.db.is_postgres() {
        app.db.write.execute_unprepared("UPDATE notices SET created_at = '2020-01-01 00:00:00+00:00'").await.unwrap();
    }
    let r = app.gql(Some(a.t("demo-committee")), edit, json!({ "n": n, "t": "太晚了" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(app.audit_count().await, before);

    // Withdrawing: gone for residents, kept for the publisher and the audit log.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($n: ID!) { withdrawNotice(input: {noticeId: $n}) { notice { status } } }",
            json!({ "n": n }),
        )
        .await;
    assert_eq!(r["data"]["withdrawNotice"]["notice"]["status"], "WITHDRAWN", "{r}");
    let r = app.gql(Some(a.t("demo-resident")), list, json!({})).await;
    assert_eq!(r["data"]["notices"]["totalCount"], 0, "{r}");
    let r = app.gql(Some(a.t("demo-resident")), "query($n: ID!) { notice(id: $n) { id } }", json!({ "n": n })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r =
        app.gql(Some(a.t("demo-committee")), "query($n: ID!) { notice(id: $n) { status } }", json!({ "n": n })).await;
    assert_eq!(r["data"]["notice"]["status"], "WITHDRAWN", "{r}");
    let r =
        app.gql(Some(a.t("demo-committee")), "{ auditLog(last: 10) { edges { node { action } } } }", json!({})).await;
    let actions: Vec<_> =
        r["data"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].clone()).collect();
    assert!(actions.contains(&json!("notice.withdraw")) && actions.contains(&json!("notice.publish")), "{r}");
}

both!(read_counts_edit_and_withdraw);
