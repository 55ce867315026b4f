//! Points by the community's rules: votes when the vote closes (not when a
//! ballot is cast), council attendance when the meeting is recorded, a
//! confirmed report; each once, within the caps; nothing without a rule.

use serde_json::{Value, json};

use super::ok;
use crate::both;
use crate::common::TestApp;
use crate::projects::{Actors, organisation_id};

both!(rules_award_votes_meetings_and_reports_within_caps, points_per_activity_whatever_its_length);

/// An activity that gives fixed points for taking part: 30 for 45 minutes
/// as for three hours; points per hour and per activity are not both set.
async fn points_per_activity_whatever_its_length(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let peach = app.peach_garden().await;
    let create = "mutation($c: ID!, $pph: Int, $ppa: Int) { createVolunteerActivity(input: {communityId: $c,
        title: \"植树\", description: \"社区植树\", startsAt: \"2026-12-20T01:00:00Z\", endsAt: \"2026-12-20T04:00:00Z\",
        capacity: 5, pointsPerHour: $pph, pointsPerActivity: $ppa}) { activity { id pointsPerActivity pointsPerHour } } }";
    let audit = app.audit_count().await;
    let r = app.gql(Some(committee), create, json!({ "c": peach, "pph": 10, "ppa": 30 })).await;
    assert_eq!(crate::common::code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(app.audit_count().await, audit, "nothing changed");
    let d = ok(&app, committee, create, json!({ "c": peach, "ppa": 30 })).await;
    let act = &d["createVolunteerActivity"]["activity"];
    assert_eq!((&act["pointsPerActivity"], &act["pointsPerHour"]), (&json!(30), &Value::Null));
    let id = act["id"].clone();
    let step =
        |name: &str| format!("mutation($a: ID!) {{ {name}(input: {{activityId: $a}}) {{ activity {{ status }} }} }}");
    ok(&app, committee, &step("publishVolunteerActivity"), json!({ "a": id })).await;
    let mut signups = Vec::new();
    for who in ["demo-resident", "demo-building-head"] {
        let d = ok(&app, a.t(who), super::SIGN_UP, json!({ "a": id })).await;
        signups.push(d["signUpForActivity"]["signup"]["id"].clone());
    }
    ok(&app, committee, &step("startVolunteerActivity"), json!({ "a": id })).await;
    let confirm = "mutation($s: ID!, $m: Int!) { confirmVolunteerAttendance(input: {signupId: $s, minutes: $m}) { pointsAwarded } }";
    for (s, minutes) in signups.iter().zip([45, 180]) {
        let d = ok(&app, committee, confirm, json!({ "s": s, "m": minutes })).await;
        assert_eq!(d["confirmVolunteerAttendance"]["pointsAwarded"], 30, "{minutes} minutes");
    }
    assert_eq!(balance(&app, a.t("demo-resident")).await.0, 30);
}

async fn balance(app: &TestApp, token: &str) -> (i64, Vec<Value>) {
    let d = ok(app, token, "{ myPoints { balance entries { kind delta } } }", json!({})).await;
    (d["myPoints"]["balance"].as_i64().unwrap(), d["myPoints"]["entries"].as_array().unwrap().clone())
}

/// A project the resident votes YES on, then the committee closes the vote.
async fn voted(app: &TestApp, a: &Actors, title: &str) -> Value {
    let id = crate::projects::deliberating(app, a, title).await;
    crate::projects::open_voting(app, a.t("demo-committee"), &id).await;
    assert!(crate::projects::vote(app, a.t("demo-resident"), &id, "YES").await["errors"].is_null());
    id
}

async fn close(app: &TestApp, a: &Actors, id: &Value) {
    crate::projects::step_ok(app, a.t("demo-committee"), "closeVoting", id, "VOTING").await;
}

