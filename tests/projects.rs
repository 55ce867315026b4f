//! Shared projects and deliberation through `/graphql`.

use std::collections::HashMap;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::both;
use crate::common::{TestApp, code};

const USERS: [&str; 8] = [
    "demo-resident",
    "demo-building-head",
    "demo-committee",
    "demo-office",
    "demo-ngo",
    "demo-property",
    "demo-admin",
    "demo-resident-river",
];

/// Every demo user's access token.
pub(crate) struct Actors(HashMap<&'static str, String>);

impl Actors {
    pub(crate) async fn login(app: &TestApp) -> Self {
        let mut m = HashMap::new();
        for u in USERS {
            m.insert(u, app.token(u).await);
        }
        Self(m)
    }
    pub(crate) fn t(&self, user: &str) -> &str {
        &self.0[user]
    }
}

const PROJECT: &str = "id title status outcome
    tally { yes no abstain turnout eligible final }
    viewerCanVote viewerVote viewerCanEvaluate viewerEvaluation { rating }
    evaluationSummary { count average }
    timeline { fromStatus toStatus role reason actor { username } }
    participants { role organisation { name } }";

pub(crate) async fn organisation_id(app: &TestApp, token: &str, name: &str) -> Value {
    let r = app.gql(Some(token), "{ organisations(first: 100) { edges { node { id name } } } }", json!({})).await;
    r["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .unwrap_or_else(|| panic!("no organisation {name}: {r}"))["node"]["id"]
        .clone()
}

pub(crate) async fn create_draft(app: &TestApp, token: &str, title: &str) -> Value {
    let r = app
        .gql(
            Some(token),
            "mutation($t: String!) { createProject(input: {title: $t, description: \"为老人装扶手\", category: ELDERLY_CARE,
                budgetFen: 1250000, locationText: \"1号楼门口\"}) { project { id status community { name } } } }",
            json!({ "t": title }),
        )
        .await;
    assert_eq!(r["data"]["createProject"]["project"]["status"], "DRAFT", "{r}");
    assert_eq!(r["data"]["createProject"]["project"]["community"]["name"], "桃园社区");
    r["data"]["createProject"]["project"]["id"].clone()
}

/// Run a `{ projectId, reason }` transition mutation.
pub(crate) async fn step(app: &TestApp, token: &str, mutation: &str, id: &Value) -> Value {
    let q = format!("mutation($id: ID!) {{ {mutation}(input: {{projectId: $id}}) {{ project {{ {PROJECT} }} }} }}");
    app.gql(Some(token), &q, json!({ "id": id })).await
}

pub(crate) async fn step_ok(app: &TestApp, token: &str, mutation: &str, id: &Value, expect_status: &str) -> Value {
    let r = step(app, token, mutation, id).await;
    assert_eq!(r["data"][mutation]["project"]["status"], expect_status, "{mutation}: {r}");
    r["data"][mutation]["project"].clone()
}

pub(crate) async fn open_voting(app: &TestApp, token: &str, id: &Value) -> Value {
    let closes = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    app.gql(
        Some(token),
        "mutation($id: ID!, $c: DateTime!) { openVoting(input: {projectId: $id, closesAt: $c}) { project { status voting { isOpen closesAt } } } }",
        json!({ "id": id, "c": closes }),
    )
    .await
}

pub(crate) async fn vote(app: &TestApp, token: &str, id: &Value, choice: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote viewerCanVote } } }",
        json!({ "id": id, "c": choice }),
    )
    .await
}

pub(crate) async fn read(app: &TestApp, token: &str, id: &Value) -> Value {
    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on Project {{ {PROJECT} }} }} }}");
    app.gql(Some(token), &q, json!({ "id": id })).await
}

