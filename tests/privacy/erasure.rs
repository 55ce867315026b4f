//! Erasure: the person leaves, their identity with them; what they did for
//! others stays, anonymised, and no count changes.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};

const FIGURES: [&str; 9] = [
    "REPORT_RESOLUTION_RATE",
    "REPORT_OVERDUE_SHARE",
    "SATISFACTION_RATE",
    "SERVICE_DELIVERIES",
    "SERVICE_BENEFICIARIES",
    "SERVICE_HOURS",
    "PROJECTS_PROPOSED",
    "FUND_EXECUTION_RATE",
    "PROJECTS_APPROVED",
];

/// Counts and sums others rely on, as the committee, the office and the
/// NGO see them.
async fn figures(app: &TestApp, a: &Actors, report: &Value, alert: &Value, project: &Value) -> Value {
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let peach = app.peach_garden().await;
    let committee = a.t("demo-committee");
    let q = "query($r: ID!, $a: ID!, $p: ID!) {
        reports(first: 1) { totalCount }
        report(id: $r) { status description reporter { displayName } }
        notice(id: $a) { counts { targeted responded safe needHelp } }
        project(id: $p) { tally { yes no abstain } comments(first: 10) { totalCount edges { node { body author { displayName } } } } }
        deliveryTotals { records beneficiaries } }";
    let r = app.gql(Some(committee), q, json!({ "r": report, "a": alert, "p": project })).await;
    assert!(r["errors"].is_null(), "{r}");
    let series = app
        .gql(
            Some(a.t("demo-office")),
            crate::indicators::SERIES,
            json!({ "r": peach, "from": month, "to": month, "n": FIGURES }),
        )
        .await;
    assert!(series["errors"].is_null(), "{series}");
    json!({ "committee": r["data"], "indicators": series["data"] })
}

/// Every root field without required arguments, three levels deep, as
/// `token`; the answers' text. At least `min` must answer with data.
async fn walk(app: &TestApp, token: &str, types: &std::collections::HashMap<String, Value>) -> String {
    let mut text = String::new();
    let mut answered = 0;
    for f in types["Query"]["fields"].as_array().unwrap() {
        let required = f["args"].as_array().unwrap().iter().any(|a| a["type"]["kind"] == "NON_NULL");
        let name = f["name"].as_str().unwrap();
        if required || name.starts_with("__") {
            continue;
        }
        let mut leaf = &f["type"];
        while leaf["ofType"].is_object() {
            leaf = &leaf["ofType"];
        }
        let inner = match leaf["kind"].as_str() {
            Some("OBJECT" | "INTERFACE") => {
                format!("{{ {} }}", crate::common::selection(types, leaf["name"].as_str().unwrap(), 3))
            }
            _ => String::new(),
        };
        let r = app.gql(Some(token), &format!("{{ {name} {inner} }}"), json!({})).await;
        if r["data"].is_object() && r["errors"].is_null() {
            answered += 1;
        }
        text.push_str(&r.to_string());
    }
    assert!(answered >= 5, "the walk reached too little ({answered} roots answered)");
    text
}

