//! A report from filing to closing, and the refusals along the way.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::{Actors, organisation_id};

const READ: &str = "query($id: ID!) { report(id: $id) { status createdAt firstResponseAt firstResponseSeconds
    resolvedAt resolutionSeconds resolutionNote closedAt isOverdue assignedOrganisation { name }
    rating { stars comment } photos { kind url }
    timeline { kind fromStatus toStatus role actorName note at } } }";

fn secs(a: &Value, b: &Value) -> i64 {
    let p = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (p(b) - p(a)).num_seconds()
}

async fn report_from_photo_to_rating(app: TestApp) {
    let a = Actors::login(&app).await;
    let input = json!({ "categoryCode": "REPAIR", "description": "2单元楼道灯不亮", "locationText": "1号楼2单元",
        "latitude": 39.9042, "longitude": 116.4074 });
    let r = submit_multipart(&app, a.t("demo-resident"), input, vec![("lamp.png".into(), png(64, 48))]).await;
    let rep = &r["data"]["submitReport"]["report"];
    assert_eq!(rep["status"], "SUBMITTED", "{r}");
    assert_eq!(rep["category"]["code"], "REPAIR");
    assert_eq!((&rep["photos"][0]["width"], &rep["photos"][0]["height"]), (&json!(64), &json!(48)), "{r}");
    let id = rep["id"].clone();
    let photo_url = format!("{}{}", app.base, rep["photos"][0]["url"].as_str().unwrap());

    // The resident fetches the photo (stored as JPEG); others may not.
    let get = |token: Option<String>, url: String| {
        let client = app.client.clone();
        async move {
            let mut req = client.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.bytes().await.unwrap().to_vec())
        }
    };
    let (status, body) = get(Some(a.t("demo-resident").into()), photo_url.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(image::guess_format(&body).ok(), Some(image::ImageFormat::Jpeg));
    let (status, _) = get(Some(a.t("demo-resident").into()), format!("{photo_url}/thumbnail")).await;
    assert_eq!(status, 200);
    assert_eq!(get(Some(a.t("demo-resident-river").into()), photo_url.clone()).await.0, 404, "another community");
    assert_eq!(get(None, photo_url.clone()).await.0, 401, "anonymous");

    // The committee accepts and assigns to the property company.
    let r = step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    assert_eq!(r["data"]["acceptReport"]["report"]["status"], "ACCEPTED", "{r}");
    let property = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    let r = assign(&app, a.t("demo-committee"), &id, &property).await;
    assert_eq!(r["data"]["assignReport"]["report"]["status"], "ASSIGNED", "{r}");

    // The company's queue, then its work.
    let r = app
        .gql(Some(a.t("demo-property")), "{ reports(filter: {status: [ASSIGNED]}) { totalCount edges { node { id } } } reportCounts { status count } }", json!({}))
        .await;
    assert_eq!(r["data"]["reports"]["totalCount"], 1, "{r}");
    assert_eq!(r["data"]["reportCounts"], json!([{ "status": "ASSIGNED", "count": 1 }]), "{r}");
    let r = step(&app, a.t("demo-property"), "startReport", &id, None).await;
    assert_eq!(r["data"]["startReport"]["report"]["status"], "IN_PROGRESS", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "mutation($id: ID!) { resolveReport(input: {reportId: $id, note: \"已更换灯泡\"}) { report { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["resolveReport"]["report"]["status"], "RESOLVED", "{r}");

    // The resident rates and confirms.
    let rate = "mutation($id: ID!, $s: Int!) { rateReport(input: {reportId: $id, stars: $s, comment: \"很快\"}) { report { rating { stars } } } }";
    let r = app.gql(Some(a.t("demo-resident")), rate, json!({ "id": id, "s": 5 })).await;
    assert_eq!(r["data"]["rateReport"]["report"]["rating"]["stars"], 5, "{r}");
    let r = app.gql(Some(a.t("demo-resident")), rate, json!({ "id": id, "s": 1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "rated once: {r}");
    let r = step(&app, a.t("demo-resident"), "confirmReport", &id, None).await;
    assert_eq!(r["data"]["confirmReport"]["report"]["status"], "CLOSED", "{r}");

    let r = app.gql(Some(a.t("demo-resident")), READ, json!({ "id": id })).await;
    let rep = &r["data"]["report"];
    let kinds: Vec<_> = rep["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["SUBMITTED", "ACCEPTED", "ASSIGNED", "STARTED", "RESOLVED", "RATED", "CLOSED"], "{r}");
    // First response: the committee's acceptance; resolution: the company's.
    let accepted = &rep["timeline"][1]["at"];
    let resolved = &rep["timeline"][4]["at"];
    assert_eq!(rep["firstResponseAt"], *accepted);
    assert_eq!(rep["firstResponseSeconds"], secs(&rep["createdAt"], accepted), "{r}");
    assert_eq!(rep["resolvedAt"], *resolved);
    assert_eq!(rep["resolutionSeconds"], secs(&rep["createdAt"], resolved), "{r}");
    assert_eq!(rep["timeline"][1]["role"], "COMMUNITY_COMMITTEE");
    assert_eq!(rep["timeline"][3]["actorName"], "赵经理");
    assert_eq!(rep["resolutionNote"], "已更换灯泡");
    assert_eq!(rep["isOverdue"], false);
}

/// Runs with a 20,000-byte photo limit (see the module below).
async fn refusals_change_nothing(app: TestApp) {
    let a = Actors::login(&app).await;
    let base = json!({ "categoryCode": "HYGIENE", "description": "垃圾未清运" });
    let reports = count_reports(&app).await;
    let audit = app.audit_count().await;

    // Photos: a text file named .jpg, one over the limit, a seventh one.
    let r =
        submit_multipart(&app, a.t("demo-resident"), base.clone(), vec![("x.jpg".into(), b"not an image".to_vec())])
            .await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("photos")), "{r}");
    let big = png(120, 120);
    assert!(big.len() > 20_000);
    let r = submit_multipart(&app, a.t("demo-resident"), base.clone(), vec![("big.png".into(), big)]).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let seven = (0..7).map(|i| (format!("{i}.png"), png(8, 8))).collect();
    let r = submit_multipart(&app, a.t("demo-resident"), base.clone(), seven).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    // Coordinates out of range, or only one of them; unknown category.
    for (lat, lon) in [(json!(91.0), json!(10.0)), (json!(10.0), json!(-180.5)), (json!(10.0), Value::Null)] {
        let mut input = base.clone();
        input["latitude"] = lat;
        input["longitude"] = lon;
        let r = submit(&app, a.t("demo-resident"), input).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    }
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "WEATHER", "description": "x" })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "categoryCode", "{r}");
    // Not a resident: the committee, an organisation.
    for user in ["demo-committee", "demo-ngo", "demo-office"] {
        let r = submit(&app, a.t(user), base.clone()).await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{user}: {r}");
    }
    assert_eq!((count_reports(&app).await, app.audit_count().await), (reports, audit), "refusals wrote nothing");

    // A report assigned to the NGO: the property company cannot act on it.
    let r = submit(&app, a.t("demo-resident"), base.clone()).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    let r = step(&app, a.t("demo-resident"), "acceptReport", &id, None).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "the reporter does not accept: {r}");
    step(&app, a.t("demo-building-head"), "acceptReport", &id, None).await;
    let ngo = organisation_id(&app, a.t("demo-admin"), "阳光社工服务中心").await;
    assign(&app, a.t("demo-committee"), &id, &ngo).await;
    let elsewhere = api::directory::service::create_organisation(
        &app.db,
        &api::auth::Principal::system(),
        api::directory::service::NewOrganisation {
            name: "河湾物业".into(),
            kind: entity::enums::OrganisationKind::PropertyCompany,
            region_id: app.region_id("河湾社区").await,
            service_area: vec![app.region_id("河湾社区").await],
        },
    )
    .await
    .unwrap();
    let elsewhere = json!(api::graphql::ids::encode("Organisation", elsewhere.id).0);
    let audit = app.audit_count().await;
    for m in ["startReport", "addReportNote"] {
        let r = step(&app, a.t("demo-property"), m, &id, Some("x")).await;
        assert_eq!(code(&r), "NOT_FOUND", "{m}: {r}");
    }
    // Out of order: resolving before starting; rating before resolution.
    let r = app
        .gql(
            Some(a.t("demo-ngo")),
            "mutation($id: ID!) { resolveReport(input: {reportId: $id, note: \"x\"}) { report { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("status")), "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($id: ID!) { rateReport(input: {reportId: $id, stars: 4}) { report { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = step(&app, a.t("demo-committee"), "rejectReport", &id, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a rejection needs a reason: {r}");
    // An organisation not serving the community cannot be assigned.
    let r = assign(&app, a.t("demo-committee"), &id, &elsewhere).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "organisationId", "{r}");
    assert_eq!(app.audit_count().await, audit, "refusals wrote nothing");
    let r = app.gql(Some(a.t("demo-resident")), READ, json!({ "id": id })).await;
    assert_eq!(r["data"]["report"]["status"], "ASSIGNED", "{r}");
}

both!(report_from_photo_to_rating);

mod refusals_change_nothing {
    fn small(c: &mut api::Config) {
        c.max_photo_bytes = 20_000;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, small).await;
        super::refusals_change_nothing(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, small).await;
        super::refusals_change_nothing(app).await;
    }
}