/// A project brought to DELIBERATING by the demo resident and committee.
pub(crate) async fn deliberating(app: &TestApp, a: &Actors, title: &str) -> Value {
    let id = create_draft(app, a.t("demo-resident"), title).await;
    step_ok(app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;
    id
}

async fn whole_lifecycle_with_the_demo_roles(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = create_draft(&app, a.t("demo-resident"), "加装楼道扶手").await;
    step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(&app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;

    // The committee puts it on a council meeting and records the meeting.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!, $c: ID!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"十一月议事会\",
                scheduledAt: \"2026-12-01T10:00:00Z\", place: \"社区活动室\", projectIds: [$id]}) { meeting { id agenda { title } } } }",
            json!({ "id": id, "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["data"]["scheduleCouncilMeeting"]["meeting"]["agenda"][0]["title"], "加装楼道扶手", "{r}");
    let meeting = r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone();
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($m: ID!) { recordCouncilMeeting(input: {meetingId: $m, attendance: 23, minutes: \"多数赞成\"}) { meeting { attendance } } }",
            json!({ "m": meeting }),
        )
        .await;
    assert_eq!(r["data"]["recordCouncilMeeting"]["meeting"]["attendance"], 23, "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "query($c: ID!) { councilMeetings(communityId: $c) { edges { node { title minutes agenda { title } } } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["data"]["councilMeetings"]["edges"][0]["node"]["minutes"], "多数赞成", "{r}");

    // Comments: everyone who can read may comment; authors edit; the committee removes.
    let add =
        "mutation($id: ID!, $b: String!) { addComment(input: {projectId: $id, body: $b}) { comment { id body } } }";
    let r = app.gql(Some(a.t("demo-resident")), add, json!({ "id": id, "b": "支持" })).await;
    let mine = r["data"]["addComment"]["comment"]["id"].clone();
    let r = app.gql(Some(a.t("demo-building-head")), add, json!({ "id": id, "b": "广告内容" })).await;
    let spam = r["data"]["addComment"]["comment"]["id"].clone();
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($c: ID!) { editComment(input: {commentId: $c, body: \"非常支持\"}) { comment { body editedAt } } }",
            json!({ "c": mine }),
        )
        .await;
    assert_eq!(r["data"]["editComment"]["comment"]["body"], "非常支持", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($c: ID!) { editComment(input: {commentId: $c, body: \"改你的\"}) { comment { body } } }",
            json!({ "c": spam }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let remove = "mutation($c: ID!) { removeComment(input: {commentId: $c, reason: \"广告\"}) { comment { body removedReason } } }";
    let r = app.gql(Some(a.t("demo-resident")), remove, json!({ "c": spam })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(a.t("demo-committee")), remove, json!({ "c": spam })).await;
    assert_eq!(r["data"]["removeComment"]["comment"]["removedReason"], "广告", "{r}");
    assert!(r["data"]["removeComment"]["comment"]["body"].is_null());

    // Voting.
    let r = open_voting(&app, a.t("demo-committee"), &id).await;
    assert_eq!(r["data"]["openVoting"]["project"]["status"], "VOTING", "{r}");
    let r = vote(&app, a.t("demo-resident"), &id, "YES").await;
    assert_eq!(r["data"]["castVote"]["project"]["viewerVote"], "YES", "{r}");
    assert_eq!(r["data"]["castVote"]["project"]["viewerCanVote"], true);
    vote(&app, a.t("demo-building-head"), &id, "NO").await;
    // Ballots may change until the window closes.
    vote(&app, a.t("demo-building-head"), &id, "YES").await;
    let seen = read(&app, a.t("demo-committee"), &id).await;
    assert!(seen["data"]["node"]["tally"].is_null(), "no live tally by default: {seen}");
    assert!(seen["data"]["node"]["viewerVote"].is_null(), "the committee did not vote");
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["tally"], json!({ "yes": 2, "no": 0, "abstain": 0, "turnout": 2, "eligible": 2, "final": true }));
    assert_eq!(closed["outcome"], "PASSED");
    let r = vote(&app, a.t("demo-resident"), &id, "NO").await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "closed: {r}");
    // The committee's audit feed has no row per ballot (a row's time and
    // place next to the voter's other actions would tie them to a count
    // change), only the frozen counts at close.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "{ auditLog(last: 100) { edges { node { action actor { username } } } } }",
            json!({}),
        )
        .await;
    let ballots: Vec<&Value> = r["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "project.vote")
        .collect();
    assert!(ballots.is_empty(), "{r}");
    let closes = r["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "project.close_voting")
        .count();
    assert_eq!(closes, 1, "{r}");

    // The office brings in organisations and approves.
    let ngo = organisation_id(&app, a.t("demo-office"), "阳光社工服务中心").await;
    let property = organisation_id(&app, a.t("demo-office"), "安居物业").await;
    let add = "mutation($id: ID!, $o: ID!, $r: ParticipationRole!) {
        addProjectParticipant(input: {projectId: $id, organisationId: $o, role: $r}) { project { participants { role } } } }";
    let r = app.gql(Some(a.t("demo-office")), add, json!({ "id": id, "o": ngo, "r": "LEAD" })).await;
    assert!(r["errors"].is_null(), "{r}");
    app.gql(Some(a.t("demo-office")), add, json!({ "id": id, "o": property, "r": "IMPLEMENTER" })).await;
    step_ok(&app, a.t("demo-office"), "approveProject", &id, "APPROVED").await;

    // The lead starts it, assigns a task; the implementer reports and completes it.
    step_ok(&app, a.t("demo-ngo"), "startProject", &id, "IN_PROGRESS").await;
    let r = app
        .gql(
            Some(a.t("demo-ngo")),
            "mutation($id: ID!, $o: ID!) { createProjectTask(input: {projectId: $id, title: \"采购扶手\", assigneeOrganisationId: $o, dueDate: \"2026-12-20\"}) { task { id status } } }",
            json!({ "id": id, "o": property }),
        )
        .await;
    let task = r["data"]["createProjectTask"]["task"]["id"].clone();
    assert_eq!(r["data"]["createProjectTask"]["task"]["status"], "OPEN", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "mutation($id: ID!) { postProjectUpdate(input: {projectId: $id, body: \"已安装一半\", percentComplete: 50}) { update { percentComplete organisation { name } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["postProjectUpdate"]["update"]["organisation"]["name"], "安居物业", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "mutation($t: ID!) { completeProjectTask(input: {taskId: $t}) { task { status } } }",
            json!({ "t": task }),
        )
        .await;
    assert_eq!(r["data"]["completeProjectTask"]["task"]["status"], "DONE", "{r}");
    step_ok(&app, a.t("demo-ngo"), "completeProject", &id, "COMPLETED").await;

    // Residents evaluate; one evaluation each, editable.
    let eval = "mutation($id: ID!, $r: Int!) { evaluateProject(input: {projectId: $id, rating: $r, comment: \"好\"}) { evaluation { rating } } }";
    app.gql(Some(a.t("demo-resident")), eval, json!({ "id": id, "r": 5 })).await;
    app.gql(Some(a.t("demo-building-head")), eval, json!({ "id": id, "r": 4 })).await;
    let r = app.gql(Some(a.t("demo-resident")), eval, json!({ "id": id, "r": 3 })).await;
    assert_eq!(r["data"]["evaluateProject"]["evaluation"]["rating"], 3, "{r}");
    let r = app.gql(Some(a.t("demo-resident")), eval, json!({ "id": id, "r": 6 })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "rating", "{r}");
    let seen = read(&app, a.t("demo-resident"), &id).await;
    assert_eq!(seen["data"]["node"]["evaluationSummary"], json!({ "count": 2, "average": 3.5 }), "{seen}");
    assert_eq!(seen["data"]["node"]["viewerEvaluation"]["rating"], 3);
    let done = step_ok(&app, a.t("demo-committee"), "closeEvaluation", &id, "EVALUATED").await;
    let r = app.gql(Some(a.t("demo-building-head")), eval, json!({ "id": id, "r": 1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "evaluation closed: {r}");

    let path: Vec<&str> =
        done["timeline"].as_array().unwrap().iter().map(|t| t["toStatus"].as_str().unwrap()).collect();
    assert_eq!(
        path,
        ["DRAFT", "PROPOSED", "DELIBERATING", "VOTING", "APPROVED", "IN_PROGRESS", "COMPLETED", "EVALUATED"]
    );
    assert_eq!(done["timeline"][4]["role"], "GOVERNMENT_OFFICE");
    assert_eq!(done["timeline"][4]["actor"]["username"], "demo-office");

    // The project list, filtered.
    let r = app
        .gql(
            Some(a.t("demo-property")),
            "query($o: ID!) { projects(filter: {participatingOrganisationId: $o, status: [EVALUATED], titleContains: \"扶手\"}) { totalCount edges { node { title latestUpdates { body } } } } }",
            json!({ "o": property }),
        )
        .await;
    assert_eq!(r["data"]["projects"]["totalCount"], 1, "{r}");
    assert_eq!(r["data"]["projects"]["edges"][0]["node"]["latestUpdates"][0]["body"], "已安装一半");
}

/// Each other demo user tries `mutation`; all are refused (FORBIDDEN, or
/// NOT_FOUND where they cannot see the project) and nothing changes. Then
/// `allowed` succeeds, and a second try is refused for the state.
async fn only(app: &TestApp, a: &Actors, allowed: &str, mutation: &str, id: &Value, next: &str) {
    let before_status = read(app, a.t("demo-admin"), id).await["data"]["node"]["status"].clone();
    let before_audit = app.audit_count().await;
    for user in USERS.iter().filter(|u| **u != allowed) {
        let r = step(app, a.t(user), mutation, id).await;
        let c = code(&r);
        assert!(c == "FORBIDDEN" || c == "NOT_FOUND", "{user} {mutation}: {r}");
        if *user == "demo-resident-river" {
            assert_eq!(c, "NOT_FOUND", "another community's resident does not even see it");
        }
    }
    assert_eq!(read(app, a.t("demo-admin"), id).await["data"]["node"]["status"], before_status);
    assert_eq!(app.audit_count().await, before_audit, "refusals leave no audit rows");
    step_ok(app, a.t(allowed), mutation, id, next).await;
    let r = step(app, a.t(allowed), mutation, id).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{mutation} twice: {r}");
}

async fn each_transition_only_for_its_role_and_state(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = create_draft(&app, a.t("demo-resident"), "垃圾分类亭").await;
    // A draft is the proposer's alone.
    let r = read(&app, a.t("demo-committee"), &id).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    only(&app, &a, "demo-resident", "submitProject", &id, "PROPOSED").await;
    only(&app, &a, "demo-committee", "startDeliberation", &id, "DELIBERATING").await;
    let r = open_voting(&app, a.t("demo-office"), &id).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(
        open_voting(&app, a.t("demo-committee"), &id).await["data"]["openVoting"]["project"]["status"],
        "VOTING"
    );
    // Voting: residents of the community only.
    for user in ["demo-committee", "demo-office", "demo-ngo", "demo-admin"] {
        assert_eq!(code(&vote(&app, a.t(user), &id, "YES").await), "FORBIDDEN", "{user}");
    }
    assert_eq!(code(&vote(&app, a.t("demo-resident-river"), &id, "YES").await), "NOT_FOUND");
    vote(&app, a.t("demo-resident"), &id, "YES").await;
    // The office cannot decide while the vote is open.
    let r = step(&app, a.t("demo-office"), "approveProject", &id).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    only(&app, &a, "demo-committee", "closeVoting", &id, "VOTING").await;
    only(&app, &a, "demo-office", "approveProject", &id, "APPROVED").await;
    let ngo = organisation_id(&app, a.t("demo-office"), "阳光社工服务中心").await;
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($id: ID!, $o: ID!) { addProjectParticipant(input: {projectId: $id, organisationId: $o, role: LEAD}) { project { id } } }",
            json!({ "id": id, "o": ngo }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    // Starting: the lead organisation (or the office); not residents, the
    // committee or a non-lead organisation.
    for user in ["demo-resident", "demo-committee", "demo-property", "demo-admin"] {
        let r = step(&app, a.t(user), "startProject", &id).await;
        assert_eq!(code(&r), "FORBIDDEN", "{user}: {r}");
    }
    step_ok(&app, a.t("demo-ngo"), "startProject", &id, "IN_PROGRESS").await;
    only(&app, &a, "demo-ngo", "completeProject", &id, "COMPLETED").await;
    only(&app, &a, "demo-committee", "closeEvaluation", &id, "EVALUATED").await;
}

async fn cancelling_and_rejecting(app: TestApp) {
    let a = Actors::login(&app).await;
    // The proposer may withdraw a proposal; the committee may not cancel.
    let id = create_draft(&app, a.t("demo-resident"), "撤回的提案").await;
    step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    assert_eq!(code(&step(&app, a.t("demo-committee"), "cancelProject", &id).await), "FORBIDDEN");
    step_ok(&app, a.t("demo-resident"), "cancelProject", &id, "CANCELLED").await;
    assert_eq!(code(&step(&app, a.t("demo-office"), "cancelProject", &id).await), "BAD_USER_INPUT");

    // Once in deliberation only the office cancels, with a recorded reason.
    let id = deliberating(&app, &a, "被取消的项目").await;
    assert_eq!(code(&step(&app, a.t("demo-resident"), "cancelProject", &id).await), "FORBIDDEN");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($id: ID!) { cancelProject(input: {projectId: $id, reason: \"预算不足\"}) { project { status timeline { reason } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["cancelProject"]["project"]["status"], "CANCELLED", "{r}");
    assert_eq!(r["data"]["cancelProject"]["project"]["timeline"][3]["reason"], "预算不足");

    // A failed vote cannot be overruled by an approval; it can be rejected.
    let id = deliberating(&app, &a, "没人投票的项目").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "FAILED_QUORUM", "no votes at all: {closed}");
    assert_eq!(closed["tally"]["turnout"], 0);
    let r = step(&app, a.t("demo-office"), "approveProject", &id).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("overrule"), "{r}");
    step_ok(&app, a.t("demo-office"), "rejectProject", &id, "REJECTED").await;
}

async fn proposer_edits_until_deliberation(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = create_draft(&app, a.t("demo-resident"), "初稿").await;
    let edit = "mutation($id: ID!, $t: String!, $b: Money!) { editProject(input: {projectId: $id, title: $t,
        category: SAFETY, budgetFen: $b, plannedStart: \"2027-01-10\", plannedEnd: \"2027-02-01\"}) { project { title category budgetFen plannedEnd } } }";
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "修改稿", "b": 88_000 })).await;
    assert_eq!(
        r["data"]["editProject"]["project"],
        json!({ "title": "修改稿", "category": "SAFETY", "budgetFen": "88000", "plannedEnd": "2027-02-01" }),
        "{r}"
    );
    // Bad input names its field and changes nothing.
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "x", "b": -1 })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "budgetFen", "{r}");
    step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    // Others may not edit; the proposer still may while PROPOSED.
    let r = app.gql(Some(a.t("demo-building-head")), edit, json!({ "id": id, "t": "别人改", "b": 1 })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "再改", "b": 90_000 })).await;
    assert_eq!(r["data"]["editProject"]["project"]["title"], "再改", "{r}");
    // Once in deliberation the proposal is fixed.
    step_ok(&app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "太晚了", "b": 1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let seen = app
        .gql(
            Some(a.t("demo-committee")),
            "query($id: ID!) { node(id: $id) { ... on Project { title budgetFen } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["data"]["node"], json!({ "title": "再改", "budgetFen": "90000" }), "{seen}");
}

async fn set_rules(app: &TestApp, a: &Actors, quorum: i32, threshold: i32, live: bool) {
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($q: Int!, $t: Int!, $l: Boolean!, $c: ID!) { updateCommunitySettings(input: {communityId: $c,
                quorumPercent: $q, thresholdPercent: $t, liveTally: $l}) { settings { quorumPercent thresholdPercent liveTally } } }",
            json!({ "q": quorum, "t": threshold, "l": live, "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["data"]["updateCommunitySettings"]["settings"]["quorumPercent"], quorum, "{r}");
}

async fn quorum_and_threshold_edges(app: TestApp) {
    let a = Actors::login(&app).await;
    // Peach Garden has 2 registered residents (demo-resident, demo-building-head).
    // Quorum exactly reached (1 of 2 = 50 %), and a tie: exactly at the 50 %
    // threshold is not *more than* it, so the vote fails.
    set_rules(&app, &a, 50, 50, true).await;
    let id = deliberating(&app, &a, "平票项目").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "YES").await;
    // Live tallies are visible while open when the community wants them.
    let live = read(&app, a.t("demo-ngo"), &id).await;
    assert_eq!(live["data"]["node"]["tally"]["yes"], 1, "{live}");
    assert_eq!(live["data"]["node"]["tally"]["final"], false);
    vote(&app, a.t("demo-building-head"), &id, "NO").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "FAILED_THRESHOLD", "{closed}");

    // Quorum exactly at 50 % with one YES: passes.
    let id = deliberating(&app, &a, "刚好达到法定人数").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-building-head"), &id, "YES").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "PASSED", "{closed}");

    // Quorum just missed: 1 of 2 voted with a 51 % quorum.
    set_rules(&app, &a, 51, 50, false).await;
    let id = deliberating(&app, &a, "法定人数不足").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "YES").await;
    assert!(read(&app, a.t("demo-ngo"), &id).await["data"]["node"]["tally"].is_null(), "no live tally now");
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "FAILED_QUORUM", "{closed}");

    // Abstentions count for the quorum but not for the threshold.
    set_rules(&app, &a, 100, 50, false).await;
    let id = deliberating(&app, &a, "弃权项目").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "ABSTAIN").await;
    vote(&app, a.t("demo-building-head"), &id, "YES").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "PASSED", "{closed}");

    // Bad rules are refused; only the committee sets them.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($c: ID!) { updateCommunitySettings(input: {communityId: $c, quorumPercent: 101, thresholdPercent: 50, liveTally: false}) { settings { quorumPercent } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "quorumPercent", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($c: ID!) { updateCommunitySettings(input: {communityId: $c, quorumPercent: 0, thresholdPercent: 0, liveTally: true}) { settings { quorumPercent } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
}

async fn fifty_concurrent_votes_count_once(app: TestApp) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "并发投票").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let token = a.t("demo-resident").to_owned();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (client, base, token, id) = (app.client.clone(), app.base.clone(), token.clone(), id.clone());
        let choice = if i % 2 == 0 { "YES" } else { "NO" };
        tasks.push(tokio::spawn(async move {
            let body = json!({
                "query": "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote } } }",
                "variables": { "id": id, "c": choice },
            });
            let r: Value = client.post(format!("{base}/graphql")).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap();
            assert!(r["errors"].is_null(), "{r}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ballots = entity::vote::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(ballots, 1, "one ballot per resident, however many requests");
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["tally"]["turnout"], 1, "{closed}");
}

async fn other_communities_cannot_read_comment_or_vote(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "外人看不见").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let river = a.t("demo-resident-river");
    assert_eq!(code(&read(&app, river, &id).await), "NOT_FOUND");
    let r = app
        .gql(
            Some(river),
            "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"hi\"}) { comment { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert_eq!(code(&vote(&app, river, &id, "YES").await), "NOT_FOUND");
    let r = app.gql(Some(river), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["projects"]["totalCount"], 0, "{r}");
    // A district system reads no projects at all.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-district"),
        ("client_secret", "demo-district-secret"),
    ];
    let t: Value =
        app.client.post(format!("{}/oauth/token", app.base)).form(&form).send().await.unwrap().json().await.unwrap();
    let r = app.gql(t["access_token"].as_str(), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["projects"]["totalCount"], 0, "{r}");
    // The office of another street would not see it either; the office of
    // this street does.
    let r = app.gql(Some(a.t("demo-office")), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["projects"]["totalCount"], 1, "{r}");
}

/// Subscribe over WebSocket (graphql-transport-ws) to a project's events.
pub(crate) async fn subscribe(
    app: &TestApp,
    token: &str,
    project: &Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await.unwrap();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let sub = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: ID!) { projectEvents(projectId: $id) { projectId kind status } }",
        "variables": { "id": project } } });
    ws.send(Message::Text(sub.to_string().into())).await.unwrap();
    ws
}

pub(crate) async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("no WebSocket message within 10 s")
            .expect("stream ended")
            .expect("WebSocket error");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

async fn subscription_sees_events_from_another_process(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "实时项目").await;
    // A second server process on the same database: on PostgreSQL events
    // travel through LISTEN/NOTIFY; on SQLite (one process by design) the
    // subscriber and the mutation share the process.
    let peer = if app.db.is_postgres() { Some(app.spawn_peer().await) } else { None };
    let listen_on = peer.as_ref().unwrap_or(&app);
    let mut ws = subscribe(listen_on, a.t("demo-resident"), &id).await;
    // Give the subscription a moment to register before the mutation.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let r = open_voting(&app, a.t("demo-committee"), &id).await;
    assert!(r["errors"].is_null(), "{r}");
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["kind"], "TRANSITION", "{msg}");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["status"], "VOTING");
    assert_eq!(msg["payload"]["data"]["projectEvents"]["projectId"], id);
    let add = "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"实时\"}) { comment { id } } }";
    app.gql(Some(a.t("demo-building-head")), add, json!({ "id": id })).await;
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["payload"]["data"]["projectEvents"]["kind"], "COMMENT", "{msg}");

    // A bad token in connection_init closes the connection.
    let url = format!("{}/graphql", listen_on.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut bad, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } });
    bad.send(Message::Text(init.to_string().into())).await.unwrap();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), bad.next()).await.expect("answer");
    assert!(
        matches!(closed, Some(Ok(Message::Close(_))) | None | Some(Err(_))),
        "expected the connection to close, got {closed:?}"
    );

    // Authorised like the query: another community's resident gets an error.
    let mut ws = subscribe(listen_on, a.t("demo-resident-river"), &id).await;
    let msg = next_json(&mut ws).await;
    assert!(msg["payload"]["data"].is_null(), "{msg}");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{msg}");
}

