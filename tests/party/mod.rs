//! The community party organisation (issue 29): it endorses projects before
//! the office approves (required where the community says so), convenes the
//! council with an agenda, publishes activities and surveys, reads the
//! overview without residents' phones, and keeps the voluntary register of
//! party members, which nobody else reaches.

mod register;

use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::both;
use crate::common::{HIDDEN, TestApp, code};
use crate::projects::{Actors, create_draft, open_voting, step, step_ok, vote};

/// Run an operation that must succeed; its data.
pub(crate) async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

const ENDORSE: &str = "mutation($p: ID!, $r: String) { endorseProject(input: {projectId: $p, reason: $r}) {
    project { status endorsement { role note organisation { name } actor { username } }
              timeline { fromStatus toStatus endorsement role } } } }";

const SETTINGS: &str = "mutation($c: ID!, $e: Boolean) { updateCommunitySettings(input: {communityId: $c,
    quorumPercent: 10, thresholdPercent: 50, liveTally: false, endorsementRequired: $e}) {
    settings { endorsementRequired } } }";

/// A 桃园社区 project whose vote closed PASSED.
async fn passed(app: &TestApp, a: &Actors, title: &str) -> Value {
    let id = create_draft(app, a.t("demo-resident"), title).await;
    step_ok(app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;
    assert!(open_voting(app, a.t("demo-committee"), &id).await["errors"].is_null());
    vote(app, a.t("demo-resident"), &id, "YES").await;
    vote(app, a.t("demo-building-head"), &id, "YES").await;
    step_ok(app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    id
}

async fn endorsement_comes_before_approval_where_required(app: TestApp) {
    let a = Actors::login(&app).await;
    let (party, office, committee) = (a.t("demo-party"), a.t("demo-office"), a.t("demo-committee"));
    let peach = app.peach_garden().await;

    // Optional by default: the office approves without it.
    let free = passed(&app, &a, "路灯更换").await;
    step_ok(&app, office, "approveProject", &free, "APPROVED").await;

    // The committee makes it required; leaving it out later keeps it.
    let d = ok(&app, committee, SETTINGS, json!({ "c": peach, "e": true })).await;
    assert_eq!(d["updateCommunitySettings"]["settings"]["endorsementRequired"], true);
    let d = ok(&app, committee, SETTINGS, json!({ "c": peach })).await;
    assert_eq!(d["updateCommunitySettings"]["settings"]["endorsementRequired"], true, "left out: as it was");
    let r = app.gql(Some(party), SETTINGS, json!({ "c": peach, "e": false })).await;
    assert_eq!(code(&r), HIDDEN, "the party organisation does not set the rules: {r}");

    let p = passed(&app, &a, "加装电梯").await;
    let audit = app.audit_count().await;
    let r = step(&app, office, "approveProject", &p).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("status")), "{r}");
    assert_eq!(app.audit_count().await, audit, "nothing changed");
    // Nobody but the party organisation endorses.
    for who in ["demo-committee", "demo-office", "demo-resident", "demo-admin"] {
        let r = app.gql(Some(a.t(who)), ENDORSE, json!({ "p": p })).await;
        assert!(matches!(code(&r), "FORBIDDEN" | HIDDEN), "{who}: {r}");
    }
    assert_eq!(app.audit_count().await, audit, "nothing changed");

    let d = ok(&app, party, ENDORSE, json!({ "p": p, "r": "符合居民意愿" })).await;
    let project = &d["endorseProject"]["project"];
    assert_eq!(project["status"], "VOTING", "the status stays");
    assert_eq!(
        project["endorsement"],
        json!({ "role": "PARTY_ORGANISATION", "note": "符合居民意愿", "organisation": { "name": "桃园社区党委" },
                "actor": { "username": "demo-party" } })
    );
    let last = project["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last,
        json!({ "fromStatus": "VOTING", "toStatus": "VOTING", "endorsement": true, "role": "PARTY_ORGANISATION" })
    );
    assert_eq!(app.audit_count().await, audit + 1, "one audit row");
    let hooks = entity::webhook_event::Entity::find().all(&app.db.read).await.unwrap();
    assert_eq!(hooks.iter().filter(|e| e.event_type == "project.endorsed").count(), 1, "one webhook event");
    let r = app.gql(Some(party), ENDORSE, json!({ "p": p })).await;
    assert_eq!(code(&r), "CONFLICT", "once: {r}");

    step_ok(&app, office, "approveProject", &p, "APPROVED").await;
    let r = app.gql(Some(party), ENDORSE, json!({ "p": p })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "after approval there is nothing to endorse: {r}");

    // Residents see the endorsement on the timeline.
    let r = crate::projects::read(&app, a.t("demo-resident"), &p).await;
    assert!(r["data"]["node"]["timeline"].as_array().unwrap().iter().any(|t| t["role"] == "PARTY_ORGANISATION"));
}