async fn rules_award_votes_meetings_and_reports_within_caps(app: TestApp) {
    let a = Actors::login(&app).await;
    let (committee, resident) = (a.t("demo-committee"), a.t("demo-resident"));
    // Without a rule, taking part books nothing.
    let first = voted(&app, &a, "无规则时的投票").await;
    close(&app, &a, &first).await;
    assert_eq!(balance(&app, resident).await.0, 0);

    let rules = "mutation { setPointsRules(input: {rules: [{kind: VOTE_CAST, points: 3, monthlyCap: 5},
        {kind: MEETING_ATTENDED, points: 2}, {kind: REPORT_RESOLVED, points: 4}]}) { rules { kind } } }";
    ok(&app, committee, rules, json!({})).await;
    // A cast ballot books nothing yet (a ledger row at that moment would date the ballot).
    let second = voted(&app, &a, "加装电梯").await;
    assert_eq!(balance(&app, resident).await.0, 0, "nothing while the vote is open");
    close(&app, &a, &second).await;
    assert_eq!(balance(&app, resident).await.0, 3);
    // The monthly cap of 5: the next closed vote gives 2, the one after nothing.
    for title in ["楼顶绿化", "更换路灯"] {
        let p = voted(&app, &a, title).await;
        close(&app, &a, &p).await;
    }
    assert_eq!(balance(&app, resident).await.0, 5);

    // A council meeting recorded with the resident attending: 2, once even when the record is revised.
    let me = api::graphql::ids::encode("Account", app.account_id("demo-resident").await).0;
    let peach = app.peach_garden().await;
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let d = ok(&app, committee, "mutation($c: ID!, $at: DateTime!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"议事会\", scheduledAt: $at, place: \"活动室\", topics: [\"停车\"]}) { meeting { id } } }", json!({ "c": peach, "at": soon })).await;
    let meeting = d["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    let record = "mutation($m: ID!, $a: [ID!], $n: String) { recordCouncilMeeting(input: {meetingId: $m, attendeeIds: $a, minutes: \"同意\", revisionNote: $n}) { meeting { status } } }";
    ok(&app, committee, record, json!({ "m": meeting, "a": [me] })).await;
    ok(&app, committee, record, json!({ "m": meeting, "a": [me], "n": "补记" })).await;
    assert_eq!(balance(&app, resident).await.0, 7);

    // A report the resident filed, resolved by the property company and confirmed by them: 4.
    let r =
        crate::reports::submit(&app, resident, json!({ "categoryCode": "REPAIR", "description": "路灯坏了" })).await;
    let id = r["data"]["submitReport"]["report"]["id"].clone();
    assert!(id.is_string(), "{r}");
    crate::reports::step(&app, committee, "acceptReport", &id, None).await;
    let property = organisation_id(&app, a.t("demo-admin"), crate::funds::PROPERTY).await;
    crate::reports::assign(&app, committee, &id, &property).await;
    crate::reports::step(&app, a.t("demo-property"), "startReport", &id, None).await;
    crate::reports::step(&app, a.t("demo-property"), "resolveReport", &id, Some("已修好")).await;
    assert_eq!(balance(&app, resident).await.0, 7, "not before the reporter confirms");
    let r = crate::reports::step(&app, resident, "confirmReport", &id, None).await;
    assert_eq!(r["data"]["confirmReport"]["report"]["status"], "CLOSED", "{r}");
    let (total, entries) = balance(&app, resident).await;
    assert_eq!(total, 11);
    let kinds: Vec<_> =
        entries.iter().map(|e| (e["kind"].as_str().unwrap().to_owned(), e["delta"].as_i64().unwrap())).collect();
    let want = [("REPORT_RESOLVED", 4), ("MEETING_ATTENDED", 2), ("VOTE_CAST", 2), ("VOTE_CAST", 3)];
    assert_eq!(kinds, want.map(|(k, d)| (k.to_owned(), d)), "newest first");
    // The ledger is the person's alone: the building head sees their own (empty) points.
    assert_eq!(balance(&app, a.t("demo-building-head")).await.0, 0);
    super::store::assert_ledger_agrees(&app).await;
}
