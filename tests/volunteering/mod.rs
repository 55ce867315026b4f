//! Volunteering, points and the store through `/graphql` (issue 29): an
//! activity from draft to completed with attendance, hours and points;
//! places under concurrent sign-ups; points rules with caps; redemptions
//! under concurrency with the ledger recomputed; what each role may not do.

use entity::enums::Role;
use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};
use crate::projects::Actors;

mod buildings;
mod rules;
mod store;
mod walk;

pub(crate) use store::grant;
pub(crate) use walk::perform;

both!(an_activity_runs_from_draft_to_completed_with_hours_and_points, thirty_sign_ups_for_ten_places);

const CREATE: &str = "mutation($c: ID!, $cap: Int!, $pph: Int) { createVolunteerActivity(input: {communityId: $c,
    title: \"清理楼道\", description: \"清理楼道杂物\", place: \"3号楼\", startsAt: \"2026-12-20T01:00:00Z\",
    endsAt: \"2026-12-20T04:00:00Z\", capacity: $cap, pointsPerHour: $pph}) { activity { id status capacity } } }";

/// Run an operation that must succeed; its data.
pub(crate) async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

/// A published activity of the committee of 桃园社区 with `capacity` places.
pub(crate) async fn published(app: &TestApp, committee: &str, capacity: i32) -> Value {
    let peach = app.peach_garden().await;
    let d = ok(app, committee, CREATE, json!({ "c": peach, "cap": capacity })).await;
    let id = d["createVolunteerActivity"]["activity"]["id"].clone();
    step(app, committee, "publishVolunteerActivity", &id, "OPEN").await;
    id
}

async fn step(app: &TestApp, token: &str, mutation: &str, id: &Value, status: &str) {
    let q = format!("mutation($a: ID!) {{ {mutation}(input: {{activityId: $a}}) {{ activity {{ status }} }} }}");
    let d = ok(app, token, &q, json!({ "a": id })).await;
    assert_eq!(d[mutation]["activity"]["status"], status);
}

pub(crate) const SIGN_UP: &str =
    "mutation($a: ID!, $s: Boolean) { signUpForActivity(input: {activityId: $a, sharePhone: $s}) {
    signup { id status waitingPosition } } }";

