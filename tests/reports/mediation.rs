//! A dispute (矛盾纠纷) mediated to the end: parties, a mediator, two
//! sessions, an agreement the reporter confirms and rates, counted as
//! resolved; what each party, the office and an outsider may see and do.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};
use crate::projects::Actors;

fn account_gid(id: i32) -> String {
    api::graphql::ids::encode("Account", id).0
}

const RECORD: &str = "query($id: ID!) { report(id: $id) { status resolvedAt reporter { displayName }
    mediation { result outcome referredTo followUpOn mediator { username }
      parties { partyId name description isReporter }
      sessions { heldAt attendeePartyIds notes } } } }";

async fn session(
    app: &TestApp,
    token: &str,
    id: &Value,
    held: chrono::DateTime<chrono::Utc>,
    who: Vec<Value>,
    reporter: bool,
) -> Value {
    app.gql(
        Some(token),
        "mutation($i: RecordMediationSessionInput!) { recordMediationSession(input: $i) { report { id } } }",
        json!({ "i": { "reportId": id, "heldAt": held.to_rfc3339(), "attendeePartyIds": who,
            "reporterAttended": reporter, "notes": "双方陈述，约定下周再谈" } }),
    )
    .await
}

async fn mediate(app: &TestApp, token: &str, id: &Value, input: Value) -> Value {
    let mut input = input;
    input["reportId"] = id.clone();
    app.gql(
        Some(token),
        "mutation($i: MediateReportInput!) { mediateReport(input: $i) { report { status resolvedAt } } }",
        json!({ "i": input }),
    )
    .await
}

/// The committee's current-month resolution figure for 桃园社区.
async fn resolved_this_month(app: &TestApp, token: &str) -> (f64, f64) {
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let r = crate::indicators::pull(app, token, app.region_id("桃园社区").await, &month, &month).await;
    let p = crate::indicators::point(&r, "REPORT_RESOLUTION_RATE", &month);
    (p["numerator"].as_f64().unwrap_or_else(|| panic!("{p}")), p["denominator"].as_f64().unwrap())
}

