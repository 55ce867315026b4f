//! The batch upload of an NGO system: per-record results, idempotency,
//! exactly the changed records UPDATED, concurrent identical batches,
//! another organisation's service, the size limit.

use std::collections::HashMap;

use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

fn outcomes(r: &Value) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for x in r["data"]["upsertDeliveryRecords"]["results"].as_array().unwrap_or(&Vec::new()) {
        *m.entry(x["outcome"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    m
}

async fn records(app: &TestApp) -> u64 {
    entity::delivery_record::Entity::find().count(&app.db.read).await.unwrap()
}

async fn changes(app: &TestApp) -> u64 {
    entity::change::Entity::find().count(&app.db.read).await.unwrap()
}

/// 500 records, 10 of them invalid in different ways.
fn batch(service: &Value, peach: &str, river: &str, other_service: &Value) -> Vec<Value> {
    (0..500)
        .map(|i| {
            let mut r = record(&format!("visit-{i:04}"), service, peach, 1 + (i % 3));
            match i {
                7 => r["durationMinutes"] = json!(0),
                19 => r["beneficiaries"] = json!(0),
                23 => r["deliveredOn"] = json!("2999-01-01"),
                31 => r["communityId"] = json!(river),
                47 => r["serviceId"] = other_service.clone(),
                53 => r["serviceId"] = json!("not-an-id"),
                61 => r["externalId"] = json!(""),
                67 => r["externalId"] = json!("gongzhi:request:1"),
                71 => r["externalId"] = json!("visit-0070"),
                89 => r["notes"] = json!("x".repeat(2001)),
                _ => {}
            }
            r
        })
        .collect()
}

async fn a_batch_is_idempotent_with_per_record_results(app: TestApp) {
    let token = ngo_client_token(&app).await;
    let (service, _) = demo_service(&app, &token).await;
    let peach = app.peach_garden().await;
    let river = region(&app, "河湾社区").await;
    // A service of another organisation (the property company's), stored directly.
    let property = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Name.eq("安居物业"))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    let other = entity::service::ActiveModel {
        organisation_id: Set(property.id),
        name: Set("维修".into()),
        description: Set("上门维修".into()),
        category: Set(entity::enums::ServiceCategory::Other),
        status: Set(entity::enums::ServiceStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.write)
    .await
    .unwrap();
    let other = json!(api::graphql::ids::encode("Service", other.id).0);

    let sent = batch(&service, &peach, &river, &other);
    let (records_before, audit_before, changes_before) =
        (records(&app).await, app.audit_count().await, changes(&app).await);
    let r = app.gql(Some(&token), UPSERT, json!({ "r": sent })).await;
    assert!(r["errors"].is_null(), "{r}");
    let p = &r["data"]["upsertDeliveryRecords"];
    assert_eq!((p["created"].clone(), p["errors"].clone()), (json!(490), json!(10)), "{p}");
    let results = p["results"].as_array().unwrap();
    assert_eq!(results.len(), 500);
    let err = |i: usize| (results[i]["error"]["code"].clone(), results[i]["error"]["field"].clone());
    assert_eq!(err(7), (json!("BAD_USER_INPUT"), json!("durationMinutes")));
    assert_eq!(err(19), (json!("BAD_USER_INPUT"), json!("beneficiaries")));
    assert_eq!(err(23), (json!("BAD_USER_INPUT"), json!("deliveredOn")));
    assert_eq!(err(31), (json!("BAD_USER_INPUT"), json!("communityId")));
    assert_eq!(err(47), (json!("FORBIDDEN"), json!("serviceId")), "another organisation's service");
    assert_eq!(err(53), (json!("BAD_USER_INPUT"), json!("serviceId")));
    assert_eq!(err(61), (json!("BAD_USER_INPUT"), json!("externalId")));
    assert_eq!(err(67), (json!("BAD_USER_INPUT"), json!("externalId")));
    assert_eq!(err(71), (json!("BAD_USER_INPUT"), json!("externalId")), "sent twice");
    assert_eq!(err(89), (json!("BAD_USER_INPUT"), json!("notes")));
    assert_eq!(results[70]["outcome"], "CREATED");
    assert_eq!(results[499]["externalId"], "visit-0499");
    assert_eq!(records(&app).await, records_before + 490);
    assert_eq!(app.audit_count().await, audit_before + 1, "one audit row per batch");
    assert_eq!(changes(&app).await, changes_before + 490, "one change per record");

    // The same batch again: every valid record UNCHANGED, nothing written but the audit row.
    let r = app.gql(Some(&token), UPSERT, json!({ "r": sent })).await;
    assert_eq!(outcomes(&r), HashMap::from([("UNCHANGED".into(), 490), ("ERROR".into(), 10)]), "{r}");
    assert_eq!(records(&app).await, records_before + 490);
    assert_eq!(changes(&app).await, changes_before + 490);
    let same_ids = |a: &Value, b: &Value| {
        a["data"]["upsertDeliveryRecords"]["results"][100]["deliveryRecordId"]
            == b["data"]["upsertDeliveryRecords"]["results"][100]["deliveryRecordId"]
    };
    assert!(same_ids(&r, &app.gql(Some(&token), UPSERT, json!({ "r": sent })).await));

    // Ten changed records: exactly those ten UPDATED.
    let mut changed = sent.clone();
    let picked = [0, 5, 100, 101, 250, 333, 400, 401, 402, 499];
    for i in picked {
        changed[i]["beneficiaries"] = json!(9);
    }
    let r = app.gql(Some(&token), UPSERT, json!({ "r": changed })).await;
    assert_eq!(
        outcomes(&r),
        HashMap::from([("UPDATED".into(), 10), ("UNCHANGED".into(), 480), ("ERROR".into(), 10)]),
        "{r}"
    );
    let updated: Vec<usize> = r["data"]["upsertDeliveryRecords"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["outcome"] == "UPDATED")
        .map(|x| x["index"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(updated, picked);
    assert_eq!(changes(&app).await, changes_before + 500);

    // Read back what was sent.
    let r = app
        .gql(
            Some(&token),
            "{ deliveryRecords(filter: {externalIds: [\"visit-0005\", \"visit-0006\", \"nope\"]}) {
                edges { node { externalId beneficiaries durationMinutes deliveredOn community { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["data"]["deliveryRecords"]["edges"],
        json!([
            { "node": { "externalId": "visit-0005", "beneficiaries": 9, "durationMinutes": 90, "deliveredOn": "2026-11-20", "community": { "name": "桃园社区" } } },
            { "node": { "externalId": "visit-0006", "beneficiaries": 1, "durationMinutes": 90, "deliveredOn": "2026-11-20", "community": { "name": "桃园社区" } } },
        ]),
        "{r}"
    );
    // Another organisation reads none of them.
    let r = app
        .gql(
            Some(&crate::common::TestApp::token(&app, "demo-property").await),
            "{ deliveryRecords { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["deliveryRecords"]["totalCount"], 0, "{r}");

    // Over the limit: refused as a whole, nothing changed.
    let resident = app.token("demo-resident").await;
    let (n, audit) = (records(&app).await, app.audit_count().await);
    let big: Vec<Value> = (0..501).map(|i| record(&format!("big-{i}"), &service, &peach, 1)).collect();
    let r = app.gql(Some(&token), UPSERT, json!({ "r": big })).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].clone()), ("BAD_USER_INPUT", json!("records")), "{r}");
    // A resident pushes nothing.
    let r = app.gql(Some(&resident), UPSERT, json!({ "r": [record("x", &service, &peach, 1)] })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    assert_eq!((records(&app).await, app.audit_count().await), (n, audit));

    // Deleting by external id is recorded in the feed as DELETED.
    let r = app
        .gql(
            Some(&token),
            "mutation { deleteDeliveryRecords(input: {externalIds: [\"visit-0001\", \"nope\"]}) { deleted } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["deleteDeliveryRecords"]["deleted"], 1, "{r}");
    assert_eq!(records(&app).await, n - 1);
}

/// Two identical batches at once store each record once; each record is
/// CREATED in exactly one answer and UNCHANGED in the other.
async fn concurrent_identical_batches_store_each_record_once(app: TestApp) {
    let token = ngo_client_token(&app).await;
    let (service, _) = demo_service(&app, &token).await;
    let peach = app.peach_garden().await;
    let sent: Vec<Value> = (0..200).map(|i| record(&format!("twin-{i}"), &service, &peach, 2)).collect();
    let before = records(&app).await;
    let rs = join_all((0..2).map(|_| app.gql(Some(&token), UPSERT, json!({ "r": sent })))).await;
    for r in &rs {
        assert!(r["errors"].is_null(), "{r}");
    }
    assert_eq!(records(&app).await, before + 200);
    for i in 0..200 {
        let mut o: Vec<_> =
            rs.iter().map(|r| r["data"]["upsertDeliveryRecords"]["results"][i]["outcome"].clone()).collect();
        o.sort_by_key(|v| v.to_string());
        assert_eq!(o, [json!("CREATED"), json!("UNCHANGED")], "record {i}");
    }
    let distinct = entity::delivery_record::Entity::find()
        .filter(entity::delivery_record::Column::ExternalId.starts_with("twin-"))
        .count(&app.db.read)
        .await
        .unwrap();
    assert_eq!(distinct, 200);
}

/// Two batches at once with the same 100 external ids and different
/// content (five rounds): each record is CREATED in exactly one answer and
/// UPDATED in the other (its content differs from what the first stored),
/// and the change feed holds exactly one entry per stored change: one
/// CREATED and one UPDATED per record.
async fn racing_different_batches_report_what_was_stored(app: TestApp) {
    let token = ngo_client_token(&app).await;
    let (service, _) = demo_service(&app, &token).await;
    let peach = app.peach_garden().await;
    for round in 0..5 {
        let ids: Vec<String> = (0..100).map(|i| format!("race-{round}-{i}")).collect();
        let batch = |people: i32| -> Vec<Value> { ids.iter().map(|id| record(id, &service, &peach, people)).collect() };
        let (one, two) = (batch(1), batch(2));
        let changes_before = changes(&app).await;
        let rs = join_all([one, two].into_iter().map(|b| app.gql(Some(&token), UPSERT, json!({ "r": b })))).await;
        let mut total: HashMap<String, usize> = HashMap::new();
        for r in &rs {
            assert!(r["errors"].is_null(), "{r}");
            for (k, v) in outcomes(r) {
                *total.entry(k).or_default() += v;
            }
        }
        assert_eq!(total.get("CREATED"), Some(&100), "round {round}: {total:?}");
        assert_eq!(total.get("UPDATED"), Some(&100), "round {round}: {total:?}");
        for i in 0..100 {
            let mut o: Vec<_> =
                rs.iter().map(|r| r["data"]["upsertDeliveryRecords"]["results"][i]["outcome"].clone()).collect();
            o.sort_by_key(|v| v.to_string());
            assert_eq!(o, [json!("CREATED"), json!("UPDATED")], "round {round}, record {i}");
        }
        assert_eq!(changes(&app).await, changes_before + 200, "round {round}: one feed entry per stored change");
        let stored: Vec<i32> = rs[0]["data"]["upsertDeliveryRecords"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let id = async_graphql::ID(x["deliveryRecordId"].as_str().unwrap().to_owned());
                api::graphql::ids::decode(&id).unwrap().1
            })
            .collect();
        let entries = entity::change::Entity::find()
            .filter(entity::change::Column::ObjectType.eq("DeliveryRecord"))
            .filter(entity::change::Column::ObjectId.is_in(stored))
            .all(&app.db.read)
            .await
            .unwrap();
        let created = entries.iter().filter(|c| c.kind == entity::enums::ChangeKind::Created).count();
        assert_eq!((created, entries.len()), (100, 200), "round {round}: one CREATED and one UPDATED per record");
    }
}

both!(
    a_batch_is_idempotent_with_per_record_results,
    concurrent_identical_batches_store_each_record_once,
    racing_different_batches_report_what_was_stored
);
