//! Who read my data: every read of a resident's personal field by someone
//! else is recorded, with who, what, through which object and operation.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};

fn records_of<'a>(log: &'a [Value], object_type: &str, role: &str) -> Vec<&'a Value> {
    log.iter().filter(|r| r["objectType"] == object_type && r["viewerRole"] == role).collect()
}

async fn every_read_of_my_data_is_in_my_access_log(app: TestApp) {
    let a = Actors::login(&app).await;
    let resident = a.t("demo-resident");
    let (report, _, _) = activity(&app, &a).await;
    assert!(access_log(&app, resident).await.is_empty(), "nothing read yet");

    // The committee reads who reported, with contact.
    let who = "query WhoReported($id: ID!) { report(id: $id) { reporter { displayName realName phone } } }";
    let r = app.gql(Some(a.t("demo-committee")), who, json!({ "id": report })).await;
    assert_eq!(r["data"]["report"]["reporter"]["phone"], "13800000001", "{r}");
    // The building head reads the alert's roster (an emergency: phones without asking).
    let alert = alert_to_building_one(&app, a.t("demo-committee")).await;
    let r = crate::notices::respond(&app, resident, &alert, "NEED_HELP", Some("独居，腿脚不便")).await;
    assert!(r["errors"].is_null(), "{r}");
    let roster = "query Roster($n: ID!) { notice(id: $n) { roster { displayName phone state note } } }";
    let r = app.gql(Some(a.t("demo-building-head")), roster, json!({ "n": alert })).await;
    assert!(r["errors"].is_null(), "{r}");
    // The office reads the NEED_HELP list of the alert it published.
    let office_alert = alert_to_building_one(&app, a.t("demo-office")).await;
    let r = crate::notices::respond(&app, resident, &office_alert, "NEED_HELP", None).await;
    assert!(r["errors"].is_null(), "{r}");
    let need = "query NeedHelp($n: ID!) { notice(id: $n) { needHelp { displayName phone state } } }";
    let r = app.gql(Some(a.t("demo-office")), need, json!({ "n": office_alert })).await;
    assert_eq!(r["data"]["notice"]["needHelp"][0]["displayName"], "小李", "{r}");
    // Reading one's own data is no disclosure.
    let r = app.gql(Some(resident), "{ me { account { realName phone } } }", json!({})).await;
    assert_eq!(r["data"]["me"]["account"]["phone"], "13800000001", "{r}");

    let log = access_log(&app, resident).await;
    let committee = records_of(&log, "Report", "COMMUNITY_COMMITTEE");
    assert_eq!(committee.len(), 1, "{log:?}");
    assert_eq!(committee[0]["fields"], json!(["phone", "realName", "reporter"]));
    assert_eq!(committee[0]["viewer"]["displayName"], "张主任");
    assert_eq!(committee[0]["objectId"], report);
    assert_eq!(committee[0]["channel"], "graphql");
    assert_eq!(committee[0]["purpose"], "WhoReported: report.reporter");
    let head = records_of(&log, "Notice", "BUILDING_HEAD");
    assert_eq!(head.len(), 1, "{log:?}");
    // What the selection showed: not the flat or real name it did not ask for.
    assert_eq!(head[0]["fields"], json!(["alertAnswer", "alertNote", "phone"]), "{log:?}");
    assert_eq!(head[0]["viewer"]["displayName"], "王阿姨");
    assert_eq!(head[0]["purpose"], "Roster: notice.roster");
    let office = records_of(&log, "Notice", "GOVERNMENT_OFFICE");
    assert_eq!(office.len(), 1, "{log:?}");
    assert_eq!(office[0]["objectId"], office_alert);
    assert!(office[0]["fields"].as_array().unwrap().contains(&json!("alertAnswer")), "{log:?}");
    assert!(!log.iter().any(|r| r["viewerRole"] == "RESIDENT"), "own reads are not recorded: {log:?}");
    // Newest first, with a time.
    assert_eq!(log[0]["viewerRole"], "GOVERNMENT_OFFICE");
    assert!(log[0]["at"].as_str().unwrap().ends_with('Z'));

    // Oversight: the committee sees what its building heads read; the
    // office what everyone under it read; a resident sees no one's.
    let overseen = "query($v: ID) { dataAccessLog(viewerId: $v, first: 100) { edges { node { viewerRole fields } } } }";
    let head_id = crate::notices::gid("Account", app.account_id("demo-building-head").await);
    let r = app.gql(Some(a.t("demo-committee")), overseen, json!({ "v": head_id })).await;
    let edges = r["data"]["dataAccessLog"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty() && edges.iter().all(|e| e["node"]["viewerRole"] == "BUILDING_HEAD"), "{r}");
    let r = app.gql(Some(a.t("demo-office")), overseen, json!({ "v": null })).await;
    let roles: Vec<&Value> =
        r["data"]["dataAccessLog"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]["viewerRole"]).collect();
    for role in ["COMMUNITY_COMMITTEE", "BUILDING_HEAD", "GOVERNMENT_OFFICE"] {
        assert!(roles.contains(&&json!(role)), "{role}: {r}");
    }
    let r = app.gql(Some(a.t("demo-committee")), overseen, json!({ "v": null })).await;
    let roles: Vec<&Value> =
        r["data"]["dataAccessLog"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]["viewerRole"]).collect();
    assert!(!roles.contains(&&json!("GOVERNMENT_OFFICE")), "a committee does not oversee the office: {r}");
    for who in ["demo-resident", "demo-ngo"] {
        let r = app.gql(Some(a.t(who)), overseen, json!({ "v": null })).await;
        assert_eq!(code(&r), HIDDEN, "{who}: {r}");
    }
    // The records cannot be rewritten.
    use sea_orm::ConnectionTrait;
    let tampered = app.db.write.execute_unprepared("UPDATE personal_data_access SET fields = 'nothing'").await;
    assert!(tampered.is_err(), "UPDATE is refused");
}

