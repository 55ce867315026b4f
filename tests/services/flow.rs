//! A service from publication to rating, who may and may not do each step,
//! and seats under concurrency.

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::Actors;

const STEP: &str = "mutation($i: ServiceRequestStepInput!) { M(input: $i) { request { id status } } }";

async fn stepped(app: &TestApp, token: &str, mutation: &str, request: &Value) -> Value {
    app.gql(Some(token), &STEP.replace('M', mutation), json!({ "i": { "requestId": request } })).await
}

async fn a_resident_gets_a_service_delivered_and_rates_it(app: TestApp) {
    let a = Actors::login(&app).await;
    let (ngo, resident) = (a.t("demo-ngo"), a.t("demo-resident"));
    let peach = app.peach_garden().await;
    let river = region(&app, "河湾社区").await;

    // An organisation publishes only where it serves: River Bend is not its area.
    let r = publish(&app, ngo, "书法班", vec![river.clone()]).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "communityIds");
    let r = publish(&app, a.t("demo-resident"), "书法班", vec![peach.clone()]).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = publish(&app, ngo, "书法班", vec![peach.clone()]).await;
    let s = &r["data"]["publishService"]["service"];
    assert_eq!(s["status"], "ACTIVE", "{r}");
    assert_eq!((s["fee"].clone(), s["isFree"].clone()), (json!("1500"), json!(false)));
    assert_eq!(s["serviceAreas"], json!([{ "name": "桃园社区" }]));
    let service = s["id"].clone();
    let session = add_session(&app, ngo, &service, &peach, 5).await;

    // Residents of Peach Garden see it; a resident of River Bend does not.
    let list =
        "query($c: ID!) { services(filter: {communityId: $c, category: [CULTURE]}) { edges { node { name } } } }";
    let r = app.gql(Some(resident), list, json!({ "c": peach })).await;
    assert_eq!(r["data"]["services"]["edges"], json!([{ "node": { "name": "书法班" } }]), "{r}");
    let r = app.gql(Some(a.t("demo-resident-river")), "{ services { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["services"]["totalCount"], 0, "{r}");
    let r = request(&app, a.t("demo-resident-river"), &service, None).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // The resident asks; a second open request is refused.
    let r = request(&app, resident, &service, None).await;
    let req = r["data"]["requestService"]["request"]["id"].clone();
    assert_eq!(r["data"]["requestService"]["request"]["status"], "REQUESTED", "{r}");
    assert_eq!(code(&request(&app, resident, &service, None).await), "CONFLICT");

    // Who may not act: the resident does not schedule, another company does
    // not even see the request, the office sees no individual requests.
    let sched = "mutation($r: ID!, $s: ID!) { scheduleServiceRequest(input: {requestId: $r, sessionId: $s}) {
        request { status session { booked remaining } } } }";
    let r = app.gql(Some(resident), sched, json!({ "r": req, "s": session })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    assert_eq!(code(&stepped(&app, a.t("demo-property"), "acceptServiceRequest", &req).await), crate::common::HIDDEN);
    let r = app.gql(Some(a.t("demo-office")), "{ serviceRequests { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    // Completing before acceptance is refused by the lifecycle.
    let r = stepped(&app, ngo, "completeServiceRequest", &req).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].clone()), ("BAD_USER_INPUT", json!("status")));

    // The organisation accepts and schedules; the resident can no longer cancel.
    assert_eq!(
        stepped(&app, ngo, "acceptServiceRequest", &req).await["data"]["acceptServiceRequest"]["request"]["status"],
        "ACCEPTED"
    );
    let r = app.gql(Some(ngo), sched, json!({ "r": req, "s": session })).await;
    let st = &r["data"]["scheduleServiceRequest"]["request"];
    assert_eq!((st["status"].clone(), st["session"]["booked"].clone()), (json!("SCHEDULED"), json!(1)), "{r}");
    assert_eq!(code(&stepped(&app, resident, "cancelServiceRequest", &req).await), "BAD_USER_INPUT");

    // Completion records the delivery; the committee counts it.
    let totals = "query($c: ID) { deliveryTotals(regionId: $c) { records beneficiaries minutes serviceHours } }";
    let before = app.gql(Some(a.t("demo-committee")), totals, json!({ "c": null })).await;
    let done = stepped(&app, ngo, "completeServiceRequest", &req).await;
    assert_eq!(done["data"]["completeServiceRequest"]["request"]["status"], "COMPLETED", "{done}");
    let after = app.gql(Some(a.t("demo-committee")), totals, json!({ "c": null })).await;
    let n = |v: &Value, f: &str| v["data"]["deliveryTotals"][f].as_i64().unwrap();
    assert_eq!(n(&after, "records"), n(&before, "records") + 1, "{after}");
    assert_eq!(n(&after, "minutes"), n(&before, "minutes") + 120);
    // The district system sees the same aggregate for its district, nothing personal.
    let district = district_token(&app).await;
    let r = app.gql(Some(&district), totals, json!({ "c": peach })).await;
    assert_eq!(n(&r, "records"), n(&after, "records"), "{r}");
    // Records and requests are not in its schema at all (issue 24).
    for q in ["{ deliveryRecords { totalCount } }", "{ serviceRequests { totalCount } }"] {
        assert_eq!(code(&app.gql(Some(&district), q, json!({})).await), crate::common::HIDDEN, "{q}");
    }

    // The record names the resident for the committee, not for the office.
    let rec = "{ deliveryRecords(first: 50) { edges { node { externalId beneficiaries resident { username } } } } }";
    let named = |r: &Value| {
        r["data"]["deliveryRecords"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["externalId"].as_str().unwrap().starts_with("gongzhi:request:"))
            .map(|e| e["node"]["resident"]["username"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(named(&app.gql(Some(a.t("demo-committee")), rec, json!({})).await), [json!("demo-resident")]);
    assert_eq!(named(&app.gql(Some(a.t("demo-office")), rec, json!({})).await), [Value::Null]);
    assert_eq!(named(&app.gql(Some(resident), rec, json!({})).await), [json!("demo-resident")]);

    // The resident rates once, 1 to 5; the organisation may not rate.
    let rate =
        "mutation($r: ID!, $n: Int!) { rateServiceRequest(input: {requestId: $r, rating: $n, comment: \"很好\"}) {
        request { rating { stars comment } } } }";
    assert_eq!(code(&app.gql(Some(resident), rate, json!({ "r": req, "n": 6 })).await), "BAD_USER_INPUT");
    assert_eq!(code(&app.gql(Some(ngo), rate, json!({ "r": req, "n": 5 })).await), crate::common::HIDDEN);
    let r = app.gql(Some(resident), rate, json!({ "r": req, "n": 5 })).await;
    assert_eq!(r["data"]["rateServiceRequest"]["request"]["rating"], json!({ "stars": 5, "comment": "很好" }), "{r}");
    assert_eq!(code(&app.gql(Some(resident), rate, json!({ "r": req, "n": 4 })).await), "CONFLICT");

    let r = app
        .gql(
            Some(resident),
            "query($id: ID!) { node(id: $id) { ... on ServiceRequest { status timeline { action fromStatus toStatus role } } } }",
            json!({ "id": req }),
        )
        .await;
    let steps: Vec<_> = r["data"]["node"]["timeline"].as_array().unwrap().iter().map(|s| s["action"].clone()).collect();
    assert_eq!(steps, ["REQUEST", "ACCEPT", "SCHEDULE", "COMPLETE", "RATE"].map(Value::from), "{r}");

    // Pausing hides the service from residents, not from its organisation.
    let upd = "mutation($i: UpdateServiceInput!) { updateService(input: $i) { service { status } } }";
    let input = |status: &str| {
        json!({ "i": { "serviceId": service, "status": status, "service": {
            "name": "书法班", "description": "每周两次", "category": "CULTURE", "serviceAreaIds": [peach] } } })
    };
    assert_eq!(code(&app.gql(Some(a.t("demo-committee")), upd, input("PAUSED")).await), crate::common::HIDDEN);
    let r = app.gql(Some(ngo), upd, input("PAUSED")).await;
    assert_eq!(r["data"]["updateService"]["service"]["status"], "PAUSED", "{r}");
    let r = app.gql(Some(resident), list, json!({ "c": peach })).await;
    assert_eq!(r["data"]["services"]["edges"], json!([]), "{r}");
    assert_eq!(code(&request(&app, a.t("demo-building-head"), &service, None).await), "NOT_FOUND");
}

