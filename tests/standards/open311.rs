//! Open311 GeoReport v2: a report filed through `POST requests.json`
//! is the report GraphQL shows; its status follows each GraphQL move;
//! JSON and XML agree; private reports stay private; errors in the spec's
//! format; a stock client (`georeport`) works unmodified.

use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::{get, python, send, xml_texts};
use crate::both;
use crate::common::TestApp;
use crate::projects::organisation_id;
use crate::reports::{assign, count_reports, step, submit};

const PEACH: &str = "1101990101";

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> super::Got {
    send(app.client.post(format!("{}/open311/v2/{path}", app.base)).form(form)).await
}

/// The one request of `GET requests/{id}.json` as `token`.
async fn read(app: &TestApp, id: &str, token: &str) -> Value {
    let got = get(app, &format!("/open311/v2/requests/{id}.json"), Some(token)).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let list = got.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "a list of one: {list}");
    list[0].clone()
}

async fn filed_through_open311_is_the_graphql_report(app: TestApp) {
    let resident = app.token("demo-resident").await;
    // Services: the community's categories, without a token, JSON and XML.
    let got = get(&app, &format!("/open311/v2/services.json?jurisdiction_id={PEACH}"), None).await;
    assert_eq!((got.status, got.content_type.as_str()), (200, "application/json; charset=utf-8"), "{}", got.body);
    let services = got.json();
    let repair = services.as_array().unwrap().iter().find(|s| s["service_code"] == "REPAIR").cloned();
    let repair = repair.unwrap_or_else(|| panic!("no REPAIR: {services}"));
    assert_eq!((&repair["metadata"], &repair["type"]), (&json!(false), &json!("realtime")), "{repair}");
    let xml = get(&app, &format!("/open311/v2/services.xml?jurisdiction_id={PEACH}"), None).await;
    assert!(xml.content_type.starts_with("text/xml"), "{}", xml.content_type);
    let codes: Vec<Value> = services.as_array().unwrap().iter().map(|s| s["service_code"].clone()).collect();
    assert_eq!(xml_texts(&xml.body, "service_code").into_iter().map(Value::from).collect::<Vec<_>>(), codes);
    let def = get(&app, &format!("/open311/v2/services/REPAIR.json?jurisdiction_id={PEACH}"), None).await.json();
    assert_eq!(def, json!({ "service_code": "REPAIR", "attributes": [] }));

    // The resident files through Open311, the token as the spec's api_key.
    let got = post(
        &app,
        "requests.json",
        &[
            ("api_key", &resident),
            ("jurisdiction_id", PEACH),
            ("service_code", "REPAIR"),
            ("lat", "39.9042"),
            ("long", "116.4074"),
            ("address_string", "1号楼2单元"),
            ("description", "楼道灯不亮"),
        ],
    )
    .await;
    assert_eq!(got.status, 201, "{}", got.body);
    let id = got.json()[0]["service_request_id"].as_str().unwrap().to_owned();

    // GraphQL shows the same report: category, place, reporter.
    let q = "query($id: ID!) { report(id: $id) { category { code } latitude longitude locationText description
        status reporter { displayName } } }";
    let r = app.gql(Some(&resident), q, json!({ "id": id })).await;
    let rep = &r["data"]["report"];
    assert_eq!(
        (&rep["category"]["code"], &rep["latitude"], &rep["longitude"], &rep["locationText"], &rep["description"]),
        (&json!("REPAIR"), &json!(39.9042), &json!(116.4074), &json!("1号楼2单元"), &json!("楼道灯不亮")),
        "{r}"
    );
    let (_, raw) = api::graphql::ids::decode(&async_graphql::ID(id.clone())).unwrap();
    let stored = entity::report::Entity::find_by_id(raw).one(&app.db.read).await.unwrap().unwrap();
    assert_eq!(stored.reporter_account_id, app.account_id("demo-resident").await, "the token's resident reported it");

    // Its status follows the lifecycle after each GraphQL move.
    let fields = |v: &Value| (v["status"].clone(), v["status_notes"].clone(), v["agency_responsible"].clone());
    let o = read(&app, &id, &resident).await;
    assert_eq!(fields(&o), (json!("open"), json!("SUBMITTED"), Value::Null), "{o}");
    assert_eq!(
        (&o["service_code"], &o["lat"], &o["address"]),
        (&json!("REPAIR"), &json!(39.9042), &json!("1号楼2单元"))
    );
    assert_eq!(o["service_request_id"], json!(id));
    let committee = app.token("demo-committee").await;
    let property = app.token("demo-property").await;
    let gid = json!(id);
    assert!(step(&app, &committee, "acceptReport", &gid, None).await["errors"].is_null());
    assert_eq!(fields(&read(&app, &id, &resident).await), (json!("open"), json!("ACCEPTED"), Value::Null));
    let org = organisation_id(&app, &app.token("demo-admin").await, "安居物业").await;
    assert!(assign(&app, &committee, &gid, &org).await["errors"].is_null());
    assert_eq!(fields(&read(&app, &id, &resident).await), (json!("open"), json!("ASSIGNED"), json!("安居物业")));
    assert!(step(&app, &property, "startReport", &gid, None).await["errors"].is_null());
    assert_eq!(fields(&read(&app, &id, &resident).await).1, json!("IN_PROGRESS"));
    let r = app
        .gql(
            Some(&property),
            "mutation($id: ID!) { resolveReport(input: {reportId: $id, note: \"已更换灯泡\"}) { report { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let done = read(&app, &id, &resident).await;
    assert_eq!(fields(&done), (json!("closed"), json!("RESOLVED: 已更换灯泡"), json!("安居物业")), "{done}");

    // XML says the same.
    let xml = get(&app, &format!("/open311/v2/requests/{id}.xml"), Some(&resident)).await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(xml.body.contains("<service_requests>"), "{}", xml.body);
    assert_eq!(xml_texts(&xml.body, "status"), ["closed"]);
    assert_eq!(xml_texts(&xml.body, "status_notes"), ["RESOLVED: 已更换灯泡"]);
    assert_eq!(xml_texts(&xml.body, "service_request_id"), std::slice::from_ref(&id));

    // Lists: by status, by service code, by jurisdiction (a street), by id.
    let list = |q: String| {
        let (app, t) = (&app, resident.clone());
        async move { get(app, &format!("/open311/v2/requests.json?{q}"), Some(&t)).await.json() }
    };
    let ids = |v: &Value| v.as_array().unwrap().iter().map(|r| r["service_request_id"].clone()).collect::<Vec<_>>();
    assert!(ids(&list("status=closed".into()).await).contains(&gid));
    assert!(!ids(&list("status=open".into()).await).contains(&gid));
    assert!(ids(&list("service_code=REPAIR,NOISE&jurisdiction_id=11019901".into()).await).contains(&gid));
    assert!(!ids(&list("service_code=NOISE".into()).await).contains(&gid));
    assert_eq!(ids(&list(format!("service_request_id={id}")).await), std::slice::from_ref(&gid));
    let old = list("start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z".into()).await;
    assert_eq!(old, json!([]), "before it was filed");
}

