//! What must not leak: the secret ballot against inference, drafts in the audit feed, existence of others' objects.

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};
use crate::projects::{Actors, deliberating, open_voting, vote};

// ---------------------------------------------------------------------------
// The secret ballot against inference
// ---------------------------------------------------------------------------

/// The recorded attack: the committee switches live tallies on during an
/// open vote, reads the counts and the audit feed around one person's
/// ballot, and switches them off again. It learns nothing: the vote keeps
/// the setting it opened with, and a ballot leaves no trace in the feed.
/// Where live tallies were on from the start, the office sees counts move
/// but the feed still says nothing about who.
async fn ballot_inference_learns_nothing(app: TestApp) {
    let a = Actors::login(&app).await;
    let community = app.peach_garden().await;
    let settings = |live: bool| {
        json!({ "query": "mutation($l: Boolean!, $c: ID!) { updateCommunitySettings(input: {communityId: $c,
            quorumPercent: 20, thresholdPercent: 50, liveTally: $l}) { settings { liveTally } } }", "variables": { "l": live, "c": community } })
    };
    let feed = |token: String| {
        let app = &app;
        async move {
            app.gql(Some(&token), "{ auditLog(last: 100) { edges { node { id action role at } } } }", json!({})).await
                ["data"]["auditLog"]
                .clone()
        }
    };
    let tally = |token: String, id: Value| {
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Project { tally { yes no } } } }",
                json!({ "id": id }),
            )
            .await["data"]["node"]["tally"]
                .clone()
        }
    };
    let committee = a.t("demo-committee").to_owned();
    let office = a.t("demo-office").to_owned();

    // Opened without live tallies; the committee switches them on mid-vote.
    let (_, r) = app.post_json(Some(&committee), &settings(false)).await;
    assert!(r["errors"].is_null(), "{r}");
    let id = deliberating(&app, &a, "秘密投票").await;
    open_voting(&app, &committee, &id).await;
    let (_, r) = app.post_json(Some(&committee), &settings(true)).await;
    assert_eq!(r["data"]["updateCommunitySettings"]["settings"]["liveTally"], true, "{r}");
    let (tally_before, feed_before) = (tally(committee.clone(), id.clone()).await, feed(committee.clone()).await);
    let office_feed_before = feed(office.clone()).await;
    assert!(vote(&app, a.t("demo-building-head"), &id, "NO").await["errors"].is_null());
    let (tally_after, feed_after) = (tally(committee.clone(), id.clone()).await, feed(committee.clone()).await);
    let office_feed_after = feed(office.clone()).await;
    app.post_json(Some(&committee), &settings(false)).await;
    assert!(tally_before.is_null() && tally_after.is_null(), "no counts mid-vote: {tally_before} / {tally_after}");
    assert_eq!(feed_before, feed_after, "the ballot left no trace in the committee's feed");
    assert_eq!(office_feed_before, office_feed_after, "nor in the office's");

    // Live from the start: counts move, the feed still names nobody.
    app.post_json(Some(&committee), &settings(true)).await;
    let id = deliberating(&app, &a, "公开计票").await;
    open_voting(&app, &committee, &id).await;
    let feed_before = feed(office.clone()).await;
    vote(&app, a.t("demo-building-head"), &id, "NO").await;
    assert_eq!(tally(office.clone(), id.clone()).await, json!({ "yes": 0, "no": 1 }));
    assert_eq!(feed_before, feed(office.clone()).await, "counts change, the feed does not");
}

// ---------------------------------------------------------------------------
// The audit feed shows no more than the objects it names
// ---------------------------------------------------------------------------

async fn drafts_stay_out_of_the_audit_feed(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = crate::projects::create_draft(&app, a.t("demo-resident"), "草稿项目").await;
    let entries = |token: String| {
        let app = &app;
        async move {
            let r = app
                .gql(Some(&token), "{ auditLog(last: 100) { edges { node { id action objectId } } } }", json!({}))
                .await;
            r["data"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect::<Vec<_>>()
        }
    };
    let about = |list: &[Value]| list.iter().filter(|e| e["objectId"] == id).cloned().collect::<Vec<_>>();
    let admin = about(&entries(a.t("demo-admin").to_owned()).await);
    assert_eq!(admin.len(), 1, "platform admins see drafts and their entries");
    for who in ["demo-committee", "demo-office"] {
        assert!(about(&entries(a.t(who).to_owned()).await).is_empty(), "{who} sees no draft entry");
        let r =
            app.gql(Some(a.t(who)), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": admin[0]["id"] })).await;
        assert!(r["data"]["node"].is_null(), "{who}: node() hides it too: {r}");
    }
    // Submitted, the project and its history become visible to them.
    crate::projects::step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    assert_eq!(about(&entries(a.t("demo-committee").to_owned()).await).len(), 2);
}

/// "Not yours" and "does not exist" get the same answer where existence is
/// private: another community's council meeting.
async fn council_meetings_are_no_existence_oracle(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "议事项目").await;
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!, $c: ID!, $at: DateTime!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"议事会\",
                scheduledAt: $at, place: \"活动室\", projectIds: [$id]}) { meeting { id } } }",
            json!({ "id": id, "c": app.peach_garden().await, "at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() }),
        )
        .await;
    let meeting = r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    let record = "mutation($m: ID!) { recordCouncilMeeting(input: {meetingId: $m, attendance: 3, minutes: \"记录\"}) { meeting { id } } }";
    let missing = api::graphql::ids::encode("CouncilMeeting", 999_999);
    let other = app.gql(Some(a.t("demo-resident-river")), record, json!({ "m": meeting })).await;
    let none = app.gql(Some(a.t("demo-resident-river")), record, json!({ "m": missing })).await;
    // A resident is not shown `recordCouncilMeeting` at all (issue 24),
    // so the answer cannot depend on the meeting.
    assert_eq!(code(&other), crate::common::HIDDEN, "{other}");
    assert_eq!(other["errors"][0]["message"], none["errors"][0]["message"]);
    assert_eq!(code(&none), crate::common::HIDDEN);
    // A committee of no community the meeting is in: the admin (shown
    // everything) reads it but may not run it, and is told so.
    let r = app.gql(Some(a.t("demo-admin")), record, json!({ "m": meeting })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
}

both!(ballot_inference_learns_nothing, drafts_stay_out_of_the_audit_feed, council_meetings_are_no_existence_oracle,);
