//! The loops that close (issue 33): the escalation ladder, the property
//! company handing a report back and saying when it will finish, and a
//! dispute mediated from filing through two sessions to an agreement the
//! reporter confirms and rates, counted as resolved.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};
use crate::projects::{Actors, organisation_id};

const LADDER: &str = "query($id: ID!) { report(id: $id) { escalationLevel escalatedAt escalatedToCommitteeAt
    timeline { kind role note } } }";

fn kinds(r: &Value) -> Vec<String> {
    r["data"]["report"]["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

async fn escalated_to(app: &TestApp, token: &str, level: &str) -> Vec<Value> {
    let r = app
        .gql(
            Some(token),
            "query($l: EscalationLevel) { reports(filter: {escalatedTo: $l}) { edges { node { id } } } }",
            json!({ "l": level }),
        )
        .await;
    r["data"]["reports"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

async fn building_head_escalates_to_the_committee_first(app: TestApp) {
    let a = Actors::login(&app).await;
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "电梯异响" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    let audit = app.audit_count().await;

    // A resident cannot escalate; the building head reaches the committee.
    let r = step(&app, a.t("demo-resident"), "escalateReport", &id, None).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    let r = step(&app, a.t("demo-building-head"), "escalateReport", &id, Some("电梯三天没人修")).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(a.t("demo-committee")), LADDER, json!({ "id": id })).await;
    let rep = &r["data"]["report"];
    assert_eq!(rep["escalationLevel"], "COMMITTEE", "{r}");
    assert!(rep["escalatedAt"].is_null() && rep["escalatedToCommitteeAt"].is_string(), "{r}");
    let last = rep["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last, json!({ "kind": "ESCALATED_TO_COMMITTEE", "role": "BUILDING_HEAD", "note": "电梯三天没人修" }));
    assert_eq!(escalated_to(&app, a.t("demo-committee"), "COMMITTEE").await, vec![id.clone()]);
    assert!(escalated_to(&app, a.t("demo-office"), "OFFICE").await.is_empty(), "the office is not reached yet");

    // The head cannot take the rung twice nor skip to the office.
    let r = step(&app, a.t("demo-building-head"), "escalateReport", &id, None).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("status")), "{r}");
    assert_eq!(app.audit_count().await, audit + 1, "a refusal writes nothing");

    // The committee takes it to the office.
    let r = step(&app, a.t("demo-committee"), "escalateReport", &id, Some("请街道协调维保单位")).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(a.t("demo-office")), LADDER, json!({ "id": id })).await;
    assert_eq!(r["data"]["report"]["escalationLevel"], "OFFICE", "{r}");
    let k = kinds(&r);
    assert_eq!(k[k.len() - 2..], ["ESCALATED_TO_COMMITTEE", "ESCALATED"], "{r}");
    assert_eq!(escalated_to(&app, a.t("demo-office"), "OFFICE").await, vec![id.clone()]);
    assert!(escalated_to(&app, a.t("demo-committee"), "COMMITTEE").await.is_empty(), "{r}");
    let r = step(&app, a.t("demo-committee"), "escalateReport", &id, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "once: {r}");
}

async fn property_company_returns_and_sets_expected_completion(app: TestApp) {
    let a = Actors::login(&app).await;
    let property = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "路灯不亮" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    assign(&app, a.t("demo-committee"), &id, &property).await;

    let expect = "mutation($id: ID!, $at: DateTime!) { setExpectedCompletion(input: {reportId: $id, expectedAt: $at}) {
        report { expectedCompletionAt } } }";
    let soon = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 3 * 86_400, 0).unwrap();
    let (soon, soon_secs) = (
        soon.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        soon.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let audit = app.audit_count().await;
    let r = app.gql(Some(a.t("demo-property")), expect, json!({ "id": id, "at": past })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("expectedAt")), "{r}");
    let r = app.gql(Some(a.t("demo-ngo")), expect, json!({ "id": id, "at": soon })).await;
    assert_eq!(code(&r), "NOT_FOUND", "not its report: {r}");
    let r = app.gql(Some(a.t("demo-committee")), expect, json!({ "id": id, "at": soon })).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    assert_eq!(app.audit_count().await, audit);
    let r = app.gql(Some(a.t("demo-property")), expect, json!({ "id": id, "at": soon })).await;
    assert_eq!(r["data"]["setExpectedCompletion"]["report"]["expectedCompletionAt"], soon, "{r}");
    // The reporter sees it, and Open311 gives it as expected_datetime.
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "query($id: ID!) { report(id: $id) { expectedCompletionAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["report"]["expectedCompletionAt"], soon, "{r}");
    let url = format!("{}/open311/v2/requests/{}.json", app.base, id.as_str().unwrap());
    let body: Value = app.client.get(url).bearer_auth(a.t("demo-resident")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body[0]["expected_datetime"], soon_secs, "{body}");

    // A reason is required to hand it back; then it is the committee's again.
    let r = step(&app, a.t("demo-property"), "returnReport", &id, None).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("reason")), "{r}");
    let r = step(&app, a.t("demo-property"), "returnReport", &id, Some("属市政路灯，非物业管辖")).await;
    assert_eq!(r["data"]["returnReport"]["report"]["status"], "ACCEPTED", "{r}");
    let read = "query($id: ID!) { report(id: $id) { status assignedOrganisation { name } expectedCompletionAt
        timeline { kind role note fromStatus toStatus } } }";
    let r = app.gql(Some(a.t("demo-committee")), read, json!({ "id": id })).await;
    let rep = &r["data"]["report"];
    assert!(rep["assignedOrganisation"].is_null() && rep["expectedCompletionAt"].is_null(), "{r}");
    let last = rep["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last,
        json!({ "kind": "RETURNED", "role": "PROPERTY_COMPANY", "note": "属市政路灯，非物业管辖",
            "fromStatus": "ASSIGNED", "toStatus": "ACCEPTED" })
    );
    let r = app.gql(Some(a.t("demo-property")), read, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "no longer its report: {r}");
    let r = step(&app, a.t("demo-property"), "returnReport", &id, Some("again")).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
}