async fn dispute_from_filing_to_a_rated_agreement(app: TestApp) {
    let a = Actors::login(&app).await;
    let building = entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(app.region_id("桃园社区").await))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    let scope = || api::accounts::service::ScopeInput { building_id: Some(building), ..Default::default() };
    let upstairs = crate::funds::person(&app, "upstairs", entity::enums::Role::Resident, scope()).await;
    let outsider = crate::funds::person(&app, "outsider", entity::enums::Role::Resident, scope()).await;
    let upstairs_id = app.account_id("upstairs").await;
    let committee_id = app.account_id("demo-committee").await;

    let r =
        submit(&app, a.t("demo-resident"), json!({ "categoryCode": "DISPUTE", "description": "楼上深夜噪音" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    let before = resolved_this_month(&app, a.t("demo-admin")).await;
    step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;

    // Parties and mediator: the committee only; a counterpart of the community.
    let add = "mutation($i: AddDisputePartyInput!) { addDisputeParty(input: $i) { report { id } } }";
    let party = json!({ "reportId": id, "accountId": account_gid(upstairs_id), "description": "楼上邻居" });
    let r = app.gql(Some(a.t("demo-office")), add, json!({ "i": party })).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    let river = app.account_id("demo-resident-river").await;
    let r = app
        .gql(Some(a.t("demo-committee")), add, json!({ "i": { "reportId": id, "accountId": account_gid(river) } }))
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "not of the community: {r}");
    let r = app.gql(Some(a.t("demo-committee")), add, json!({ "i": party })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(a.t("demo-committee")), add, json!({ "i": party })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "once: {r}");
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($i: SetDisputeMediatorInput!) { setDisputeMediator(input: $i) { report { id } } }",
            json!({ "i": { "reportId": id, "accountId": account_gid(committee_id) } }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");

    // Two sessions; the second with both sides. A future one is refused.
    let r = app.gql(Some(a.t("demo-committee")), RECORD, json!({ "id": id })).await;
    let upstairs_party = r["data"]["report"]["mediation"]["parties"][0]["partyId"].clone();
    let now = chrono::Utc::now();
    let audit = app.audit_count().await;
    let r = session(&app, a.t("demo-committee"), &id, now + chrono::Duration::days(1), vec![], true).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("heldAt")), "{r}");
    let r = session(&app, a.t("demo-committee"), &id, now, vec![json!("bm90LWEtcGFydHk")], true).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(app.audit_count().await, audit, "refusals write nothing");
    let r = session(&app, a.t("demo-committee"), &id, now, vec![], true).await;
    assert!(r["errors"].is_null(), "{r}");
    let later = now + chrono::Duration::seconds(1);
    let r = session(&app, a.t("demo-committee"), &id, later, vec![upstairs_party.clone()], true).await;
    assert!(r["errors"].is_null(), "{r}");

    // The reporter cannot confirm before an agreement.
    let r = step(&app, a.t("demo-resident"), "confirmReport", &id, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");

    // The committee sees the whole record.
    let r = app.gql(Some(a.t("demo-committee")), RECORD, json!({ "id": id })).await;
    let m = &r["data"]["report"]["mediation"];
    assert_eq!(m["mediator"]["username"], "demo-committee", "{r}");
    assert_eq!(m["parties"].as_array().unwrap().len(), 2, "the counterpart and the reporter: {r}");
    assert_eq!(m["sessions"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(m["sessions"][1]["attendeePartyIds"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(m["sessions"][0]["notes"], "双方陈述，约定下周再谈");
    // The counterpart reads the dispute, not the reporter's name or the notes.
    let r = app.gql(Some(&upstairs), RECORD, json!({ "id": id })).await;
    let rep = &r["data"]["report"];
    assert!(rep["reporter"].is_null(), "{r}");
    let parties = rep["mediation"]["parties"].as_array().unwrap();
    assert!(parties.iter().any(|p| p["name"] == "upstairs"), "{r}");
    assert!(parties.iter().filter(|p| p["isReporter"] == true).all(|p| p["name"].is_null()), "{r}");
    assert!(rep["mediation"]["sessions"][0]["notes"].is_null(), "{r}");
    assert!(!r.to_string().contains("小李"), "{r}");
    // Someone else of the building does not see it at all.
    let r = app.gql(Some(&outsider), RECORD, json!({ "id": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Outcomes: REFERRED needs a target, a follow-up is not in the past.
    let r = mediate(&app, a.t("demo-committee"), &id, json!({ "result": "REFERRED", "note": "转交" })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("referredTo")), "{r}");
    let r = mediate(
        &app,
        a.t("demo-committee"),
        &id,
        json!({ "result": "AGREEMENT", "note": "x", "followUpOn": "2020-01-01" }),
    )
    .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let follow = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    let agreement = json!({ "result": "AGREEMENT", "note": "楼上22点后不再装修，铺设地垫", "followUpOn": follow });
    let r = mediate(&app, a.t("demo-committee"), &id, agreement).await;
    assert_eq!(r["data"]["mediateReport"]["report"]["status"], "MEDIATED", "{r}");
    assert!(r["data"]["mediateReport"]["report"]["resolvedAt"].is_string(), "an agreement resolves: {r}");

    // The reporter confirms and rates; the month counts it as resolved.
    let rate = "mutation($id: ID!) { rateReport(input: {reportId: $id, stars: 4}) { report { rating { stars } } } }";
    let r = app.gql(Some(a.t("demo-resident")), rate, json!({ "id": id })).await;
    assert_eq!(r["data"]["rateReport"]["report"]["rating"]["stars"], 4, "{r}");
    let r = step(&app, a.t("demo-resident"), "confirmReport", &id, None).await;
    assert_eq!(r["data"]["confirmReport"]["report"]["status"], "CLOSED", "{r}");
    let after = resolved_this_month(&app, a.t("demo-admin")).await;
    assert_eq!(after, (before.0 + 1.0, before.1), "filed this month, now resolved");
    let r = app.gql(Some(a.t("demo-resident")), RECORD, json!({ "id": id })).await;
    let m = &r["data"]["report"]["mediation"];
    assert_eq!((&m["result"], &m["followUpOn"]), (&json!("AGREEMENT"), &json!(follow)), "{r}");
    assert_eq!(m["outcome"], "楼上22点后不再装修，铺设地垫");
}

/// A failed mediation is not resolved: the reporter can neither confirm nor rate it.
async fn failed_mediation_stays_unresolved(app: TestApp) {
    let a = Actors::login(&app).await;
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "DISPUTE", "description": "占用车位" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    let r = mediate(
        &app,
        a.t("demo-committee"),
        &id,
        json!({ "result": "REFERRED", "referredTo": "PEOPLES_MEDIATION_COMMITTEE", "note": "双方分歧大" }),
    )
    .await;
    assert_eq!(r["data"]["mediateReport"]["report"], json!({ "status": "MEDIATED", "resolvedAt": null }), "{r}");
    let r = step(&app, a.t("demo-resident"), "confirmReport", &id, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($id: ID!) { rateReport(input: {reportId: $id, stars: 1}) { report { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(a.t("demo-committee")), RECORD, json!({ "id": id })).await;
    assert_eq!(r["data"]["report"]["mediation"]["referredTo"], "PEOPLES_MEDIATION_COMMITTEE", "{r}");
}

both!(dispute_from_filing_to_a_rated_agreement, failed_mediation_stays_unresolved);
