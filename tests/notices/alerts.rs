//! An emergency alert from publishing to the building head's roster.

use entity::enums::Role;
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn red_alert_reaches_two_buildings_and_only_them(app: TestApp) {
    let a = Actors::login(&app).await;
    let b = peach_buildings(&app).await;
    // Building 1: the demo resident and head, and a neighbour; building 2:
    // one resident; building 3 (not targeted): one resident.
    let neighbour = resident_of(&app, "b1-neighbour", Role::Resident, b[0]).await;
    let b2 = resident_of(&app, "b2-resident", Role::Resident, b[1]).await;
    let b3 = resident_of(&app, "b3-resident", Role::Resident, b[2]).await;

    // Subscribers before publishing: on a second process on PostgreSQL.
    let peer = if app.db.is_postgres() { Some(app.spawn_peer().await) } else { None };
    let base = peer.as_ref().map_or(app.base.clone(), |p| p.base.clone());
    let q = "subscription { noticeEvents { noticeId kind } }";
    let mut ws_b1 = subscribe(&base, a.t("demo-resident"), q).await;
    let mut ws_b2 = subscribe(&base, &b2, q).await;
    let mut ws_b3 = subscribe(&base, &b3, q).await;
    let mut ws_river = subscribe(&base, a.t("demo-resident-river"), q).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let r = publish(
        &app,
        a.t("demo-committee"),
        json!({ "category": "EMERGENCY", "level": "RED", "title": "暴雨红色预警", "body": "今夜特大暴雨",
            "instructions": "请勿外出，低层住户注意防水", "targetBuildingIds": [gid("Building", b[0]), gid("Building", b[1])] }),
    )
    .await;
    let alert = r["data"]["publishNotice"]["notice"]["id"].clone();
    assert_eq!(r["data"]["publishNotice"]["notice"]["isPinned"], true, "{r}");
    for ws in [&mut ws_b1, &mut ws_b2] {
        let got = next_json(ws).await;
        assert_eq!(got["payload"]["data"]["noticeEvents"], json!({ "noticeId": alert, "kind": "PUBLISHED" }), "{got}");
    }
    assert!(silent(&mut ws_b3, 500).await, "building 3 is not targeted");
    assert!(silent(&mut ws_river, 100).await, "another community");

    // Pinned for those in scope only; others get NOT_FOUND and cannot answer.
    let pinned = "{ pinnedAlerts { id level instructions } }";
    let r = app.gql(Some(a.t("demo-resident")), pinned, json!({})).await;
    assert_eq!(r["data"]["pinnedAlerts"][0]["id"], alert, "{r}");
    for token in [&b3, a.t("demo-resident-river")] {
        let r = app.gql(Some(token), pinned, json!({})).await;
        assert_eq!(r["data"]["pinnedAlerts"], json!([]), "{r}");
        let r = app.gql(Some(token), "query($n: ID!) { notice(id: $n) { title } }", json!({ "n": alert })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{r}");
        let r = respond(&app, token, &alert, "SAFE", None).await;
        assert_eq!(code(&r), "NOT_FOUND", "{r}");
    }

    let committee = a.t("demo-committee");
    let none = [3, 0, 0, 0, 0, 3];
    assert_eq!(counts(&app, committee, &alert).await, [("1号楼".into(), none), ("2号楼".into(), [1, 0, 0, 0, 0, 1])]);

    // One SAFE in building 1, one NEED_HELP in building 2.
    let r = respond(&app, a.t("demo-resident"), &alert, "SAFE", None).await;
    assert_eq!(r["data"]["respondToAlert"]["notice"]["viewerResponse"]["state"], "SAFE", "{r}");
    respond(&app, &b2, &alert, "NEED_HELP", Some("老人行动不便，需要转移")).await;
    assert_eq!(
        counts(&app, committee, &alert).await,
        [("1号楼".into(), [3, 1, 1, 0, 0, 2]), ("2号楼".into(), [1, 1, 0, 1, 0, 0])]
    );

    // The head of building 1 visits the neighbour; sees only building 1.
    let neighbour_id = gid("Account", app.account_id("b1-neighbour").await);
    let visit = "mutation($n: ID!, $a: ID!) { recordAlertVisit(input: {noticeId: $n, accountId: $a, note: \"已上门，家中安全\"}) { notice { id } } }";
    let r = app.gql(Some(a.t("demo-building-head")), visit, json!({ "n": alert, "a": neighbour_id })).await;
    assert!(r["errors"].is_null(), "{r}");
    let b2_id = gid("Account", app.account_id("b2-resident").await);
    let r = app.gql(Some(a.t("demo-building-head")), visit, json!({ "n": alert, "a": b2_id })).await;
    assert_eq!(code(&r), "FORBIDDEN", "another building's household is its own head's to visit: {r}");
    let stranger = gid("Account", app.account_id("demo-ngo").await);
    let r = app.gql(Some(a.t("demo-building-head")), visit, json!({ "n": alert, "a": stranger })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "someone the alert does not target: {r}");
    let roster = "query($n: ID!) { notice(id: $n) { roster { displayName phone state visitNote building { name } household { unit number } } } }";
    let r = app.gql(Some(a.t("demo-building-head")), roster, json!({ "n": alert })).await;
    let lines: Vec<(String, String)> = r["data"]["notice"]["roster"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["displayName"].as_str().unwrap().to_owned(), h["state"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        lines,
        [
            ("小李".into(), "RESPONDED_SAFE".into()),
            ("王阿姨".into(), "NOT_REACHED".into()),
            ("b1-neighbour".into(), "REACHED_IN_PERSON".into())
        ],
        "{r}"
    );
    assert_eq!(r["data"]["notice"]["roster"][0]["phone"], "13800000001");
    // Flat by flat (the register's): 1-101, 1-201, then those it has no flat for.
    let flats: Vec<Value> =
        r["data"]["notice"]["roster"].as_array().unwrap().iter().map(|l| l["household"].clone()).collect();
    assert_eq!(flats, [json!({ "unit": "1", "number": "101" }), json!({ "unit": "1", "number": "201" }), Value::Null]);
    let b2_head = resident_of(&app, "b2-head", Role::BuildingHead, b[1]).await;
    let r = app.gql(Some(&b2_head), roster, json!({ "n": alert })).await;
    let names: Vec<_> =
        r["data"]["notice"]["roster"].as_array().unwrap().iter().map(|h| h["displayName"].clone()).collect();
    assert_eq!(names, [json!("b2-resident"), json!("b2-head")], "only building 2: {r}");
    for token in [a.t("demo-resident"), a.t("demo-office"), a.t("demo-ngo")] {
        let r = app.gql(Some(token), roster, json!({ "n": alert })).await;
        assert!(["FORBIDDEN", "NOT_FOUND", crate::common::HIDDEN].contains(&code(&r)), "{r}");
    }
    assert_eq!(
        counts(&app, committee, &alert).await,
        [("1号楼".into(), [3, 1, 1, 0, 1, 1]), ("2号楼".into(), [2, 1, 0, 1, 0, 1])]
    );

    let r = app
        .gql(Some(committee), "query($n: ID!) { notice(id: $n) { communityCounts { community { name } building { name } targeted notReached } } }", json!({ "n": alert }))
        .await;
    assert_eq!(
        r["data"]["notice"]["communityCounts"],
        json!([{ "community": { "name": "桃园社区" }, "building": null, "targeted": 5, "notReached": 2 }]),
        "{r}"
    );

    // NEED_HELP: the committee (publisher) with phones, the office without.
    let need = "query($n: ID!) { notice(id: $n) { needHelp { displayName phone note } } }";
    let r = app.gql(Some(committee), need, json!({ "n": alert })).await;
    assert_eq!(r["data"]["notice"]["needHelp"][0]["note"], "老人行动不便，需要转移", "{r}");
    let r = app.gql(Some(a.t("demo-office")), need, json!({ "n": alert })).await;
    assert_eq!(r["data"]["notice"]["needHelp"][0]["phone"], Value::Null, "{r}");
    assert_eq!(counts(&app, a.t("demo-office"), &alert).await.len(), 2, "the office sees the counts");
    let r = app.gql(Some(a.t("demo-resident")), COUNTS, json!({ "n": alert })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "residents see no counts (not in their schema): {r}");

    // The NEED_HELP answer becomes a resident report.
    let r = app
        .gql(
            Some(committee),
            "mutation($n: ID!, $a: ID!) { reportFromAlertResponse(input: {noticeId: $n, accountId: $a}) { report { status isPublic description } } }",
            json!({ "n": alert, "a": b2_id }),
        )
        .await;
    assert_eq!(r["data"]["reportFromAlertResponse"]["report"]["status"], "SUBMITTED", "{r}");
    assert_eq!(r["data"]["reportFromAlertResponse"]["report"]["isPublic"], false);

    // Closing freezes the counts: a later resident of building 2 changes nothing.
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { status } } }",
            json!({ "n": alert }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "only the publisher closes: {r}");
    let r = app
        .gql(
            Some(committee),
            "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { status isPinned } } }",
            json!({ "n": alert }),
        )
        .await;
    assert_eq!(r["data"]["closeAlert"]["notice"], json!({ "status": "CLOSED", "isPinned": false }), "{r}");
    let frozen = counts(&app, committee, &alert).await;
    resident_of(&app, "b2-late", Role::Resident, b[1]).await;
    let r = respond(&app, a.t("demo-building-head"), &alert, "SAFE", None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "closed: {r}");
    assert_eq!(counts(&app, committee, &alert).await, frozen);
    let r = app.gql(Some(&neighbour), "{ pinnedAlerts { id } }", json!({})).await;
    assert_eq!(r["data"]["pinnedAlerts"], json!([]), "{r}");

    // The district system sees aggregates only.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let body: Value =
        app.client.post(format!("{}/oauth/token", app.base)).form(&form).send().await.unwrap().json().await.unwrap();
    let district = body["access_token"].as_str().unwrap();
    let r =
        app.gql(Some(district), "{ alertStats { level alerts households reachedWithinHourShare } }", json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    // Notices themselves are not in a district system's schema.
    let n = app.gql(Some(district), "{ notices { totalCount } }", json!({})).await;
    assert_eq!(code(&n), crate::common::HIDDEN, "{n}");
    let stats = &r["data"]["alertStats"][0];
    assert_eq!((&stats["level"], &stats["alerts"]), (&json!("RED"), &json!(1)), "{r}");
    let r = app.gql(Some(district), "query($n: ID!) { notice(id: $n) { id } }", json!({ "n": alert })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

/// Households that do not answer are flagged to their head once, after the
/// alert's follow-up time, also with two processes sweeping.
async fn silent_households_are_flagged_once(app: TestApp) {
    let a = Actors::login(&app).await;
    let b = peach_buildings(&app).await;
    // On PostgreSQL two more processes sweep the same database, and the
    // head listens on one of them; SQLite is one process.
    let peers = if app.db.is_postgres() { vec![app.spawn_peer().await, app.spawn_peer().await] } else { Vec::new() };
    let base = peers.first().map_or(app.base.clone(), |p| p.base.clone());
    let mut follow =
        subscribe(&base, a.t("demo-building-head"), "subscription { alertFollowUps { noticeId accountId } }").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = publish(
        &app,
        a.t("demo-committee"),
        json!({ "category": "EMERGENCY", "level": "ORANGE", "title": "燃气泄漏", "body": "1号楼燃气泄漏",
            "targetBuildingIds": [gid("Building", b[0])], "followUpSeconds": 1 }),
    )
    .await;
    let alert = r["data"]["publishNotice"]["notice"]["id"].clone();
    respond(&app, a.t("demo-resident"), &alert, "SAFE", None).await;
    // The head (a household of building 1 too) did not answer: flagged.
    let got = next_json(&mut follow).await;
    let head = gid("Account", app.account_id("demo-building-head").await);
    assert_eq!(got["payload"]["data"]["alertFollowUps"], json!({ "noticeId": alert, "accountId": head }), "{got}");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(silent(&mut follow, 300).await, "flagged once");
    use sea_orm::PaginatorTrait;
    let flags = entity::alert_flag::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(flags, 1, "one flag, whatever the number of processes");
    let r = app
        .gql(
            Some(a.t("demo-building-head")),
            "query($n: ID!) { notice(id: $n) { roster { displayName flaggedAt } } }",
            json!({ "n": alert }),
        )
        .await;
    let flagged: Vec<_> = r["data"]["notice"]["roster"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| !h["flaggedAt"].is_null())
        .map(|h| h["displayName"].clone())
        .collect();
    assert_eq!(flagged, [json!("王阿姨")], "{r}");
    drop(peers);
}

both!(red_alert_reaches_two_buildings_and_only_them);

/// Every process sweeps every 100 ms.
mod silent_households_are_flagged_once {
    fn quick(c: &mut api::Config) {
        c.alert_sweep_ms = 100;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, quick).await;
        super::silent_households_are_flagged_once(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, quick).await;
        super::silent_households_are_flagged_once(app).await;
    }
}