async fn private_reports_stay_private_and_errors_follow_the_spec(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let river = app.token("demo-resident-river").await;
    let r =
        submit(&app, &resident, json!({ "categoryCode": "NOISE", "description": "楼上装修到深夜", "isPublic": false }))
            .await;
    let id = r["data"]["submitReport"]["report"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    // Another community's resident: not through GraphQL, not through Open311.
    let r = app.gql(Some(&river), "query($id: ID!) { report(id: $id) { id } }", json!({ "id": id })).await;
    assert!(r["data"]["report"].is_null(), "{r}");
    let got = get(&app, &format!("/open311/v2/requests/{id}.json"), Some(&river)).await;
    assert_eq!(got.status, 404, "{}", got.body);
    assert_eq!(got.json()[0]["code"], 404, "the spec's error format: {}", got.body);
    let listed = get(&app, &format!("/open311/v2/requests.json?jurisdiction_id={PEACH}"), Some(&river)).await.json();
    assert!(!listed.as_array().unwrap().iter().any(|r| r["service_request_id"] == json!(id)), "{listed}");
    let xml = get(&app, &format!("/open311/v2/requests/{id}.xml"), Some(&river)).await;
    assert_eq!(xml.status, 404);
    assert_eq!(xml_texts(&xml.body, "code"), ["404"], "{}", xml.body);
    // The reporter reads it; a listing of its community shows no reporter.
    assert_eq!(read(&app, &id, &resident).await["status"], "open");
    let body = get(&app, &format!("/open311/v2/requests.json?jurisdiction_id={PEACH}"), Some(&resident)).await.body;
    assert!(!body.contains("demo-resident") && !body.contains("13800000001"), "{body}");

    // Errors, each in the spec's format with its status, and nothing filed.
    let before = count_reports(&app).await;
    let got =
        post(&app, "requests.json", &[("service_code", "REPAIR"), ("description", "x"), ("lat", "1"), ("long", "1")])
            .await;
    assert_eq!((got.status, got.json()[0]["code"].clone()), (401, json!(401)), "{}", got.body);
    let got =
        post(&app, "requests.json", &[("api_key", &resident), ("description", "x"), ("lat", "1"), ("long", "1")]).await;
    assert_eq!((got.status, got.json()[0]["code"].clone()), (400, json!(400)), "no service_code: {}", got.body);
    let got =
        post(&app, "requests.json", &[("api_key", &resident), ("service_code", "REPAIR"), ("description", "x")]).await;
    assert_eq!(got.status, 400, "no location: {}", got.body);
    let got = post(
        &app,
        "requests.xml",
        &[("api_key", &resident), ("service_code", "NOPE"), ("description", "x"), ("lat", "1"), ("long", "1")],
    )
    .await;
    assert_eq!(got.status, 400, "{}", got.body);
    assert!(got.body.contains("<errors>") && xml_texts(&got.body, "code") == ["400"], "{}", got.body);
    let got = post(
        &app,
        "requests.json",
        &[
            ("api_key", &resident),
            ("jurisdiction_id", "1101990201"),
            ("service_code", "REPAIR"),
            ("description", "x"),
            ("lat", "1"),
            ("long", "1"),
        ],
    )
    .await;
    assert_eq!(got.status, 403, "another community: {}", got.body);
    let district = crate::services::district_token(&app).await;
    let got = post(
        &app,
        "requests.json",
        &[("api_key", &district), ("service_code", "REPAIR"), ("description", "x"), ("lat", "1"), ("long", "1")],
    )
    .await;
    assert_eq!(got.status, 403, "a machine client files nothing: {}", got.body);
    let got = post(&app, "requests.json", &[("api_key", "not-a-token"), ("service_code", "REPAIR")]).await;
    assert_eq!(got.status, 401, "{}", got.body);
    let got = post(
        &app,
        "requests.json",
        &[("api_key", &resident), ("service_code", "REPAIR"), ("description", "a\u{0}b"), ("lat", "1"), ("long", "1")],
    )
    .await;
    assert_eq!(got.status, 400, "control characters are refused as in GraphQL: {}", got.body);
    assert_eq!(count_reports(&app).await, before, "no report from a refused post");
    let many = vec!["x"; 1001].join(",");
    let got = get(&app, &format!("/open311/v2/requests.json?service_request_id={many}"), Some(&resident)).await;
    assert_eq!(got.status, 400, "at most 1,000 ids, as the gate's lists: {}", got.body);

    assert_eq!(get(&app, "/open311/v2/requests.json", None).await.status, 401, "requests need a token");
    let got = get(
        &app,
        "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        Some(&resident),
    )
    .await;
    assert_eq!(got.status, 400, "more than 90 days: {}", got.body);
    let got = get(&app, "/open311/v2/requests.json?status=pending", Some(&resident)).await;
    assert_eq!(got.status, 400, "{}", got.body);
    assert_eq!(get(&app, "/open311/v2/services.yaml", None).await.status, 404);
    assert_eq!(get(&app, "/open311/v2/services.json", None).await.status, 400, "no jurisdiction, no community");
    assert_eq!(get(&app, "/open311/v2/services.json?jurisdiction_id=999", None).await.status, 400);
    assert_eq!(get(&app, &format!("/open311/v2/services/NOPE.json?jurisdiction_id={PEACH}"), None).await.status, 404);

    // Counted on /metrics by route, as every request.
    let metrics = get(&app, "/metrics", None).await.body;
    let line =
        metrics.lines().find(|l| l.contains(r#"route="/open311/v2/{resource}""#) && l.contains(r#"status="401""#));
    assert!(line.is_some(), "no adapter requests on /metrics");
}

/// `georeport`, unmodified: lists services, reads back what was posted.
async fn stock_client_georeport(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let Some(out) = python("georeport_client.py", &[&app.base, &resident, PEACH]) else { return };
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(v["services"].as_array().unwrap().contains(&json!("REPAIR")), "{v}");
    assert_eq!(v["services"], v["services_xml"], "{v}");
    assert_eq!(v["definition"]["service_code"], "REPAIR", "{v}");
    assert_eq!(v["posted_status"], 201);
    let id = v["request_id"].clone();
    assert_eq!((&v["one"]["service_request_id"], &v["one"]["status"]), (&id, &json!("open")), "{v}");
    assert_eq!((&v["one_xml"]["service_request_id"], &v["one_xml"]["service_code"]), (&id, &json!("REPAIR")), "{v}");
    assert_eq!(v["listed"], json!([id]), "{v}");
    let r = app.gql(Some(&resident), "query($id: ID!) { report(id: $id) { locationText } }", json!({ "id": id })).await;
    assert_eq!(r["data"]["report"]["locationText"], "3号楼东门", "{r}");
}

both!(
    filed_through_open311_is_the_graphql_report,
    private_reports_stay_private_and_errors_follow_the_spec,
    stock_client_georeport
);
