//! A closed month stays live through its grace period: a late batch of
//! deliveries shows at once (revision 0, not final); once the grace is over
//! the month is frozen (revision 1, final) and a later batch waits for the
//! revision job.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::TestApp;
use crate::services::{UPSERT, ngo_client_token, record};

/// The month before the current one in the indicators' time zone, and a day in it.
fn last_month() -> (String, String) {
    let local = chrono::Utc::now() + chrono::Duration::hours(8);
    let first = local.date_naive().with_day(1).unwrap();
    let prev = first - chrono::Duration::days(1);
    (prev.format("%Y-%m").to_string(), prev.with_day(15).unwrap().format("%Y-%m-%d").to_string())
}

use chrono::Datelike;

async fn push(app: &TestApp, ngo: &str, service: &Value, community: &str, ids: &[&str], day: &str) {
    let rows: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut r = record(id, service, community, 2);
            r["deliveredOn"] = json!(day);
            r
        })
        .collect();
    let r = app.gql(Some(ngo), UPSERT, json!({ "r": rows })).await;
    assert_eq!(r["data"]["upsertDeliveryRecords"]["created"], ids.len(), "{r}");
}

async fn a_late_batch_lands_in_the_grace_period_then_the_month_freezes(app: TestApp) {
    let f = fixture(&app).await;
    let (month, day) = last_month();
    // Two servers on the database: one whose grace covers last month
    // whatever today's date (40 days), one whose grace is over (0 days).
    let mut config = app.config.clone();
    config.indicator_grace_days = 40;
    let in_grace = app.spawn_peer_with(config.clone()).await;
    config.indicator_grace_days = 0;
    let after_grace = app.spawn_peer_with(config).await;
    let committee = in_grace.token("demo-committee").await;
    let ngo = ngo_client_token(&in_grace).await;
    let service = json!(api::graphql::ids::encode("Service", f.service_id).0);
    let peach = gid(f.peach);

    let deliveries = |r: &Value| {
        let p = point(r, "SERVICE_DELIVERIES", &month).clone();
        (p["value"].clone(), p["revision"].clone(), p["isFinal"].clone())
    };
    let r = pull(&in_grace, &committee, f.peach, &month, &month).await;
    let (before, revision, fin) = deliveries(&r);
    assert_eq!((&revision, &fin), (&json!(0), &json!(false)), "live in its grace: {r}");
    let before = before.as_f64().unwrap_or(0.0);

    // A batch pushed after the month closed is counted at once.
    push(&in_grace, &ngo, &service, &peach, &["late-1", "late-2", "late-3"], &day).await;
    let r = pull(&in_grace, &committee, f.peach, &month, &month).await;
    assert_eq!(deliveries(&r), (json!(before + 3.0), json!(0), json!(false)), "{r}");
    let stored = entity::indicator_value::Entity::find().all(&app.db.write).await.unwrap();
    assert!(stored.iter().all(|v| v.month != month), "nothing of a live month is stored");

    // Once the grace is over the month is frozen with what came in time.
    let r = pull(&after_grace, &committee, f.peach, &month, &month).await;
    assert_eq!(deliveries(&r), (json!(before + 3.0), json!(1), json!(true)), "{r}");
    // A later batch waits for the revision job: the frozen figure stands.
    push(&after_grace, &ngo, &service, &peach, &["later-1"], &day).await;
    let r = pull(&after_grace, &committee, f.peach, &month, &month).await;
    assert_eq!(deliveries(&r), (json!(before + 3.0), json!(1), json!(true)), "{r}");
}

both!(a_late_batch_lands_in_the_grace_period_then_the_month_freezes);
