//! Council meetings as records (issue 33): the council's members, a
//! meeting with attendance as people, an agenda of a project, a report and
//! a topic with their decisions (one resting on a vote), minutes revised
//! without losing the first text, rescheduling and cancelling, dates
//! checked, and the residents told.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};

fn account(id: i32) -> String {
    api::graphql::ids::encode("Account", id).0
}

fn at(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

const SCHEDULE: &str = "mutation($i: ScheduleCouncilMeetingInput!) { scheduleCouncilMeeting(input: $i) {
    meeting { id status items { itemId position topic project { title } report { id } } } } }";
const RECORD: &str =
    "mutation($i: RecordCouncilMeetingInput!) { recordCouncilMeeting(input: $i) { meeting { status attendance } } }";
const DECIDE: &str =
    "mutation($i: RecordCouncilDecisionInput!) { recordCouncilDecision(input: $i) { meeting { id } } }";

async fn schedule(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), SCHEDULE, json!({ "i": input })).await
}

/// Every council mutation once, as the committee (the audit and surface walks).
pub(crate) async fn council_walk(app: &TestApp, committee: &str, peach: &str) {
    let ok = |r: Value| assert!(r["errors"].is_null(), "{r}");
    let resident = account(app.account_id("demo-resident").await);
    let r = app
        .gql(Some(committee), "mutation($c: ID!, $a: ID!) { addCouncilMember(input: {communityId: $c, accountId: $a}) { member { memberId } } }", json!({ "c": peach, "a": resident }))
        .await;
    let member = r["data"]["addCouncilMember"]["member"]["memberId"].clone();
    ok(app
        .gql(
            Some(committee),
            "mutation($m: ID!) { removeCouncilMember(input: {memberId: $m}) { member { memberId } } }",
            json!({ "m": member }),
        )
        .await);
    let r = schedule(app, committee, json!({ "communityId": peach, "title": "居民议事会", "scheduledAt": at(2), "place": "活动室", "topics": ["停车"] })).await;
    let meeting = r["data"]["scheduleCouncilMeeting"]["meeting"].clone();
    ok(app.gql(Some(committee), "mutation($m: ID!, $at: DateTime!) { rescheduleCouncilMeeting(input: {meetingId: $m, scheduledAt: $at}) { meeting { id } } }", json!({ "m": meeting["id"], "at": at(3) })).await);
    ok(app
        .gql(
            Some(committee),
            RECORD,
            json!({ "i": { "meetingId": meeting["id"], "attendeeIds": [resident], "minutes": "通过" } }),
        )
        .await);
    ok(app
        .gql(
            Some(committee),
            DECIDE,
            json!({ "i": { "itemId": meeting["items"][0]["itemId"], "decision": "试行错峰停车" } }),
        )
        .await);
    let r = schedule(
        app,
        committee,
        json!({ "communityId": peach, "title": "临时会议", "scheduledAt": at(60), "place": "活动室" }),
    )
    .await;
    let other = r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    ok(app.gql(Some(committee), "mutation($m: ID!) { cancelCouncilMeeting(input: {meetingId: $m, reason: \"主持人出差\"}) { meeting { id } } }", json!({ "m": other })).await);
}