/// Residents of building 1 with a household each and a phone, inserted
/// directly (fixtures for the size of a roster).
async fn residents(app: &TestApp, n: usize) {
    use entity::enums::Role;
    use entity::{account, household, membership};
    use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, Set};
    let building = crate::notices::peach_buildings(app).await[0];
    let community = app.region_id("桃园社区").await;
    let db = app.db.write.clone();
    let start = entity::account::Entity::find().all(&db).await.unwrap().len();
    for i in start..start + n {
        let now = chrono::Utc::now();
        let a = account::ActiveModel {
            id: NotSet,
            username: Set(format!("roster-{i}")),
            display_name: Set(format!("居民{i}")),
            real_name: Set(Some(format!("真名{i}"))),
            phone: Set(Some(format!("1370000{i:04}"))),
            password_hash: Set("not-a-hash".into()),
            disabled: Set(false),
            created_at: Set(now),
            must_change_password: Set(false),
            disabled_reason: Set(None),
            privacy_notice_version: Set(None),
            privacy_accepted_at: Set(None),
            erased_at: Set(None),
            legal_hold_reason: Set(None),
            legal_hold_at: Set(None),
            phone_shared_with_building_head: Set(false),
        }
        .insert(&db)
        .await
        .unwrap();
        let h = household::ActiveModel {
            id: NotSet,
            community_id: Set(community),
            building_id: Set(building),
            unit: Set("9".into()),
            number: Set(format!("{i}")),
            contact_account_id: Set(Some(a.id)),
            created_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        membership::ActiveModel {
            id: NotSet,
            account_id: Set(a.id),
            role: Set(Role::Resident),
            region_id: Set(Some(community)),
            building_id: Set(Some(building)),
            organisation_id: Set(None),
            household_id: Set(Some(h.id)),
            created_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
    }
}

/// Recording the reads of a roster costs the same statements for 10
/// households as for 200 (one INSERT for the whole list).
async fn a_rosters_records_cost_fixed_statements(app: TestApp) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let a = Actors::login(&app).await;
    let head = a.t("demo-building-head").to_owned();
    let roster = "query Roster($n: ID!) { notice(id: $n) { roster { displayName realName phone state } } }";
    let measure = |alert: Value| {
        let (app, head) = (&app, head.clone());
        async move {
            let records = entity::personal_data_access::Entity::find().count(&app.db.read).await.unwrap();
            let before = app.db.statement_count();
            let r = app.gql(Some(&head), roster, json!({ "n": alert })).await;
            assert!(r["errors"].is_null(), "{r}");
            let cost = app.db.statement_count() - before;
            let written = entity::personal_data_access::Entity::find().count(&app.db.read).await.unwrap() - records;
            (cost, r["data"]["notice"]["roster"].as_array().unwrap().len(), written)
        }
    };
    residents(&app, 8).await;
    let alert = alert_to_building_one(&app, a.t("demo-committee")).await;
    let (few, n_few, written_few) = measure(alert).await;
    residents(&app, 192).await;
    let alert = alert_to_building_one(&app, a.t("demo-committee")).await;
    let (many, n_many, written_many) = measure(alert).await;
    println!("roster statements: {few} for {n_few} lines, {many} for {n_many} lines");
    assert!(n_many >= 200 && n_few < 20, "{n_few} {n_many}");
    // Every line but the head's own is a record.
    assert_eq!((written_few, written_many), ((n_few - 1) as u64, (n_many - 1) as u64));
    assert_eq!(few, many, "statements for {n_few} and for {n_many} roster lines");
}

/// Reads over a WebSocket are recorded too: each subscription event that
/// shows a personal field writes its records.
async fn reads_in_subscription_events_are_recorded(app: TestApp) {
    let a = Actors::login(&app).await;
    let mut queue = crate::notices::subscribe(
        &app.base,
        a.t("demo-property"),
        "subscription { reportQueueEvents { kind report { reporter { displayName phone } } } }",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = crate::reports::submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "REPAIR", "description": "门禁坏了" }),
    )
    .await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    crate::reports::step(&app, a.t("demo-committee"), "acceptReport", &id, None).await;
    let property = crate::projects::organisation_id(&app, a.t("demo-admin"), "安居物业").await;
    crate::reports::assign(&app, a.t("demo-committee"), &id, &property).await;
    let got = crate::projects::next_json(&mut queue).await;
    assert_eq!(got["payload"]["data"]["reportQueueEvents"]["report"]["reporter"]["phone"], "13800000001", "{got}");
    // The record is written as the event is sent; give it a moment.
    let mut found = Vec::new();
    for _ in 0..50 {
        found = access_log(&app, a.t("demo-resident")).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = found.iter().find(|r| r["viewerRole"] == "PROPERTY_COMPANY").unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(r["fields"], json!(["phone", "reporter"]), "{r}");
    assert!(r["purpose"].as_str().unwrap().ends_with(": reportQueueEvents.report.reporter"), "{r}");
    assert_eq!(r["objectId"], id);
}

both!(
    every_read_of_my_data_is_in_my_access_log,
    a_rosters_records_cost_fixed_statements,
    reads_in_subscription_events_are_recorded
);