async fn the_party_organisation_convenes_the_council(app: TestApp) {
    let a = Actors::login(&app).await;
    let party = a.t("demo-party");
    let peach = app.peach_garden().await;
    let project = crate::projects::deliberating(&app, &a, "楼道堆物整治").await;
    let r = crate::reports::submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "PARKING", "description": "消防通道被占" }),
    )
    .await;
    let report = r["data"]["submitReport"]["report"]["id"].clone();
    let at = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let schedule = "mutation($i: ScheduleCouncilMeetingInput!) { scheduleCouncilMeeting(input: $i) {
        meeting { id items { topic project { title } report { id } } timeline { kind role } } } }";
    let input = |c: &Value| {
        json!({ "i": { "communityId": c, "title": "党组织召集的议事会", "scheduledAt": at, "place": "党群服务中心",
            "projectIds": [project], "reportIds": [report], "topics": ["垃圾分类"] } })
    };
    let d = ok(&app, party, schedule, input(&json!(peach))).await;
    let m = &d["scheduleCouncilMeeting"]["meeting"];
    assert_eq!(
        m["items"],
        json!([
            { "topic": null, "project": { "title": "楼道堆物整治" }, "report": null },
            { "topic": null, "project": null, "report": { "id": report } },
            { "topic": "垃圾分类", "project": null, "report": null },
        ])
    );
    assert_eq!(m["timeline"], json!([{ "kind": "SCHEDULED", "role": "PARTY_ORGANISATION" }]));
    // The committee and the residents see the same agenda.
    let read = "query($c: ID!) { councilMeetings(communityId: $c) { edges { node { title items { topic } } } } }";
    let d = ok(&app, a.t("demo-resident"), read, json!({ "c": peach })).await;
    assert!(d.to_string().contains("党组织召集的议事会") && d.to_string().contains("垃圾分类"), "{d}");
    // Not another street's community.
    let river = api::graphql::ids::encode("Region", app.region_id("河湾社区").await).0;
    let audit = app.audit_count().await;
    let r = app.gql(Some(party), schedule, input(&json!(river))).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(app.audit_count().await, audit, "nothing changed");
    // The rest of the council's work, as the party organisation.
    crate::projects::council_walk(&app, party, &peach).await;

    // A street's party organisation convenes in every community of its
    // street (柳巷社区 too), and in none of another street's.
    use api::accounts::service::ScopeInput;
    let street = crate::funds::person(
        &app,
        "street-party",
        entity::enums::Role::PartyOrganisation,
        ScopeInput {
            region_id: Some(app.region_id("东湖街道").await),
            organisation_id: Some(crate::funds::org_id(&app, "桃园社区党委").await),
            ..Default::default()
        },
    )
    .await;
    let willow = json!(api::graphql::ids::encode("Region", app.region_id("柳巷社区").await).0);
    let topic = |c: &Value| json!({ "i": { "communityId": c, "title": "街道党工委召集", "scheduledAt": at, "place": "街道会议室", "topics": ["垃圾分类"] } });
    ok(&app, &street, schedule, topic(&willow)).await;
    ok(&app, &street, schedule, topic(&json!(peach))).await;
    assert_eq!(code(&app.gql(Some(&street), schedule, topic(&json!(river))).await), "FORBIDDEN");
    let r = app.gql(Some(party), schedule, topic(&willow)).await;
    assert_eq!(code(&r), "FORBIDDEN", "a community's party organisation, not its neighbour's: {r}");
}