async fn nested_project_query_costs_fixed_statements(app: TestApp) {
    use chrono::Utc;
    use entity::enums::{ParticipationRole, ProjectCategory, ProjectStatus, TaskStatus};
    use entity::{project, project_participant, project_task, project_update};
    use sea_orm::{ActiveModelTrait, NotSet, Set};
    let a = Actors::login(&app).await;
    set_rules(&app, &a, 20, 50, true).await;
    let committee = a.t("demo-committee").to_owned();
    let ngo = organisation_id(&app, &committee, "阳光社工服务中心").await;
    let property = organisation_id(&app, &committee, "安居物业").await;
    let decode = |id: &Value| api::graphql::ids::decode(&async_graphql_id(id)).unwrap().1;
    let (ngo, property) = (decode(&ngo), decode(&property));
    let community = app.region_id("桃园社区").await;
    let proposer = app.account_id("demo-resident").await;
    let author = app.account_id("demo-property").await;
    let vars = json!({ "c": app.peach_garden().await });

    // Insert `n` more VOTING projects with participants, tasks and updates.
    let add_projects = |n: usize| {
        let db = app.db.write.clone();
        async move {
            for i in 0..n {
                let now = Utc::now();
                let p = project::ActiveModel {
                    id: NotSet,
                    community_id: Set(community),
                    title: Set(format!("批量项目 {i}")),
                    description: Set(String::new()),
                    category: Set(ProjectCategory::Facilities),
                    status: Set(ProjectStatus::Voting),
                    proposer_account_id: Set(proposer),
                    budget_fen: Set(100),
                    planned_start: Set(None),
                    planned_end: Set(None),
                    building_id: Set(None),
                    location_text: Set(None),
                    voting_opened_at: Set(Some(now)),
                    voting_closes_at: Set(Some(now + chrono::Duration::hours(1))),
                    voting_closed_at: Set(None),
                    voting_live_tally: Set(Some(true)),
                    tally_yes: Set(None),
                    tally_no: Set(None),
                    tally_abstain: Set(None),
                    tally_eligible: Set(None),
                    outcome: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&db)
                .await
                .unwrap();
                for (org, role) in [(ngo, ParticipationRole::Lead), (property, ParticipationRole::Implementer)] {
                    project_participant::ActiveModel {
                        id: NotSet,
                        project_id: Set(p.id),
                        organisation_id: Set(org),
                        role: Set(role),
                        created_at: Set(now),
                    }
                    .insert(&db)
                    .await
                    .unwrap();
                }
                for t in 0..2 {
                    project_task::ActiveModel {
                        id: NotSet,
                        project_id: Set(p.id),
                        title: Set(format!("任务 {t}")),
                        assignee_organisation_id: Set(property),
                        due_date: Set(None),
                        status: Set(TaskStatus::Open),
                        created_at: Set(now),
                        completed_at: Set(None),
                    }
                    .insert(&db)
                    .await
                    .unwrap();
                }
                for u in 0..5 {
                    project_update::ActiveModel {
                        id: NotSet,
                        project_id: Set(p.id),
                        organisation_id: Set(property),
                        author_account_id: Set(author),
                        body: Set(format!("进展 {u}")),
                        percent_complete: Set(u * 20),
                        created_at: Set(now),
                    }
                    .insert(&db)
                    .await
                    .unwrap();
                }
            }
        }
    };
    let query = "query($c: ID!) { projects(first: 50, filter: {communityId: $c}) { edges { node {
        title status community { name } proposer { displayName }
        participants { role organisation { name } }
        tasks(first: 10) { edges { node { title assignee { name } } } }
        tally { yes no abstain } viewerVote
        latestUpdates(count: 3) { body organisation { name } } } } } }";
    let measure = || async {
        let before = app.db.statement_count();
        let r = app.gql(Some(&committee), query, vars.clone()).await;
        assert!(r["errors"].is_null(), "{r}");
        (app.db.statement_count() - before, r["data"]["projects"]["edges"].as_array().unwrap().len())
    };
    add_projects(5).await;
    let (few, n_few) = measure().await;
    add_projects(45).await;
    let (many, n_many) = measure().await;
    assert_eq!((n_few, n_many), (5, 50));
    let r = app.gql(Some(&committee), query, vars.clone()).await;
    let first = &r["data"]["projects"]["edges"][0]["node"];
    assert_eq!(first["latestUpdates"].as_array().unwrap().len(), 3, "{first}");
    assert_eq!(first["latestUpdates"][0]["body"], "进展 4", "newest first");
    assert_eq!(first["participants"].as_array().unwrap().len(), 2);
    assert_eq!(first["tally"]["yes"], 0);
    println!("statements for 5 projects: {few}, for 50 projects: {many}");
    // The query follows 11 relations (projects, community, proposer,
    // participants, their organisations, tasks, assignees, tally, viewer's
    // vote, latest updates, their organisations); the three organisation
    // lookups share one loader, so a filled batch per level costs 9 or 10
    // statements, measured. The bound is that plus a margin of 1; without
    // loaders, 50 projects would cost 50+ statements per relation. (The
    // test server waits 50 ms per batch, so a loaded CI machine cannot
    // split batches: the count depends on the query's shape only.)
    const BOUND: u64 = 11;
    assert!(few <= BOUND && many <= BOUND, "5 projects: {few}, 50 projects: {many} statements");
}

