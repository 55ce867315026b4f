//! Closed months are frozen; a late correction makes a new revision with
//! the old figure listed, never a silent change. The current month is
//! provisional.

use serde_json::json;

use super::*;
use crate::both;
use crate::common::TestApp;
use crate::services::{UPSERT, ngo_client_token, record};

async fn a_late_correction_makes_revision_2(app: TestApp) {
    let f = fixture(&app).await;
    let committee = app.token("demo-committee").await;
    let r = pull(&app, &committee, f.peach, "2025-03", "2025-04").await;
    let p = point(&r, "SERVICE_DELIVERIES", "2025-03");
    assert_eq!((&p["value"], &p["revision"], &p["earlierRevisions"]), (&json!(2.0), &json!(1), &json!([])), "{p}");

    // The NGO's system sends a March delivery late (through the API).
    let ngo = ngo_client_token(&app).await;
    let service = json!(api::graphql::ids::encode("Service", f.service_id).0);
    let mut late = record("late-march-1", &service, &gid(f.peach), 4);
    late["deliveredOn"] = json!("2025-03-20");
    let r = app.gql(Some(&ngo), UPSERT, json!({ "r": [late] })).await;
    assert_eq!(r["data"]["upsertDeliveryRecords"]["created"], 1, "{r}");

    // Frozen: until the revision job runs, the pull still says 2.
    let r = pull(&app, &committee, f.peach, "2025-03", "2025-03").await;
    assert_eq!(point(&r, "SERVICE_DELIVERIES", "2025-03")["value"], json!(2.0), "{r}");

    // A second server whose job runs every 200 ms records the correction.
    let audit_before = app.audit_count().await;
    let mut config = app.config.clone();
    config.indicator_revise_ms = 200;
    let _peer = app.spawn_peer_with(config).await;
    let mut p = json!(null);
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let r = pull(&app, &committee, f.peach, "2025-03", "2025-04").await;
        p = point(&r, "SERVICE_DELIVERIES", "2025-03").clone();
        if p["revision"] == 2 {
            // Unchanged figures keep their revision.
            assert_eq!(point(&r, "SERVICE_DELIVERIES", "2025-04")["revision"], 1, "{r}");
            assert_eq!(point(&r, "SATISFACTION_RATE", "2025-03")["revision"], 1, "{r}");
            break;
        }
    }
    assert_eq!((&p["revision"], &p["value"], &p["count"]), (&json!(2), &json!(3.0), &json!(3)), "{p}");
    assert_eq!(
        p["earlierRevisions"],
        json!([{ "revision": 1, "value": 2.0, "numerator": 2.0, "denominator": null, "count": 2, "suppressed": false }]),
        "{p}"
    );
    // The hours and people of the same month changed too, and the street's
    // and district's figures with them.
    let r = pull(&app, &committee, f.peach, "2025-03", "2025-03").await;
    let hours = point(&r, "SERVICE_HOURS", "2025-03");
    assert_eq!(
        (&hours["revision"], &hours["value"], &hours["earlierRevisions"][0]["value"]),
        (&json!(2), &json!(3.5), &json!(2.0))
    );
    let admin = app.token("demo-admin").await;
    let r = pull(&app, &admin, f.district, "2025-03", "2025-03").await;
    let d = point(&r, "SERVICE_DELIVERIES", "2025-03");
    assert_eq!((&d["revision"], &d["value"]), (&json!(2), &json!(4.0)), "{d}");
    // Recorded in the audit log, once (whichever server got there first).
    let audit = app.gql(Some(&admin), "{ auditLog(last: 50) { edges { node { action } } } }", json!({})).await;
    let revisions = audit["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "indicators.revise")
        .count();
    assert!(revisions >= 1 && app.audit_count().await > audit_before, "{audit}");
    // Re-running changes nothing more.
    let r = pull(&app, &committee, f.peach, "2025-03", "2025-03").await;
    assert_eq!(point(&r, "SERVICE_DELIVERIES", "2025-03")["revision"], 2, "{r}");
}

async fn the_current_month_is_provisional(app: TestApp) {
    let committee = app.token("demo-committee").await;
    let peach = app.region_id("桃园社区").await;
    let local = chrono::Utc::now() + chrono::Duration::hours(8);
    let now = local.format("%Y-%m").to_string();
    let next = (local + chrono::Duration::days(40)).format("%Y-%m").to_string();
    let r = pull(&app, &committee, peach, &now, &next).await;
    assert!(r["errors"].is_null(), "{r}");
    let p = points(&r, "SERVICE_DELIVERIES");
    assert_eq!(p.len(), 1, "months after the current one are left out: {r}");
    assert_eq!((&p[0]["month"], &p[0]["revision"], &p[0]["isFinal"]), (&json!(now), &json!(0), &json!(false)));
    let n = entity::indicator_value::Entity::find().all(&app.db.write).await.unwrap().len();
    assert_eq!(n, 0, "the current month is computed, not stored");
}

both!(a_late_correction_makes_revision_2, the_current_month_is_provisional);