async fn a_meeting_on_record(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let peach = app.peach_garden().await;
    let (me, head) =
        (account(app.account_id("demo-resident").await), account(app.account_id("demo-building-head").await));
    let river = account(app.account_id("demo-resident-river").await);

    // The council's members: residents of the community only.
    let add = "mutation($c: ID!, $a: ID!) { addCouncilMember(input: {communityId: $c, accountId: $a}) { member { memberId person { username } } } }";
    for who in [&me, &head] {
        let r = app.gql(Some(committee), add, json!({ "c": peach, "a": who })).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    let r = app.gql(Some(committee), add, json!({ "c": peach, "a": river })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "another community's resident: {r}");
    let r = app.gql(Some(a.t("demo-resident")), add, json!({ "c": peach, "a": me })).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "query($c: ID!) { councilMembers(communityId: $c) { person { username } } }",
            json!({ "c": peach }),
        )
        .await;
    assert_eq!(r["data"]["councilMembers"].as_array().map(Vec::len), Some(2), "residents see the council: {r}");

    // A project and a report on the agenda, and a topic; not in the past.
    let project = create_draft(&app, a.t("demo-resident"), "加装电梯").await;
    step_ok(&app, a.t("demo-resident"), "submitProject", &project, "PROPOSED").await;
    step_ok(&app, committee, "startDeliberation", &project, "DELIBERATING").await;
    let r = crate::reports::submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "PARKING", "description": "消防通道被占" }),
    )
    .await;
    let report = r["data"]["submitReport"]["report"]["id"].clone();
    let input = |when: String| {
        json!({ "communityId": peach, "title": "十二月议事会", "scheduledAt": when, "place": "社区活动室",
        "projectIds": [project], "reportIds": [report], "topics": ["楼道堆物整治"] })
    };
    let audit = app.audit_count().await;
    let r = schedule(&app, committee, input("2020-01-01T10:00:00Z".into())).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("scheduledAt")), "{r}");
    assert_eq!(app.audit_count().await, audit, "nothing changed");
    let r = schedule(&app, committee, input(at(90))).await;
    let m = r["data"]["scheduleCouncilMeeting"]["meeting"].clone();
    assert_eq!(m["status"], "SCHEDULED", "{r}");
    let items = m["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{r}");
    assert_eq!(
        (&items[0]["project"]["title"], &items[1]["report"]["id"], &items[2]["topic"]),
        (&json!("加装电梯"), &report, &json!("楼道堆物整治"))
    );
    // The residents were told.
    let r = app.gql(Some(a.t("demo-resident")), "{ notices(first: 5) { edges { node { title } } } }", json!({})).await;
    assert!(r.to_string().contains("十二月议事会"), "{r}");

    // Not recorded before it is held; rescheduled to now, then recorded.
    let rec = |minutes: &str, note: Option<&str>| json!({ "i": { "meetingId": m["id"], "attendeeIds": [me, head], "minutes": minutes, "revisionNote": note } });
    let r = app.gql(Some(committee), RECORD, rec("草稿", None)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "not yet held: {r}");
    let resched = "mutation($m: ID!, $at: DateTime!) { rescheduleCouncilMeeting(input: {meetingId: $m, scheduledAt: $at}) { meeting { scheduledAt } } }";
    let r = app.gql(Some(committee), resched, json!({ "m": m["id"], "at": "2020-01-01T00:00:00Z" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(committee), resched, json!({ "m": m["id"], "at": at(1) })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(committee), RECORD, rec("同意加装电梯；清理消防通道", None)).await;
    assert_eq!(r["data"]["recordCouncilMeeting"]["meeting"], json!({ "status": "HELD", "attendance": 2 }), "{r}");
    let r = app
        .gql(
            Some(committee),
            RECORD,
            json!({ "i": { "meetingId": m["id"], "attendeeIds": [river], "minutes": "x", "revisionNote": "y" } }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "attendees are the community's: {r}");
    // A second recording is a revision, with what changed; never an overwrite.
    let r = app.gql(Some(committee), RECORD, rec("同意加装电梯（18票赞成）", None)).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("revisionNote")), "{r}");
    let r = app.gql(Some(committee), RECORD, rec("同意加装电梯（18票赞成）；清理消防通道", Some("补记表决票数"))).await;
    assert!(r["errors"].is_null(), "{r}");

    // Decisions: the project's by the council's vote, the report's by consensus.
    let vote = crate::projects::open_voting(&app, committee, &project).await;
    assert!(vote["errors"].is_null(), "{vote}");
    let r = app.gql(Some(committee), DECIDE, json!({ "i": { "itemId": items[0]["itemId"], "decision": "同意，提交居民表决", "voteProjectId": project } })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app
        .gql(Some(committee), DECIDE, json!({ "i": { "itemId": items[1]["itemId"], "decision": "物业三日内清理" } }))
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let r =
        app.gql(Some(committee), DECIDE, json!({ "i": { "itemId": items[1]["itemId"], "decision": "改口" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a decision is recorded once: {r}");

    let read = "query($c: ID!) { councilMeetings(communityId: $c) { edges { node { status minutes attendance
        attendees { username } items { decision vote { title } }
        minutesRevisions { revision minutes note actor { username } }
        timeline { kind role note actor { username } } } } } }";
    let r = app.gql(Some(a.t("demo-resident")), read, json!({ "c": peach })).await;
    let node = &r["data"]["councilMeetings"]["edges"][0]["node"];
    assert_eq!(node["status"], "HELD", "{r}");
    assert_eq!(node["minutes"], "同意加装电梯（18票赞成）；清理消防通道");
    assert_eq!(node["attendees"].as_array().map(Vec::len), Some(2), "{r}");
    let revisions = node["minutesRevisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{r}");
    assert_eq!(
        (&revisions[0]["minutes"], &revisions[1]["note"]),
        (&json!("同意加装电梯；清理消防通道"), &json!("补记表决票数"))
    );
    assert_eq!(revisions[1]["actor"]["username"], "demo-committee");
    assert_eq!(node["items"][0]["vote"]["title"], "加装电梯", "{r}");
    assert_eq!(node["items"][1]["decision"], "物业三日内清理");
    assert!(node["items"][2]["decision"].is_null());
    let kinds: Vec<&str> = node["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["SCHEDULED", "RESCHEDULED", "HELD", "MINUTES_REVISED", "DECIDED", "DECIDED"], "{r}");

    // A cancelled meeting takes no record.
    let r = schedule(
        &app,
        committee,
        json!({ "communityId": peach, "title": "临时会议", "scheduledAt": at(1), "place": "活动室" }),
    )
    .await;
    let other = r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    let r = app.gql(Some(committee), "mutation($m: ID!) { cancelCouncilMeeting(input: {meetingId: $m, reason: \"台风\"}) { meeting { status cancelReason } } }", json!({ "m": other })).await;
    assert_eq!(
        r["data"]["cancelCouncilMeeting"]["meeting"],
        json!({ "status": "CANCELLED", "cancelReason": "台风" }),
        "{r}"
    );
    let r = app.gql(Some(committee), RECORD, json!({ "i": { "meetingId": other, "minutes": "x" } })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("status")), "{r}");
}

both!(a_meeting_on_record);