/// The property company reads its own figures; no one else's.
async fn property_company_reads_its_own_figures(app: TestApp) {
    let a = Actors::login(&app).await;
    let property = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    let ngo = organisation_id(&app, a.t("demo-admin"), "阳光社工服务中心").await;
    let month = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m").to_string();
    let q = "query($o: ID!, $m: Month!) { organisationIndicators(organisationId: $o, from: $m, to: $m) {
        month reportsAssigned reportsResolved resolutionRate firstResponseHoursMedian resolutionHoursMedian
        overdueShare ratings satisfactionRate } }";
    let figures = |r: &Value| r["data"]["organisationIndicators"][0].clone();
    let before = figures(&app.gql(Some(a.t("demo-property")), q, json!({ "o": property, "m": month })).await);
    assert_eq!(before["month"], month, "{before}");
    for text in ["楼顶漏水", "门禁坏了"] {
        let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": text })).await;
        let id = r["data"]["submitReport"]["report"]["id"].clone();
        step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
        assign(&app, a.t("demo-committee"), &id, &property).await;
        if text == "楼顶漏水" {
            step(&app, a.t("demo-property"), "startReport", &id, None).await;
            let resolve =
                "mutation($id: ID!) { resolveReport(input: {reportId: $id, note: \"已修补\"}) { report { status } } }";
            app.gql(Some(a.t("demo-property")), resolve, json!({ "id": id })).await;
            let rate = "mutation($id: ID!) { rateReport(input: {reportId: $id, stars: 5}) { report { id } } }";
            assert!(app.gql(Some(a.t("demo-resident")), rate, json!({ "id": id })).await["errors"].is_null());
        }
    }
    let r = app.gql(Some(a.t("demo-property")), q, json!({ "o": property, "m": month })).await;
    let after = figures(&r);
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k}: {r}"));
    assert_eq!(n(&after, "reportsAssigned") - n(&before, "reportsAssigned"), 2, "{r}");
    assert_eq!(n(&after, "reportsResolved") - n(&before, "reportsResolved"), 1, "{r}");
    assert_eq!(n(&after, "ratings") - n(&before, "ratings"), 1, "{r}");
    assert!(after["firstResponseHoursMedian"].as_f64().is_some_and(|h| h >= 0.0), "{r}");
    assert!(after["resolutionHoursMedian"].as_f64().is_some(), "{r}");
    if n(&before, "reportsAssigned") == 0 {
        assert_eq!((&after["resolutionRate"], &after["satisfactionRate"]), (&json!(0.5), &json!(1.0)), "{r}");
    }
    // Another organisation's figures: FORBIDDEN; roles without figures are not shown the query.
    let r = app.gql(Some(a.t("demo-ngo")), q, json!({ "o": property, "m": month })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(a.t("demo-property")), q, json!({ "o": ngo, "m": month })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    for who in ["demo-resident", "demo-committee", "demo-office"] {
        let r = app.gql(Some(a.t(who)), q, json!({ "o": property, "m": month })).await;
        assert_eq!(code(&r), HIDDEN, "{who}: {r}");
    }
    let r = app.gql(Some(a.t("demo-admin")), q, json!({ "o": property, "m": month })).await;
    assert_eq!(figures(&r)["reportsAssigned"], after["reportsAssigned"], "{r}");
}

both!(
    building_head_escalates_to_the_committee_first,
    property_company_returns_and_sets_expected_completion,
    property_company_reads_its_own_figures
);
