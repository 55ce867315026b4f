//! Who sees a report, and what of its reporter.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::{Actors, organisation_id};

/// Every way the demo resident could be identified.
const IDENTITY: [&str; 4] = ["demo-resident", "小李", "李明", "13800000001"];

async fn anonymous_reports_never_show_the_reporter_to_the_organisation(app: TestApp) {
    let a = Actors::login(&app).await;
    let r = submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "NOISE", "description": "楼上深夜装修", "isAnonymous": true, "isPublic": false }),
    )
    .await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    step(&app, a.t("demo-committee"), "acceptReport", &id, Some("已联系")).await;
    let property = organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    assign(&app, a.t("demo-committee"), &id, &property).await;
    step(&app, a.t("demo-property"), "startReport", &id, Some("上门查看")).await;

    // Walk every field reachable from the report (three levels) as the
    // company, in the schema the company is shown.
    let types = crate::common::schema_types(&app, a.t("demo-property")).await;
    let q = format!("query($id: ID!) {{ report(id: $id) {{ {} }} }}", crate::common::selection(&types, "Report", 3));
    let seen = app.gql(Some(a.t("demo-property")), &q, json!({ "id": id })).await;
    assert!(seen["errors"].is_null(), "{seen}");
    assert_eq!(seen["data"]["report"]["status"], "IN_PROGRESS");
    assert_eq!(seen["data"]["report"]["reporter"], Value::Null, "{seen}");
    let text = seen.to_string();
    for needle in IDENTITY {
        assert!(!text.contains(needle), "the company sees {needle} in {text}");
    }
    // The committee sees who it is, with contact; a neighbour sees nothing of a private report.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "query($id: ID!) { report(id: $id) { reporter { displayName realName phone } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r["data"]["report"]["reporter"],
        json!({ "displayName": "小李", "realName": "李明", "phone": "13800000001" }),
        "{r}"
    );
    let r = app
        .gql(
            Some(a.t("demo-building-head")),
            "query($id: ID!) { report(id: $id) { reporter { displayName phone } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r["data"]["report"]["reporter"],
        json!({ "displayName": "小李", "phone": null }),
        "the building head knows the resident, not the phone: {r}"
    );

    // Without anonymity the company gets the contact.
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "REPAIR", "description": "水管漏水" })).await;
    let open = r["data"]["submitReport"]["report"]["id"].clone();
    step(&app, a.t("demo-committee"), "acceptReport", &open, None).await;
    assign(&app, a.t("demo-committee"), &open, &property).await;
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "query($id: ID!) { report(id: $id) { reporter { displayName phone } } }",
            json!({ "id": open }),
        )
        .await;
    assert_eq!(r["data"]["report"]["reporter"], json!({ "displayName": "小李", "phone": "13800000001" }), "{r}");
}

async fn private_reports_stay_private(app: TestApp) {
    let a = Actors::login(&app).await;
    let r =
        submit(&app, a.t("demo-resident"), json!({ "categoryCode": "DISPUTE", "description": "邻里噪音纠纷" })).await;
    let dispute = r["data"]["submitReport"]["report"]["id"].clone();
    let r = submit(&app, a.t("demo-resident"), json!({ "categoryCode": "HYGIENE", "description": "垃圾桶满了" })).await;
    let public = r["data"]["submitReport"]["report"]["id"].clone();

    // A neighbour (the building head is also a resident) sees the public
    // report without its reporter; the river resident sees neither.
    let read = "query($id: ID!) { report(id: $id) { isPublic reporter { displayName } } }";
    let neighbour = crate::funds::person(
        &app,
        "neighbour",
        entity::enums::Role::Resident,
        api::accounts::service::ScopeInput {
            building_id: Some(
                entity::building::Entity::find()
                    .filter(entity::building::Column::CommunityId.eq(app.region_id("桃园社区").await))
                    .one(&app.db.read)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            ),
            ..Default::default()
        },
    )
    .await;
    let r = app.gql(Some(&neighbour), read, json!({ "id": public })).await;
    assert_eq!(r["data"]["report"], json!({ "isPublic": true, "reporter": null }), "{r}");
    let r = app.gql(Some(&neighbour), read, json!({ "id": dispute })).await;
    assert_eq!(code(&r), "NOT_FOUND", "disputes are private: {r}");
    let r = app.gql(Some(a.t("demo-resident-river")), read, json!({ "id": public })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = app.gql(Some(a.t("demo-ngo")), read, json!({ "id": public })).await;
    assert_eq!(code(&r), "NOT_FOUND", "not assigned: {r}");

    // The committee mediates the dispute; only it may.
    step(&app, a.t("demo-committee"), "acceptReport", &dispute, None).await;
    let r = mediate(&app, a.t("demo-office"), &dispute, "双方达成谅解").await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = mediate(&app, a.t("demo-committee"), &dispute, "双方达成谅解").await;
    assert_eq!(r["data"]["mediateReport"]["report"]["status"], "MEDIATED", "{r}");
    let r = mediate(&app, a.t("demo-committee"), &public, "x").await;
    assert_eq!(code(&r), "FORBIDDEN", "only disputes are mediated: {r}");
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

both!(anonymous_reports_never_show_the_reporter_to_the_organisation, private_reports_stay_private);