async fn the_party_organisation_publishes_activities_and_surveys(app: TestApp) {
    let a = Actors::login(&app).await;
    let party = a.t("demo-party");
    let activity = crate::volunteering::published(&app, party, 5).await;
    let d = ok(&app, a.t("demo-resident"), crate::volunteering::SIGN_UP, json!({ "a": activity })).await;
    assert_eq!(d["signUpForActivity"]["signup"]["status"], "SIGNED_UP", "{d}");
    let q = "query($a: ID!) { volunteerActivity(id: $a) { organisation { name } signups { name phone } } }";
    let d = ok(&app, party, q, json!({ "a": activity })).await;
    assert_eq!(
        d["volunteerActivity"],
        json!({ "organisation": { "name": "桃园社区党委" }, "signups": [{ "name": "小李", "phone": null }] })
    );
    // The committee does not run the party organisation's activity.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($a: ID!) { startVolunteerActivity(input: {activityId: $a}) { activity { id } } }",
            json!({ "a": activity }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");

    let survey = crate::consultations::open_survey(&app, party, true).await;
    let d =
        ok(&app, a.t("demo-resident"), "query($s: ID!) { survey(id: $s) { status } }", json!({ "s": survey })).await;
    assert_eq!(d["survey"]["status"], "OPEN");
    let close = "mutation($s: ID!) { closeSurvey(input: {surveyId: $s}) { survey { status } } }";
    let r = app.gql(Some(a.t("demo-committee")), close, json!({ "s": survey })).await;
    assert!(matches!(code(&r), "FORBIDDEN" | "NOT_FOUND"), "only the author's side closes: {r}");
    let d = ok(&app, party, close, json!({ "s": survey })).await;
    assert_eq!(d["closeSurvey"]["survey"]["status"], "CLOSED");
}

async fn the_overview_reads_like_the_committee_s_without_phones(app: TestApp) {
    let a = Actors::login(&app).await;
    let party = a.t("demo-party");
    let peach = app.peach_garden().await;
    let project = crate::projects::deliberating(&app, &a, "社区花园").await;
    let r = crate::reports::submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "PARKING", "description": "车位不够", "isPublic": false }),
    )
    .await;
    let report = r["data"]["submitReport"]["report"]["id"].clone();
    let d = ok(
        &app,
        party,
        "query($c: ID!) { projects(first: 50) { edges { node { id } } }
            reports(first: 50) { edges { node { id reporter { displayName } } } }
            services(first: 10) { edges { node { name } } }
            communitySettings(communityId: $c) { quorumPercent } }",
        json!({ "c": peach }),
    )
    .await;
    assert!(d["projects"].to_string().contains(project.as_str().unwrap()), "{d}");
    let reports = d["reports"]["edges"].as_array().unwrap();
    let mine = reports.iter().find(|e| e["node"]["id"] == report).expect("a private report of the community");
    assert_eq!(mine["node"]["reporter"], Value::Null, "not who reported");
    assert!(!d["services"]["edges"].as_array().unwrap().is_empty(), "the community's services");
    // Indicators of its community, not of another street's.
    let q = "query($r: ID!) { indicators(regionId: $r, from: \"2026-01\", to: \"2026-01\") { name } }";
    let d = ok(&app, party, q, json!({ "r": peach })).await;
    assert!(!d["indicators"].as_array().unwrap().is_empty());
    let river = api::graphql::ids::encode("Region", app.region_id("河湾社区").await).0;
    assert_eq!(code(&app.gql(Some(party), q, json!({ "r": river })).await), "FORBIDDEN");
    // Names, never phones or real names.
    let d = ok(&app, party, "{ accounts(first: 100) { edges { node { username realName phone } } } }", json!({})).await;
    let people = d["accounts"]["edges"].as_array().unwrap();
    let resident = people.iter().find(|e| e["node"]["username"] == "demo-resident").expect("the community's people");
    assert_eq!((&resident["node"]["realName"], &resident["node"]["phone"]), (&Value::Null, &Value::Null));
    // Per-person records stay with those who serve: the totals only.
    let r = app.gql(Some(party), "{ deliveryRecords(first: 5) { edges { node { id } } } }", json!({})).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    ok(&app, party, "{ deliveryTotals { records beneficiaries } }", json!({})).await;
}

both!(
    endorsement_comes_before_approval_where_required,
    the_party_organisation_convenes_the_council,
    the_party_organisation_publishes_activities_and_surveys,
    the_overview_reads_like_the_committee_s_without_phones,
);

/// The party organisation's part of the audit walk: the council as it
/// convenes it, an endorsement, and the register (each resident kind
/// registers and erases; demo-resident's second registration is kept).
pub(crate) async fn perform(app: &TestApp, a: &Actors) {
    let party = a.t("demo-party");
    let peach = app.peach_garden().await;
    crate::projects::council_walk(app, party, &peach).await;
    let p = crate::projects::deliberating(app, a, "口袋公园").await;
    ok(app, party, ENDORSE, json!({ "p": p })).await;
    for who in ["demo-resident", "demo-building-head"] {
        let id = register::register(app, a.t(who), None).await;
        ok(app, a.t(who), register::ERASE, json!({ "r": id })).await;
    }
    register::register(app, a.t("demo-resident"), Some("市委机关第三党支部")).await;
}