async fn an_erased_resident_leaves_no_trace_and_no_count_changes(app: TestApp) {
    let a = Actors::login(&app).await;
    let (report, alert, project) = activity(&app, &a).await;
    // The alert closes (its counts freeze); the report is resolved and rated.
    let close = "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { status } } }";
    let r = app.gql(Some(a.t("demo-committee")), close, json!({ "n": alert })).await;
    assert!(r["errors"].is_null(), "{r}");
    let before = figures(&app, &a, &report, &alert, &project).await;
    assert_eq!(before["committee"]["report"]["reporter"]["displayName"], "小李", "{before}");
    let photo: i32 = {
        use sea_orm::EntityTrait;
        entity::report_photo::Entity::find().all(&app.db.read).await.unwrap().last().unwrap().id
    };
    let photo_files = || std::fs::read_dir(app.config.photo_dir()).map(|d| d.count()).unwrap_or(0);
    assert!(photo_files() >= 2, "the photo and its thumbnail are stored");

    let resident = a.t("demo-resident").to_owned();
    let mut ws =
        crate::notices::subscribe(&app.base, &resident, "subscription { noticeEvents { noticeId kind } }").await;
    let delete = "mutation($p: String!) { deleteMyAccount(input: {password: $p}) { accountId } }";

    // A wrong password changes nothing.
    let audits = app.audit_count().await;
    let r = app.gql(Some(&resident), delete, json!({ "p": "not-my-password" })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    // A legal hold delays it, with a reason the resident sees.
    let me = crate::notices::gid("Account", app.account_id("demo-resident").await);
    let hold = "mutation($a: ID!, $r: String!) { setLegalHold(input: {accountId: $a, reason: $r}) { account { legalHoldReason } } }";
    let r = app.gql(Some(a.t("demo-committee")), hold, json!({ "a": me, "r": "调解中" })).await;
    assert_eq!(code(&r), HIDDEN, "the office holds, not the committee: {r}");
    let river_office = app
        .gql(
            Some(a.t("demo-office")),
            hold,
            json!({ "a": crate::notices::gid("Account", app.account_id("demo-resident-river").await), "r": "x" }),
        )
        .await;
    assert_eq!(code(&river_office), "FORBIDDEN", "another street's resident: {river_office}");
    assert_eq!(app.audit_count().await, audits, "refusals write nothing");
    let r = app.gql(Some(a.t("demo-office")), hold, json!({ "a": me, "r": "邻里纠纷调解中" })).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(
        r["data"]["setLegalHold"]["account"]["legalHoldReason"],
        Value::Null,
        "personal: not the office's to read"
    );
    let r = app.gql(Some(&resident), "{ me { account { legalHoldReason } } }", json!({})).await;
    assert_eq!(r["data"]["me"]["account"]["legalHoldReason"], "邻里纠纷调解中", "{r}");
    let r = app.gql(Some(&resident), delete, json!({ "p": api::seed::DEMO_PASSWORD })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("邻里纠纷调解中"), "{r}");
    let release = "mutation($a: ID!) { releaseLegalHold(input: {accountId: $a}) { account { legalHoldReason } } }";
    let r = app.gql(Some(a.t("demo-office")), release, json!({ "a": me })).await;
    assert_eq!(r["data"]["releaseLegalHold"]["account"]["legalHoldReason"], Value::Null, "{r}");

    let audits = app.audit_count().await;
    let r = app.gql(Some(&resident), delete, json!({ "p": api::seed::DEMO_PASSWORD })).await;
    assert_eq!(r["data"]["deleteMyAccount"]["accountId"], me, "{r}");
    assert_eq!(app.audit_count().await, audits + 1, "one audit row");

    // Access ends: the token, the WebSocket, the password.
    crate::hostile::sessions::expect_close(&mut ws, 4403).await;
    let r = app.gql(Some(&resident), "{ me { role } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    let r = app
        .gql(
            None,
            "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }",
            json!({ "u": "demo-resident", "p": api::seed::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");

    // Nothing changed for others: counts, tallies, indicators; the report
    // and the comment stay, from "a former resident".
    let after = figures(&app, &a, &report, &alert, &project).await;
    let mut expected = before.clone();
    expected["committee"]["report"]["reporter"]["displayName"] = json!("a former resident");
    for c in expected["committee"]["project"]["comments"]["edges"].as_array_mut().unwrap() {
        if c["node"]["author"]["displayName"] == "小李" {
            c["node"]["author"]["displayName"] = json!("a former resident");
        }
    }
    assert_eq!(after, expected);
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "query($r: ID!) { report(id: $r) { reporter { displayName } } }",
            json!({ "r": report }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let zh = app
        .post_with(
            Some(a.t("demo-committee")),
            &[("Accept-Language", "zh-CN")],
            &json!({ "query": "query($r: ID!) { report(id: $r) { reporter { displayName } } }", "variables": { "r": report } }),
        )
        .await
        .2;
    assert_eq!(zh["data"]["report"]["reporter"]["displayName"], "原居民", "{zh}");

    // The photos are gone, rows and files.
    let resp =
        app.client.get(format!("{}/photos/{photo}", app.base)).bearer_auth(a.t("demo-committee")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(photo_files(), 0, "photo files deleted");

    // No trace of the person's name, phone or username anywhere any role looks.
    let types = crate::common::schema_types(&app, a.t("demo-admin")).await;
    for who in ["demo-committee", "demo-office", "demo-ngo", "demo-property", "demo-building-head", "demo-admin"] {
        let text = walk(&app, a.t(who), &types).await;
        for needle in IDENTITY {
            assert!(!text.contains(needle), "{who} still sees {needle}");
        }
    }
    let q = format!("query($id: ID!) {{ report(id: $id) {{ {} }} }}", crate::common::selection(&types, "Report", 3));
    let seen = app.gql(Some(a.t("demo-admin")), &q, json!({ "id": report })).await;
    assert!(seen["errors"].is_null(), "{seen}");
    for needle in IDENTITY {
        assert!(!seen.to_string().contains(needle), "the report still shows {needle}");
    }

    // The audit log stays append-only, and its erasure row names no one.
    use sea_orm::ConnectionTrait;
    let tampered = app.db.write.execute_unprepared("UPDATE audit_log SET details = NULL").await;
    assert!(tampered.is_err(), "the audit log refuses UPDATE");
    let tampered = app.db.write.execute_unprepared("DELETE FROM audit_log").await;
    assert!(tampered.is_err(), "the audit log refuses DELETE");
    let feed = app
        .gql(Some(a.t("demo-admin")), "{ auditLog(last: 5) { edges { node { action details } } } }", json!({}))
        .await;
    let erased = feed["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["action"] == "account.erase")
        .cloned()
        .unwrap_or_else(|| panic!("{feed}"));
    for needle in IDENTITY {
        assert!(!erased.to_string().contains(needle), "{erased}");
    }
}

/// The platform admin erases on request; nobody else may, and the admin
/// does not erase themself this way.
async fn only_the_admin_erases_for_others(app: TestApp) {
    let a = Actors::login(&app).await;
    let erase = "mutation($a: ID!) { eraseAccount(input: {accountId: $a}) { accountId } }";
    let river = crate::notices::gid("Account", app.account_id("demo-resident-river").await);
    for who in ["demo-committee", "demo-office", "demo-resident"] {
        let r = app.gql(Some(a.t(who)), erase, json!({ "a": river })).await;
        assert_eq!(code(&r), HIDDEN, "{who}: {r}");
    }
    let admin = crate::notices::gid("Account", app.account_id("demo-admin").await);
    let r = app.gql(Some(a.t("demo-admin")), erase, json!({ "a": admin })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(a.t("demo-admin")), erase, json!({ "a": river })).await;
    assert_eq!(r["data"]["eraseAccount"]["accountId"], river, "{r}");
    let r = app.gql(Some(a.t("demo-admin")), erase, json!({ "a": river })).await;
    assert_eq!(code(&r), "NOT_FOUND", "erased once: {r}");
    let r = app.gql(Some(a.t("demo-resident-river")), "{ me { role } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
}

both!(an_erased_resident_leaves_no_trace_and_no_count_changes, only_the_admin_erases_for_others);
