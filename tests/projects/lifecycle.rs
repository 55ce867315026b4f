//! The project lifecycle: every move, by whom, from which state.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn whole_lifecycle_with_the_demo_roles(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = create_draft(&app, a.t("demo-resident"), "加装楼道扶手").await;
    step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
    step_ok(&app, a.t("demo-committee"), "startDeliberation", &id, "DELIBERATING").await;

    // The committee puts it on a council meeting and records the meeting.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($id: ID!, $c: ID!, $at: DateTime!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"十一月议事会\",
                scheduledAt: $at, place: \"社区活动室\", projectIds: [$id]}) { meeting { id agenda { title } } } }",
            json!({ "id": id, "c": app.peach_garden().await, "at": (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339() }),
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
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
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
        assert!(c == "FORBIDDEN" || c == "NOT_FOUND" || c == crate::common::HIDDEN, "{user} {mutation}: {r}");
        if *user == "demo-resident-river" {
            // Not shown the mutation (issue 24), or not shown the project.
            assert!(
                c == "NOT_FOUND" || c == crate::common::HIDDEN,
                "another community's resident does not even see it"
            );
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
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    assert_eq!(
        open_voting(&app, a.t("demo-committee"), &id).await["data"]["openVoting"]["project"]["status"],
        "VOTING"
    );
    // Voting: residents of the community only.
    for user in ["demo-committee", "demo-office", "demo-ngo", "demo-admin"] {
        // Only the admin is shown `castVote` among them (issue 24).
        let want = if user == "demo-admin" { "FORBIDDEN" } else { crate::common::HIDDEN };
        assert_eq!(code(&vote(&app, a.t(user), &id, "YES").await), want, "{user}");
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
        // Residents and the committee are not shown `startProject` (issue 24).
        let want = if matches!(user, "demo-resident" | "demo-committee") { crate::common::HIDDEN } else { "FORBIDDEN" };
        assert_eq!(code(&r), want, "{user}: {r}");
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
    // Bad input names its field and changes nothing; a negative amount is
    // not Money at all.
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "x", "b": "" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = app.gql(Some(a.t("demo-resident")), edit, json!({ "id": id, "t": "x", "b": -1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let backwards = "mutation($id: ID!) { editProject(input: {projectId: $id, title: \"x\", category: SAFETY,
        budgetFen: \"1\", plannedStart: \"2027-02-10\", plannedEnd: \"2027-02-01\"}) { project { title } } }";
    let r = app.gql(Some(a.t("demo-resident")), backwards, json!({ "id": id })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "plannedEnd", "{r}");
    let r = app
        .gql(Some(a.t("demo-resident")), "query($id: ID!) { project(id: $id) { title } }", json!({ "id": id }))
        .await;
    assert_eq!(r["data"]["project"]["title"], "修改稿", "nothing changed: {r}");
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

both!(
    whole_lifecycle_with_the_demo_roles,
    each_transition_only_for_its_role_and_state,
    cancelling_and_rejecting,
    proposer_edits_until_deliberation,
);