fn async_graphql_id(v: &Value) -> async_graphql::ID {
    async_graphql::ID(v.as_str().unwrap().to_owned())
}

#[test]
fn vote_outcome_rule() {
    use api::projects::voting::{Tally, outcome};
    use entity::enums::VoteOutcome::*;
    let t = |yes, no, abstain| Tally { yes, no, abstain };
    // No votes: quorum fails; with a 0 % quorum, the threshold fails.
    assert_eq!(outcome(t(0, 0, 0), 10, 20, 50), FailedQuorum);
    assert_eq!(outcome(t(0, 0, 0), 10, 0, 50), FailedThreshold);
    // Quorum "at least": 2 of 10 at 20 % is enough, 1 of 10 is not.
    assert_eq!(outcome(t(2, 0, 0), 10, 20, 50), Passed);
    assert_eq!(outcome(t(1, 0, 0), 10, 20, 50), FailedQuorum);
    // Threshold "more than": a tie at 50 % fails; 2 of 3 passes at 66, fails at 67.
    assert_eq!(outcome(t(3, 3, 0), 10, 20, 50), FailedThreshold);
    assert_eq!(outcome(t(2, 1, 0), 10, 20, 66), Passed);
    assert_eq!(outcome(t(2, 1, 0), 10, 20, 67), FailedThreshold);
    // Abstentions count for turnout only.
    assert_eq!(outcome(t(1, 0, 9), 10, 100, 50), Passed);
    assert_eq!(outcome(t(0, 0, 10), 10, 100, 0), FailedThreshold);
}

