//! Small counts hidden from district systems and residents (with the
//! complementary figure that would give them away), scope by region, and
//! nothing personal anywhere a district system can reach.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};
use crate::services::district_token;

async fn small_counts_are_suppressed_for_district_systems_and_residents(app: TestApp) {
    let f = fixture(&app).await;
    let district = district_token(&app).await;
    let committee = app.token("demo-committee").await;
    let office = app.token("demo-office").await;

    // Peach's March satisfaction rests on 3 ratings: hidden from the
    // district system, shown to Peach's committee.
    let r = pull(&app, &district, f.peach, "2025-03", "2025-03").await;
    let p = point(&r, "SATISFACTION_RATE", "2025-03");
    assert_eq!(
        (&p["suppressed"], &p["value"], &p["numerator"], &p["denominator"], &p["count"]),
        (&json!(true), &Value::Null, &Value::Null, &Value::Null, &Value::Null),
        "{p}"
    );
    let r = pull(&app, &committee, f.peach, "2025-03", "2025-03").await;
    let p = point(&r, "SATISFACTION_RATE", "2025-03");
    assert_eq!((&p["suppressed"], &p["value"], &p["count"]), (&json!(false), &json!(2.0 / 3.0), &json!(3)), "{p}");

    // Complementary suppression: East street has 5 ratings (not small), but
    // West street has 1; shown next to the district's 6, East would give
    // West away by subtraction. So East is hidden too; the district shows.
    let r = pull(&app, &district, f.east, "2025-03", "2025-03").await;
    assert_eq!(point(&r, "SATISFACTION_RATE", "2025-03")["suppressed"], true, "{r}");
    let r = pull(&app, &district, f.west, "2025-03", "2025-03").await;
    assert_eq!(point(&r, "SATISFACTION_RATE", "2025-03")["suppressed"], true, "{r}");
    let r = pull(&app, &district, f.district, "2025-03", "2025-03").await;
    let p = point(&r, "SATISFACTION_RATE", "2025-03");
    assert_eq!((&p["suppressed"], &p["value"]), (&json!(false), &json!(4.0 / 6.0)), "{p}");
    // The office of East street is not a machine client: it sees East's 0.8.
    let r = pull(&app, &office, f.east, "2025-03", "2025-03").await;
    let p = point(&r, "SATISFACTION_RATE", "2025-03");
    assert_eq!((&p["suppressed"], &p["value"], &p["count"]), (&json!(false), &json!(0.8), &json!(5)), "{p}");
    // An empty figure is not hidden: it reveals no one.
    let r = pull(&app, &district, f.river, "2025-03", "2025-03").await;
    let p = point(&r, "PROJECTS_PROPOSED", "2025-03");
    assert_eq!((&p["suppressed"], &p["value"]), (&json!(false), &json!(0.0)), "{p}");

    // A ranking as the district system: both communities of East rest on
    // fewer than 5 reports, so neither has a value or a rank.
    let q = "query($r: ID!) { indicatorRanking(regionId: $r, month: \"2025-03\", name: REPORT_RESOLUTION_RATE) {
        rank region { name } point { value suppressed } } }";
    let r = app.gql(Some(&district), q, json!({ "r": gid(f.east) })).await;
    for e in r["data"]["indicatorRanking"].as_array().unwrap() {
        assert_eq!(
            (&e["rank"], &e["point"]["value"], &e["point"]["suppressed"]),
            (&Value::Null, &Value::Null, &json!(true)),
            "{r}"
        );
    }

    // A resident reads the public indicators of their own community, with
    // small counts hidden; the working figures are FORBIDDEN, and so is
    // another region (regions are public: there is nothing to hide).
    let resident = app.token("demo-resident").await;
    let r = pull(&app, &resident, f.peach, "2025-03", "2025-03").await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(point(&r, "SATISFACTION_RATE", "2025-03")["suppressed"], true, "{r}");
    assert_eq!(point(&r, "PARTICIPATION_RATE", "2025-03")["value"], json!(6.0 / 7.0), "{r}");
    assert!(r["data"]["indicators"].as_array().unwrap().iter().all(|s| s["name"] != "REPORT_OVERDUE_SHARE"));
    let r = app
        .gql(
            Some(&resident),
            SERIES,
            json!({ "r": gid(f.peach), "from": "2025-03", "to": "2025-03", "n": ["REPORT_OVERDUE_SHARE"] }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = pull(&app, &resident, f.willow, "2025-03", "2025-03").await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = pull(&app, &resident, 999_999, "2025-03", "2025-03").await;
    assert_eq!(code(&r), "NOT_FOUND", "no such region: {r}");
}

async fn each_viewer_reaches_only_its_own_regions(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation { createRegion(input: {name: \"朝阳区\", code: \"110299\", kind: DISTRICT}) { region { id } } }",
            json!({}),
        )
        .await;
    let other: &str = r["data"]["createRegion"]["region"]["id"].as_str().unwrap_or_else(|| panic!("{r}"));
    let other = api::graphql::ids::decode(&async_graphql::ID(other.into())).unwrap().1;
    let district = district_token(&app).await;
    let own = app.region_id("和平区").await;
    let r = pull(&app, &district, own, "2025-01", "2025-02").await;
    assert!(r["errors"].is_null(), "{r}");
    for (who, token, region, want) in [
        ("district system, another district", district.clone(), other, "FORBIDDEN"),
        ("office of East, the district", app.token("demo-office").await, own, "FORBIDDEN"),
        ("office of East, West street", app.token("demo-office").await, app.region_id("西山街道").await, "FORBIDDEN"),
        ("Peach's committee, Willow", app.token("demo-committee").await, app.region_id("柳巷社区").await, "FORBIDDEN"),
        (
            "a property company",
            app.token("demo-property").await,
            app.region_id("桃园社区").await,
            crate::common::HIDDEN,
        ),
        ("an NGO", app.token("demo-ngo").await, app.region_id("桃园社区").await, crate::common::HIDDEN),
    ] {
        let r = pull(&app, &token, region, "2025-01", "2025-02").await;
        assert_eq!(code(&r), want, "{who}: {r}");
        assert!(r["data"].is_null() || r["data"]["indicators"].is_null(), "{who}: {r}");
    }
    let r = app.gql(None, SERIES, json!({ "r": gid(own), "from": "2025-01", "to": "2025-02" })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
}

/// Every way a resident could be identified: the demo people's user
/// names and phones, the fixture residents' names, real names and phones.
const PERSONAL: [&str; 8] = ["demo-resident", "小李", "李明", "1380000", "1390000", "fixture-", "真名", "桃1"];

async fn a_district_system_reaches_no_personal_data(app: TestApp) {
    let f = fixture(&app).await;
    let district = district_token(&app).await;
    let types = crate::common::schema_types(&app, &app.token("demo-admin").await).await;
    // Every root field that takes no required argument, four levels deep.
    let query = &types["Query"];
    let mut walked = 0;
    for field in query["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        if field["args"].as_array().unwrap().iter().any(|a| a["type"]["kind"] == "NON_NULL") {
            continue;
        }
        let mut leaf = &field["type"];
        while leaf["ofType"].is_object() {
            leaf = &leaf["ofType"];
        }
        let inner = crate::common::selection(&types, leaf["name"].as_str().unwrap_or_default(), 4);
        let q = if inner.is_empty() { format!("{{ {name} }}") } else { format!("{{ {name} {{ {inner} }} }}") };
        let r = app.gql(Some(&district), &q, json!({})).await;
        let text = r["data"].to_string();
        for needle in PERSONAL {
            assert!(!text.contains(needle), "the district system reaches {needle} through {name}: {text}");
        }
        walked += 1;
    }
    assert!(walked > 10, "walked only {walked} root fields");
    // The indicators themselves, all of them, every level.
    for region in [f.district, f.east, f.west, f.peach, f.willow, f.river] {
        let r = pull(&app, &district, region, "2025-01", "2025-04").await;
        assert!(r["errors"].is_null(), "{r}");
        let text = r.to_string();
        for needle in PERSONAL {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
    }
    // And by id: the demo resident's account and the fixture's reports.
    let resident = app.account_id("demo-resident").await;
    let report = entity::report::Entity::find().one(&app.db.write).await.unwrap().expect("a report").id;
    for id in [api::graphql::ids::encode("Account", resident).0, api::graphql::ids::encode("Report", report).0] {
        let r = app.gql(Some(&district), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(r["data"]["node"], Value::Null, "{r}");
    }
}

both!(
    small_counts_are_suppressed_for_district_systems_and_residents,
    each_viewer_reaches_only_its_own_regions,
    a_district_system_reaches_no_personal_data
);