/// `n` residents of 桃园社区 who can sign in (one password hash for all),
/// with their tokens.
pub(crate) async fn residents(app: &TestApp, prefix: &str, n: usize) -> Vec<(i32, String)> {
    use entity::{account, membership};
    let community = app.region_id("桃园社区").await;
    let hash = api::auth::password::hash_blocking("volunteer-passphrase").unwrap();
    let mut made = Vec::new();
    for i in 0..n {
        let now = chrono::Utc::now();
        let a = account::ActiveModel {
            id: NotSet,
            username: Set(format!("{prefix}-{i}")),
            display_name: Set(format!("志愿者{i}")),
            real_name: Set(None),
            phone: Set(Some(format!("1360000{i:04}"))),
            password_hash: Set(hash.clone()),
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
        .insert(&app.db.write)
        .await
        .unwrap();
        membership::ActiveModel {
            id: NotSet,
            account_id: Set(a.id),
            role: Set(Role::Resident),
            region_id: Set(Some(community)),
            building_id: Set(None),
            organisation_id: Set(None),
            household_id: Set(None),
            created_at: Set(now),
        }
        .insert(&app.db.write)
        .await
        .unwrap();
        made.push(a.id);
    }
    let tokens =
        join_all((0..n).map(|i| async move { app.token_with(&format!("{prefix}-{i}"), "volunteer-passphrase").await }))
            .await;
    made.into_iter().zip(tokens).collect()
}

async fn an_activity_runs_from_draft_to_completed_with_hours_and_points(app: TestApp) {
    let a = Actors::login(&app).await;
    let (committee, resident, head, river, ngo) = (
        a.t("demo-committee"),
        a.t("demo-resident"),
        a.t("demo-building-head"),
        a.t("demo-resident-river"),
        a.t("demo-ngo"),
    );
    let peach = app.peach_garden().await;
    // Bad input: no places. Nothing is created.
    let before = app.audit_count().await;
    let r = app.gql(Some(committee), CREATE, json!({ "c": peach, "cap": 0 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "capacity");
    assert_eq!(app.audit_count().await, before);
    // A resident may not organise (the mutation is not theirs).
    let r = app.gql(Some(resident), CREATE, json!({ "c": peach, "cap": 5 })).await;
    assert!(!r["errors"].is_null(), "{r}");

    let d = ok(&app, committee, CREATE, json!({ "c": peach, "cap": 5, "pph": null })).await;
    let id = d["createVolunteerActivity"]["activity"]["id"].clone();
    assert_eq!(d["createVolunteerActivity"]["activity"]["status"], "DRAFT");
    // A draft is the organiser's alone.
    let look =
        "query($a: ID!) { volunteerActivity(id: $a) { status placesLeft signups { name phone status minutes } } }";
    assert_eq!(code(&app.gql(Some(resident), look, json!({ "a": id })).await), "NOT_FOUND");
    let r = app.gql(Some(resident), SIGN_UP, json!({ "a": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    step(&app, committee, "publishVolunteerActivity", &id, "OPEN").await;
    // Another community's resident does not see it; an NGO that did not organise it may not run it.
    assert_eq!(code(&app.gql(Some(river), look, json!({ "a": id })).await), "NOT_FOUND");
    let r = app
        .gql(
            Some(ngo),
            "mutation($a: ID!) { startVolunteerActivity(input: {activityId: $a}) { activity { status } } }",
            json!({ "a": id }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    // The committee's rule: 10 points an hour, at most 15 a day.
    let rules = "mutation { setPointsRules(input: {rules: [{kind: VOLUNTEER_HOURS, points: 10, dailyCap: 15},
        {kind: VOTE_CAST, points: 2}]}) { rules { kind points dailyCap } } }";
    let r = app.gql(Some(resident), rules, json!({})).await;
    assert!(!r["errors"].is_null(), "a resident sets no rules: {r}");
    let d = ok(&app, committee, rules, json!({})).await;
    assert_eq!(d["setPointsRules"]["rules"].as_array().unwrap().len(), 2);

    let mine = ok(&app, resident, SIGN_UP, json!({ "a": id, "s": true })).await;
    let signup = mine["signUpForActivity"]["signup"]["id"].clone();
    assert_eq!(mine["signUpForActivity"]["signup"]["status"], "SIGNED_UP");
    assert_eq!(code(&app.gql(Some(resident), SIGN_UP, json!({ "a": id })).await), "CONFLICT");
    let theirs = ok(&app, head, SIGN_UP, json!({ "a": id })).await;
    let head_signup = theirs["signUpForActivity"]["signup"]["id"].clone();

    // The organiser's roster: names; a phone only where the person shared it.
    let d = ok(&app, committee, look, json!({ "a": id })).await;
    let roster = d["volunteerActivity"]["signups"].as_array().unwrap().clone();
    assert_eq!(roster.len(), 2, "{d}");
    assert!(roster[0]["phone"].is_string() && roster[1]["phone"].is_null(), "{d}");
    assert_eq!(d["volunteerActivity"]["placesLeft"], 3);
    // A resident sees their own sign-up only.
    let d = ok(&app, resident, look, json!({ "a": id })).await;
    assert_eq!(d["volunteerActivity"]["signups"].as_array().unwrap().len(), 1, "{d}");

    step(&app, committee, "startVolunteerActivity", &id, "ONGOING").await;
    let check_in = "mutation($s: ID!) { checkInVolunteer(input: {signupId: $s}) { signup { status checkedInAt } } }";
    let d = ok(&app, committee, check_in, json!({ "s": signup })).await;
    assert!(d["checkInVolunteer"]["signup"]["checkedInAt"].is_string());
    // Two hours give 20 points, cut to the daily cap of 15.
    let confirm = "mutation($s: ID!, $m: Int!) { confirmVolunteerAttendance(input: {signupId: $s, minutes: $m}) {
        signup { status minutes } pointsAwarded } }";
    let r = app.gql(Some(committee), confirm, json!({ "s": signup, "m": 0 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let d = ok(&app, committee, confirm, json!({ "s": signup, "m": 120 })).await;
    assert_eq!(d["confirmVolunteerAttendance"]["pointsAwarded"], 15, "{d}");
    assert_eq!(d["confirmVolunteerAttendance"]["signup"]["status"], "ATTENDED");
    // Confirmed once: a second confirmation is refused and awards nothing.
    assert_eq!(code(&app.gql(Some(committee), confirm, json!({ "s": signup, "m": 60 })).await), "CONFLICT");
    // Nobody confirms their own attendance: the committee's account, also signed up (as a resident of
    // the community, another membership), is refused.
    let own = self_signup(&app, &id, "demo-committee").await;
    let r = app.gql(Some(committee), confirm, json!({ "s": own, "m": 60 })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    step(&app, committee, "completeVolunteerActivity", &id, "COMPLETED").await;
    // Attendance may still be confirmed after the end; the head's hour gives 10.
    let d = ok(&app, committee, confirm, json!({ "s": head_signup, "m": 60 })).await;
    assert_eq!(d["confirmVolunteerAttendance"]["pointsAwarded"], 10);
    assert_eq!(code(&app.gql(Some(resident), SIGN_UP, json!({ "a": id })).await), "BAD_USER_INPUT");

    let d = ok(&app, resident, "{ myVolunteering { minutes hours signups { status } } myPoints { balance entries { kind delta balanceAfter } } }", json!({})).await;
    assert_eq!(d["myVolunteering"]["minutes"], 120);
    assert_eq!(d["myVolunteering"]["hours"], 2);
    assert_eq!(d["myPoints"]["balance"], 15);
    assert_eq!(d["myPoints"]["entries"][0], json!({ "kind": "VOLUNTEER_HOURS", "delta": 15, "balanceAfter": 15 }));
    // The ledger is append-only in fact: every row's balance follows from the one before.
    crate::volunteering::store::assert_ledger_agrees(&app).await;
    // Webhook events for the moves (published, started, completed), in the outbox with the writes.
    let events = entity::webhook_event::Entity::find().all(&app.db.write).await.unwrap();
    let moves: Vec<_> = events.iter().filter(|e| e.event_type == "volunteer_activity.status_changed").collect();
    assert_eq!(moves.len(), 3);
    // The resident's data export holds their sign-up and points, and nobody else's.
    let doc = crate::privacy::my_data(&app, resident).await;
    assert_eq!(doc["volunteerSignups"].as_array().unwrap().len(), 1, "{}", doc["volunteerSignups"]);
    assert_eq!(doc["volunteerSignups"][0]["minutes"], 120);
    assert_eq!(doc["pointsLedger"].as_array().unwrap().len(), 1);
    assert_eq!(doc["pointsLedger"][0]["balanceAfter"], 15);
}

/// A sign-up of `username`'s account to activity `id`, inserted as by a
/// second (resident) membership of that account.
async fn self_signup(app: &TestApp, id: &Value, username: &str) -> Value {
    use entity::enums::SignupStatus;
    let account = app.account_id(username).await;
    let activity = api::graphql::ids::decode(&async_graphql::ID(id.as_str().unwrap().into())).unwrap().1;
    let now = chrono::Utc::now();
    let s = entity::volunteer_signup::ActiveModel {
        id: NotSet,
        activity_id: Set(activity),
        account_id: Set(account),
        status: Set(SignupStatus::SignedUp),
        share_phone: Set(false),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        minutes: Set(None),
        confirmed_by_account_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db.write)
    .await
    .unwrap();
    json!(api::graphql::ids::encode("VolunteerSignup", s.id).0)
}

async fn thirty_sign_ups_for_ten_places(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let id = published(&app, committee, 10).await;
    let people = residents(&app, "signup", 30).await;
    let answers = join_all(people.iter().map(|(_, t)| app.gql(Some(t), SIGN_UP, json!({ "a": id })))).await;
    let mut signed = 0;
    let mut positions = Vec::new();
    for r in &answers {
        assert!(r["errors"].is_null(), "{r}");
        let s = &r["data"]["signUpForActivity"]["signup"];
        match s["status"].as_str() {
            Some("SIGNED_UP") => signed += 1,
            Some("WAITING") => positions.push(s["waitingPosition"].as_i64().unwrap()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signed, 10);
    // The waiting list: 20 people, in the order they signed up (1 to 20, each once).
    let d = ok(
        &app,
        committee,
        "query($a: ID!) { volunteerActivity(id: $a) { status placesTaken signups { id status waitingPosition } } }",
        json!({ "a": id }),
    )
    .await;
    let act = &d["volunteerActivity"];
    assert_eq!(act["status"], "FULL");
    assert_eq!(act["placesTaken"], 10);
    let roster = act["signups"].as_array().unwrap();
    let waiting: Vec<i64> =
        roster.iter().filter(|s| s["status"] == "WAITING").map(|s| s["waitingPosition"].as_i64().unwrap()).collect();
    assert_eq!(waiting, (1..=20).collect::<Vec<_>>(), "in sign-up order");
    positions.sort();
    assert_eq!(positions, (1..=20).collect::<Vec<_>>());
    // A place freed goes to the first waiting, who is now signed up; the activity stays FULL.
    let holder = people
        .iter()
        .zip(&answers)
        .find(|(_, r)| r["data"]["signUpForActivity"]["signup"]["status"] == "SIGNED_UP")
        .unwrap()
        .0;
    let first_waiting = roster.iter().find(|s| s["waitingPosition"] == 1).unwrap()["id"].clone();
    let w = "mutation($a: ID!) { withdrawFromActivity(input: {activityId: $a}) { signup { status } } }";
    let d = ok(&app, &holder.1, w, json!({ "a": id })).await;
    assert_eq!(d["withdrawFromActivity"]["signup"]["status"], "WITHDRAWN");
    let d = ok(
        &app,
        committee,
        "query($s: ID!) { node(id: $s) { ... on VolunteerSignup { status } } }",
        json!({ "s": first_waiting }),
    )
    .await;
    assert_eq!(d["node"]["status"], "SIGNED_UP");
    let d =
        ok(&app, committee, "query($a: ID!) { volunteerActivity(id: $a) { status placesTaken } }", json!({ "a": id }))
            .await;
    assert_eq!(d["volunteerActivity"], json!({ "status": "FULL", "placesTaken": 10 }));
    // The database agrees: exactly 10 places held.
    let held = entity::volunteer_signup::Entity::find()
        .filter(entity::volunteer_signup::Column::Status.eq(entity::enums::SignupStatus::SignedUp))
        .all(&app.db.write)
        .await
        .unwrap();
    assert_eq!(held.len(), 10);
}