/// The ballot is secret: in the whole schema, the only way to see a ballot
/// choice is `Project.viewerVote` (the viewer's own), and nothing about a
/// ballot leads to a person.
#[test]
fn no_schema_path_from_a_vote_to_a_person() {
    let sdl = api::graphql::sdl();
    let mut current = String::new();
    let mut fields_with_choice = Vec::new();
    for line in sdl.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("type ").or_else(|| l.strip_prefix("interface ")) {
            current = rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
        if l.contains("VoteChoice") && !l.starts_with("enum") && !l.starts_with("input") {
            fields_with_choice.push(format!("{current}.{l}"));
        }
    }
    // Input types (castVote's choice) are writes; on output, only viewerVote.
    let outputs: Vec<&String> = fields_with_choice
        .iter()
        .filter(|f| !f.starts_with("CastVoteInput") && !f.contains("choice: VoteChoice!"))
        .collect();
    assert_eq!(outputs, [&"Project.viewerVote: VoteChoice".to_owned()], "{fields_with_choice:?}");
    // No output type represents a ballot (which could then link to a voter).
    for banned in ["type Vote ", "type Ballot", "type VoteConnection", "voter"] {
        assert!(!sdl.contains(banned), "schema exposes {banned}");
    }
}

both!(
    subscription_sees_events_from_another_process,
    whole_lifecycle_with_the_demo_roles,
    each_transition_only_for_its_role_and_state,
    cancelling_and_rejecting,
    proposer_edits_until_deliberation,
    quorum_and_threshold_edges,
    fifty_concurrent_votes_count_once,
    other_communities_cannot_read_comment_or_vote,
);

/// With a batch window that a loaded test machine cannot outrun.
mod nested_project_query_costs_fixed_statements {
    fn patient(c: &mut api::Config) {
        c.loader_window_us = 50_000;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, patient).await;
        super::nested_project_query_costs_fixed_statements(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, patient).await;
        super::nested_project_query_costs_fixed_statements(app).await;
    }
}