/// 30 residents ask for a session with 10 seats and the organisation
/// schedules all 30 at once: exactly 10 get a seat, 20 get CONFLICT and stay
/// as they were.
async fn thirty_concurrent_schedulings_fill_ten_seats(app: TestApp) {
    use entity::enums::Role;
    let a = Actors::login(&app).await;
    let ngo = a.t("demo-ngo");
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let building = entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(app.region_id("桃园社区").await))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (service, _) = demo_service(&app, ngo).await;
    let session = add_session(&app, ngo, &service, &app.peach_garden().await, 10).await;
    let mut requests = Vec::new();
    for i in 0..30 {
        let scope = api::accounts::service::ScopeInput { building_id: Some(building), ..Default::default() };
        let t = crate::funds::person(&app, &format!("senior-{i}"), Role::Resident, scope).await;
        let r = request(&app, &t, &service, None).await;
        requests.push(r["data"]["requestService"]["request"]["id"].clone());
    }
    let sched = "mutation($r: ID!, $s: ID!) { scheduleServiceRequest(input: {requestId: $r, sessionId: $s}) { request { status } } }";
    let results = join_all(requests.iter().map(|r| app.gql(Some(ngo), sched, json!({ "r": r, "s": session })))).await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 10, "{:?}", results.iter().find(|r| !r["errors"].is_null()));
    assert!(results.iter().filter(|r| !r["errors"].is_null()).all(|r| code(r) == "CONFLICT"));
    let r = app
        .gql(
            Some(ngo),
            "query($s: ID!) { node(id: $s) { ... on ServiceSession { booked remaining } }
              serviceRequests(filter: {status: [SCHEDULED]}) { totalCount }
              waiting: serviceRequests(filter: {status: [REQUESTED]}) { totalCount } }",
            json!({ "s": session }),
        )
        .await;
    assert_eq!(r["data"]["node"], json!({ "booked": 10, "remaining": 0 }), "{r}");
    assert_eq!(r["data"]["serviceRequests"]["totalCount"], 10);
    assert_eq!(r["data"]["waiting"]["totalCount"], 20);
}

both!(a_resident_gets_a_service_delivered_and_rates_it, thirty_concurrent_schedulings_fill_ten_seats);
