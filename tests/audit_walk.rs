//! The audit feed is exactly as private as what it records (issue 31).
//!
//! One walk does the audited actions of every domain (the frozen verb
//! list: a check at the end says which were done), then reads the audit
//! log, each entry by `node(id)`, and the change feed as every demo
//! account and both API clients, and holds each entry it sees against the
//! object it records, through that object's own `node`.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestApp, code};
use crate::projects::{Actors, create_draft, organisation_id, step_ok};

/// Run a GraphQL operation that must succeed; its data.
async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

fn id_at(v: &Value, path: &[&str]) -> Value {
    let mut at = v;
    for p in path {
        at = &at[*p];
    }
    assert!(at.is_string(), "no id at {path:?}: {v}");
    at.clone()
}

/// The actions of every domain, through `/graphql` (and the background
/// jobs, run directly).
pub(crate) async fn perform_everything(app: &TestApp, a: &Actors) {
    let (resident, head, committee, office, ngo, property, admin) = (
        a.t("demo-resident"),
        a.t("demo-building-head"),
        a.t("demo-committee"),
        a.t("demo-office"),
        a.t("demo-ngo"),
        a.t("demo-property"),
        a.t("demo-admin"),
    );
    let peach = app.peach_garden().await;
    let street = api::graphql::ids::encode("Region", app.region_id("东湖街道").await).0;
    let ngo_org = organisation_id(app, admin, "阳光社工服务中心").await;
    let property_org = organisation_id(app, admin, "安居物业").await;

    // Directory and accounts (the platform admin).
    let b = ok(
        app,
        admin,
        "mutation($c: ID!) { createBuilding(input: {communityId: $c, name: \"9号楼\"}) { building { id } } }",
        json!({ "c": peach }),
    )
    .await;
    let _ = id_at(&b, &["createBuilding", "building", "id"]);
    let r = ok(app, admin, "mutation($p: ID!) { createRegion(input: {name: \"新城社区\", code: \"X-NEW-1\", kind: COMMUNITY, parentId: $p}) { region { id } } }", json!({ "p": street })).await;
    let new_community = id_at(&r, &["createRegion", "region", "id"]);
    let o = ok(app, admin, "mutation($r: ID!, $c: ID!) { createOrganisation(input: {name: \"和睦调解中心\", kind: SOCIAL_ORGANIZATION, regionId: $r, serviceArea: [$c]}) { organisation { id } } }", json!({ "r": street, "c": peach })).await;
    let org = id_at(&o, &["createOrganisation", "organisation", "id"]);
    ok(app, admin, "mutation($o: ID!, $c: ID!, $n: ID!) { setOrganisationServiceArea(input: {organisationId: $o, communityIds: [$c, $n]}) { organisation { id } } }", json!({ "o": org, "c": peach, "n": new_community })).await;
    let acc = ok(app, admin, "mutation { createAccount(input: {username: \"walk-li\", displayName: \"李四\", password: \"walk-li-passphrase\", phone: \"13911112222\"}) { account { id } } }", json!({})).await;
    let walker = id_at(&acc, &["createAccount", "account", "id"]);
    let building = entity::building::Entity::find()
        .filter(entity::building::Column::Name.eq("1号楼"))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap();
    let building = api::graphql::ids::encode("Building", building.id).0;
    let m = ok(app, admin, "mutation($a: ID!, $b: ID!) { addMembership(input: {accountId: $a, role: RESIDENT, buildingId: $b}) { membership { id } } }", json!({ "a": walker, "b": building })).await;
    let membership = id_at(&m, &["addMembership", "membership", "id"]);
    let walker_token = app.token_with("walk-li", "walk-li-passphrase").await;
    let c = ok(app, admin, "mutation($r: ID!) { createApiClient(input: {name: \"走访系统\", role: DISTRICT_SYSTEM, regionId: $r}) { apiClient { id } } }", json!({ "r": street })).await;
    let client = id_at(&c, &["createApiClient", "apiClient", "id"]);
    ok(
        app,
        admin,
        "mutation($c: ID!) { setApiClientDocuments(input: {apiClientId: $c, documents: [\"{ me { role } }\"]}) { hashes } }",
        json!({ "c": client }),
    )
    .await;
    ok(
        app,
        admin,
        "mutation($c: ID!) { revokeApiClient(input: {apiClientId: $c}) { apiClient { id } } }",
        json!({ "c": client }),
    )
    .await;

    // Sessions and passwords.
    let login = app.login_payload("demo-resident-river").await;
    ok(
        app,
        a.t("demo-resident-river"),
        "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken } }",
        json!({ "t": login["refreshToken"] }),
    )
    .await;
    ok(app, &walker_token, "mutation { changePassword(input: {currentPassword: \"walk-li-passphrase\", newPassword: \"walk-li-new-passphrase\"}) { passwordChanged } }", json!({})).await;
    ok(app, &walker_token, "mutation { endOtherSessions { sessionsEnded } }", json!({})).await;
    let s = ok(app, &walker_token, "{ mySessions { sessionId current } }", json!({})).await;
    let _ = s;
    ok(
        app,
        committee,
        "mutation($a: ID!) { disableAccount(input: {accountId: $a, reason: \"核实中\"}) { account { id } } }",
        json!({ "a": walker }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($a: ID!) { enableAccount(input: {accountId: $a}) { account { id } } }",
        json!({ "a": walker }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($a: ID!) { resetPassword(input: {accountId: $a}) { oneTimeCode } }",
        json!({ "a": walker }),
    )
    .await;
    let district = crate::services::district_token(app).await;
    let district2 = crate::services::district_token(app).await;
    let form = [
        ("token", district2.as_str()),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    assert_eq!(app.client.post(format!("{}/oauth/revoke", app.base)).form(&form).send().await.unwrap().status(), 200);
    let _ = district;
    let login = app.login_payload("demo-resident-river").await;
    ok(
        app,
        a.t("demo-resident-river"),
        "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }",
        json!({ "t": login["refreshToken"] }),
    )
    .await;
    let lost = app.login_payload("demo-building-head").await;
    let phone = app.login_payload("demo-building-head").await;
    let sessions =
        ok(app, phone["accessToken"].as_str().unwrap(), "{ mySessions { sessionId current } }", json!({})).await;
    let other =
        sessions["mySessions"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["sessionId"].clone();
    ok(
        app,
        phone["accessToken"].as_str().unwrap(),
        "mutation($s: String!) { endSession(input: {sessionId: $s}) { sessionsEnded } }",
        json!({ "s": other }),
    )
    .await;
    let _ = lost;

    // Volunteering, points and the store: every kind shown a mutation performs it.
    crate::volunteering::perform(app, a).await;
    // Consultations: a survey by the committee and one by the office, answered and closed.
    crate::consultations::perform(app, a).await;
    // The party organisation: the council it convenes, an endorsement, the
    // register (a registration kept, one erased).
    crate::party::perform(app, a).await;

    // Shared projects, deliberation, council.
    ok(app, committee, "mutation($c: ID!) { updateCommunitySettings(input: {communityId: $c, quorumPercent: 10, thresholdPercent: 50, liveTally: true}) { settings { quorumPercent } } }", json!({ "c": peach })).await;
    let draft = create_draft(app, resident, "草稿：楼道照明").await;
    ok(app, resident, "mutation($p: ID!) { editProject(input: {projectId: $p, title: \"草稿：楼道照明改造\", category: SAFETY}) { project { id } } }", json!({ "p": draft })).await;
    let p = crate::funds::approved_project(app, a, "加装扶手").await;
    for (mutation, who, status) in [("startProject", office, "IN_PROGRESS")] {
        step_ok(app, who, mutation, &p, status).await;
    }
    crate::funds::add_participant(app, a, &p, "阳光社工服务中心", "LEAD").await;
    let t = ok(app, office, "mutation($p: ID!, $o: ID!) { createProjectTask(input: {projectId: $p, title: \"采购扶手\", assigneeOrganisationId: $o}) { task { id } } }", json!({ "p": p, "o": ngo_org })).await;
    let task = id_at(&t, &["createProjectTask", "task", "id"]);
    ok(
        app,
        ngo,
        "mutation($t: ID!) { completeProjectTask(input: {taskId: $t}) { task { id } } }",
        json!({ "t": task }),
    )
    .await;
    ok(app, ngo, "mutation($p: ID!) { postProjectUpdate(input: {projectId: $p, body: \"扶手已安装\", percentComplete: 100}) { update { id } } }", json!({ "p": p })).await;
    let cm = ok(
        app,
        resident,
        "mutation($p: ID!) { addComment(input: {projectId: $p, body: \"谢谢！\"}) { comment { id } } }",
        json!({ "p": p }),
    )
    .await;
    let comment = id_at(&cm, &["addComment", "comment", "id"]);
    ok(
        app,
        resident,
        "mutation($c: ID!) { editComment(input: {commentId: $c, body: \"谢谢大家！\"}) { comment { id } } }",
        json!({ "c": comment }),
    )
    .await;
    let cm2 = ok(
        app,
        head,
        "mutation($p: ID!) { addComment(input: {projectId: $p, body: \"广告\"}) { comment { id } } }",
        json!({ "p": p }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($c: ID!) { removeComment(input: {commentId: $c, reason: \"与项目无关\"}) { comment { id } } }",
        json!({ "c": id_at(&cm2, &["addComment", "comment", "id"]) }),
    )
    .await;
    // Special funds and budget rounds.
    let fund = crate::funds::create_fund(app, a, "1000000").await;
    let al = crate::funds::allocate(app, office, &fund, &p, "200000").await;
    let allocation = id_at(&al, &["data", "allocateFunds", "allocation", "id"]);
    ok(
        app,
        office,
        "mutation($a: ID!) { changeAllocation(input: {allocationId: $a, amount: \"150000\"}) { allocation { id } } }",
        json!({ "a": allocation }),
    )
    .await;
    let x = crate::funds::record(app, ngo, &allocation, "50000").await;
    let x1 = id_at(&x, &["data", "recordExpenditure", "expenditure", "id"]);
    let x = crate::funds::record(app, ngo, &allocation, "1000").await;
    let x2 = id_at(&x, &["data", "recordExpenditure", "expenditure", "id"]);
    assert!(crate::funds::decide(app, office, "approveExpenditure", &x1, None).await["errors"].is_null());
    assert!(crate::funds::decide(app, office, "rejectExpenditure", &x2, Some("票据不全")).await["errors"].is_null());
    let p2 = crate::funds::approved_project(app, a, "社区花园").await;
    let al2 = crate::funds::allocate(app, office, &fund, &p2, "1000").await;
    ok(
        app,
        office,
        "mutation($a: ID!) { withdrawAllocation(input: {allocationId: $a}) { allocation { id } } }",
        json!({ "a": id_at(&al2, &["data", "allocateFunds", "allocation", "id"]) }),
    )
    .await;
    let rd = ok(app, office, "mutation($f: ID!, $c: ID!) { openBudgetRound(input: {fundId: $f, communityId: $c, title: \"2026微预算\", amount: \"100000\"}) { round { id } } }", json!({ "f": fund, "c": peach })).await;
    let round = id_at(&rd, &["openBudgetRound", "round", "id"]);
    let candidate = create_draft(app, resident, "儿童游乐区").await;
    step_ok(app, resident, "submitProject", &candidate, "PROPOSED").await;
    ok(app, committee, "mutation($r: ID!, $p: ID!) { addBudgetRoundProject(input: {roundId: $r, projectId: $p, budget: \"50000\"}) { round { id } } }", json!({ "r": round, "p": candidate })).await;
    let closes = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    ok(app, committee, "mutation($r: ID!, $c: DateTime!) { startBudgetRoundVoting(input: {roundId: $r, closesAt: $c}) { round { id } } }", json!({ "r": round, "c": closes })).await;
    ok(
        app,
        resident,
        "mutation($r: ID!, $p: ID!) { castBudgetBallot(input: {roundId: $r, projectIds: [$p]}) { round { id } } }",
        json!({ "r": round, "p": candidate }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($r: ID!) { closeBudgetRound(input: {roundId: $r}) { round { id } } }",
        json!({ "r": round }),
    )
    .await;
    let rd2 = ok(app, office, "mutation($f: ID!, $c: ID!) { openBudgetRound(input: {fundId: $f, communityId: $c, title: \"作废\", amount: \"1000\"}) { round { id } } }", json!({ "f": fund, "c": peach })).await;
    ok(
        app,
        office,
        "mutation($r: ID!) { cancelBudgetRound(input: {roundId: $r}) { round { id } } }",
        json!({ "r": id_at(&rd2, &["openBudgetRound", "round", "id"]) }),
    )
    .await;
    ok(
        app,
        office,
        "mutation($f: ID!) { freezeFund(input: {fundId: $f, reason: \"审计\"}) { fund { id } } }",
        json!({ "f": fund }),
    )
    .await;
    ok(app, office, "mutation($f: ID!) { unfreezeFund(input: {fundId: $f}) { fund { id } } }", json!({ "f": fund }))
        .await;
    let empty = crate::funds::create_fund(app, a, "1000").await;
    ok(app, office, "mutation($f: ID!) { closeFund(input: {fundId: $f}) { fund { id } } }", json!({ "f": empty }))
        .await;

    step_ok(app, ngo, "completeProject", &p, "COMPLETED").await;
    ok(
        app,
        resident,
        "mutation($p: ID!) { evaluateProject(input: {projectId: $p, rating: 5}) { project { id } } }",
        json!({ "p": p }),
    )
    .await;
    step_ok(app, committee, "closeEvaluation", &p, "EVALUATED").await;
    let rejected = crate::projects::deliberating(app, a, "增设停车位").await;
    let r = crate::projects::open_voting(app, committee, &rejected).await;
    assert_eq!(r["data"]["openVoting"]["project"]["status"], "VOTING", "{r}");
    crate::projects::vote(app, resident, &rejected, "NO").await;
    step_ok(app, committee, "closeVoting", &rejected, "VOTING").await;
    step_ok(app, office, "rejectProject", &rejected, "REJECTED").await;
    let cancelled = crate::projects::deliberating(app, a, "夜市").await;
    step_ok(app, office, "cancelProject", &cancelled, "CANCELLED").await;
    crate::projects::council_walk(app, committee, &peach).await;

    // Resident reports: a public one through its whole life, an anonymous
    // one, a private dispute, categories.
    ok(app, committee, "mutation($c: ID!, $o: ID!) { setReportCategory(input: {communityId: $c, code: \"LIFT\", name: \"电梯\", defaultOrganisationId: $o, targetHours: 24}) { category { code } } }", json!({ "c": peach, "o": property_org })).await;
    let rep =
        crate::reports::submit(app, resident, json!({ "categoryCode": "REPAIR", "description": "楼道灯坏了" })).await;
    let report = id_at(&rep, &["data", "submitReport", "report", "id"]);
    for (m, who) in [("acceptReport", committee)] {
        assert!(crate::reports::step(app, who, m, &report, None).await["errors"].is_null());
    }
    assert!(crate::reports::assign(app, committee, &report, &property_org).await["errors"].is_null());
    assert!(crate::reports::step(app, property, "startReport", &report, None).await["errors"].is_null());
    assert!(
        crate::reports::step(app, property, "addReportNote", &report, Some("已订购灯管")).await["errors"].is_null()
    );
    ok(
        app,
        property,
        "mutation($r: ID!) { resolveReport(input: {reportId: $r, note: \"已更换\"}) { report { id } } }",
        json!({ "r": report }),
    )
    .await;
    assert!(crate::reports::step(app, resident, "reopenReport", &report, Some("又坏了")).await["errors"].is_null());
    assert!(crate::reports::step(app, property, "startReport", &report, None).await["errors"].is_null());
    ok(
        app,
        property,
        "mutation($r: ID!) { resolveReport(input: {reportId: $r, note: \"已修好\"}) { report { id } } }",
        json!({ "r": report }),
    )
    .await;
    assert!(crate::reports::step(app, resident, "confirmReport", &report, None).await["errors"].is_null());
    ok(
        app,
        resident,
        "mutation($r: ID!) { rateReport(input: {reportId: $r, stars: 5}) { report { id } } }",
        json!({ "r": report }),
    )
    .await;
    let anon = crate::reports::submit(
        app,
        resident,
        json!({ "categoryCode": "SECURITY", "description": "有陌生人徘徊", "isAnonymous": true }),
    )
    .await;
    let anon = id_at(&anon, &["data", "submitReport", "report", "id"]);
    assert!(crate::reports::step(app, head, "escalateReport", &anon, Some("请居委会关注")).await["errors"].is_null());
    assert!(crate::reports::step(app, committee, "rejectReport", &anon, Some("已报警")).await["errors"].is_null());
    let dispute = crate::reports::submit(
        app,
        resident,
        json!({ "categoryCode": "DISPUTE", "description": "邻居噪音", "isPublic": false }),
    )
    .await;
    let dispute = id_at(&dispute, &["data", "submitReport", "report", "id"]);
    assert!(crate::reports::step(app, committee, "acceptReport", &dispute, None).await["errors"].is_null());
    let head_id = api::graphql::ids::encode("Account", app.account_id("demo-building-head").await).0;
    let me = api::graphql::ids::encode("Account", app.account_id("demo-committee").await).0;
    ok(
        app,
        committee,
        "mutation($r: ID!, $a: ID!) { addDisputeParty(input: {reportId: $r, accountId: $a}) { report { id } } }",
        json!({ "r": dispute, "a": head_id }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($r: ID!, $a: ID!) { setDisputeMediator(input: {reportId: $r, accountId: $a}) { report { id } } }",
        json!({ "r": dispute, "a": me }),
    )
    .await;
    ok(app, committee, "mutation($r: ID!, $t: DateTime!) { recordMediationSession(input: {reportId: $r, heldAt: $t, reporterAttended: true, notes: \"首次调解\"}) { report { id } } }", json!({ "r": dispute, "t": chrono::Utc::now().to_rfc3339() })).await;
    assert!(crate::reports::mediate(app, committee, &dispute, "已调解").await["errors"].is_null());
    // The company gives a date, then hands a misrouted report back.
    let r = crate::reports::submit(app, resident, json!({ "categoryCode": "REPAIR", "description": "窗户坏了" })).await;
    let misrouted = id_at(&r, &["data", "submitReport", "report", "id"]);
    assert!(crate::reports::step(app, committee, "acceptReport", &misrouted, None).await["errors"].is_null());
    assert!(crate::reports::assign(app, committee, &misrouted, &property_org).await["errors"].is_null());
    let soon = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    ok(app, property, "mutation($r: ID!, $t: DateTime!) { setExpectedCompletion(input: {reportId: $r, expectedAt: $t}) { report { id } } }", json!({ "r": misrouted, "t": soon })).await;
    assert!(
        crate::reports::step(app, property, "returnReport", &misrouted, Some("非本单位")).await["errors"].is_null()
    );

    // Notices and alerts.
    let n = crate::notices::publish(
        app,
        committee,
        json!({ "category": "GENERAL", "title": "停水通知", "body": "周六停水" }),
    )
    .await;
    let notice = id_at(&n, &["data", "publishNotice", "notice", "id"]);
    ok(app, committee, "mutation($n: ID!) { editNotice(input: {noticeId: $n, title: \"停水通知（更正）\", body: \"周日停水\"}) { notice { id } } }", json!({ "n": notice })).await;
    ok(
        app,
        resident,
        "mutation($n: ID!) { markNoticeRead(input: {noticeId: $n}) { notice { id } } }",
        json!({ "n": notice }),
    )
    .await;
    ok(
        app,
        committee,
        "mutation($n: ID!) { withdrawNotice(input: {noticeId: $n}) { notice { id } } }",
        json!({ "n": notice }),
    )
    .await;
    let al = crate::notices::publish(app, committee, json!({ "category": "EMERGENCY", "level": "ORANGE", "title": "暴雨预警", "body": "请关好门窗", "followUpSeconds": 1 })).await;
    let alert = id_at(&al, &["data", "publishNotice", "notice", "id"]);
    crate::notices::respond(app, resident, &alert, "NEED_HELP", Some("家中漏水")).await;
    let resident_gid = api::graphql::ids::encode("Account", app.account_id("demo-resident").await).0;
    let head_gid = api::graphql::ids::encode("Account", app.account_id("demo-building-head").await).0;
    ok(app, head, "mutation($n: ID!, $a: ID!) { recordAlertVisit(input: {noticeId: $n, accountId: $a, note: \"已上门\"}) { notice { id } } }", json!({ "n": alert, "a": head_gid })).await;
    ok(app, committee, "mutation($n: ID!, $a: ID!) { reportFromAlertResponse(input: {noticeId: $n, accountId: $a}) { report { id } } }", json!({ "n": alert, "a": resident_gid })).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    api::notices::jobs::sweep(&app.state).await.unwrap();
    ok(
        app,
        committee,
        "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { id } } }",
        json!({ "n": alert }),
    )
    .await;

    // Services: a request through its steps, a declined and a cancelled
    // one, a delivery batch and a deletion.
    let sv = ok(app, ngo, "mutation($c: ID!) { publishService(input: {name: \"心理疏导\", description: \"一对一\", category: HEALTH, serviceAreaIds: [$c]}) { service { id } } }", json!({ "c": peach })).await;
    let service = id_at(&sv, &["publishService", "service", "id"]);
    ok(app, ngo, "mutation($s: ID!, $c: ID!) { updateService(input: {serviceId: $s, status: ACTIVE, service: {name: \"心理疏导\", description: \"一对一，免费\", category: HEALTH, serviceAreaIds: [$c]}}) { service { id } } }", json!({ "s": service, "c": peach })).await;
    let (start, end) = (
        (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
        (chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1)).to_rfc3339(),
    );
    let ss = ok(app, ngo, "mutation($s: ID!, $c: ID!, $a: DateTime!, $b: DateTime!) { addServiceSession(input: {serviceId: $s, communityId: $c, startsAt: $a, endsAt: $b, capacity: 5}) { session { id } } }", json!({ "s": service, "c": peach, "a": start, "b": end })).await;
    let session = id_at(&ss, &["addServiceSession", "session", "id"]);
    let rq = ok(
        app,
        resident,
        "mutation($s: ID!) { requestService(input: {serviceId: $s, note: \"独居老人\"}) { request { id } } }",
        json!({ "s": service }),
    )
    .await;
    let request = id_at(&rq, &["requestService", "request", "id"]);
    ok(
        app,
        ngo,
        "mutation($r: ID!) { acceptServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": request }),
    )
    .await;
    ok(app, ngo, "mutation($r: ID!, $s: ID!) { scheduleServiceRequest(input: {requestId: $r, sessionId: $s}) { request { id } } }", json!({ "r": request, "s": session })).await;
    ok(
        app,
        ngo,
        "mutation($r: ID!) { completeServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": request }),
    )
    .await;
    ok(
        app,
        resident,
        "mutation($r: ID!) { rateServiceRequest(input: {requestId: $r, rating: 5}) { request { id } } }",
        json!({ "r": request }),
    )
    .await;
    let rq = ok(
        app,
        head,
        "mutation($s: ID!) { requestService(input: {serviceId: $s}) { request { id } } }",
        json!({ "s": service }),
    )
    .await;
    ok(
        app,
        ngo,
        "mutation($r: ID!) { declineServiceRequest(input: {requestId: $r, reason: \"名额已满\"}) { request { id } } }",
        json!({ "r": id_at(&rq, &["requestService", "request", "id"]) }),
    )
    .await;
    let rq = ok(
        app,
        resident,
        "mutation($s: ID!) { requestService(input: {serviceId: $s}) { request { id } } }",
        json!({ "s": service }),
    )
    .await;
    ok(
        app,
        resident,
        "mutation($r: ID!) { cancelServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": id_at(&rq, &["requestService", "request", "id"]) }),
    )
    .await;
    let sync = crate::services::ngo_client_token(app).await;
    let today = chrono::Utc::now().date_naive().to_string();
    ok(app, &sync, "mutation($s: ID!, $c: ID!, $r: ID!, $d: Date!) { upsertDeliveryRecords(input: {records: [
        {externalId: \"W-1\", serviceId: $s, communityId: $c, deliveredOn: $d, durationMinutes: 60, beneficiaries: 1, residentId: $r},
        {externalId: \"W-2\", serviceId: $s, communityId: $c, deliveredOn: $d, durationMinutes: 30, beneficiaries: 2}]}) { created } }",
        json!({ "s": service, "c": peach, "r": resident_gid, "d": today })).await;
    ok(app, &sync, "mutation { deleteDeliveryRecords(input: {externalIds: [\"W-2\"]}) { deleted } }", json!({})).await;

    // Residency: sign-up, requests decided and withdrawn, an invitation
    // used, flats, a contact, a flag set and cleared, a visit.
    let r = crate::residency::sign_up(app, "walk-person", json!({})).await;
    let person = r["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    let join =
        "mutation($c: ID!, $b: ID!) { requestToJoin(input: {communityId: $c, buildingId: $b}) { request { id } } }";
    let decide = |m: &str| format!("mutation($r: ID!) {{ {m}(input: {{requestId: $r}}) {{ request {{ status }} }} }}");
    let req = ok(app, &person, join, json!({ "c": peach, "b": building })).await;
    let req = id_at(&req, &["requestToJoin", "request", "id"]);
    ok(app, &person, &decide("withdrawJoinRequest"), json!({ "r": req })).await;
    let req = ok(app, &person, join, json!({ "c": peach, "b": building })).await;
    let req = id_at(&req, &["requestToJoin", "request", "id"]);
    ok(app, committee, "mutation($r: ID!) { rejectJoinRequest(input: {requestId: $r, reason: \"请到居委会核实\"}) { request { status } } }", json!({ "r": req })).await;
    let req = ok(app, &person, join, json!({ "c": peach, "b": building })).await;
    let req = id_at(&req, &["requestToJoin", "request", "id"]);
    ok(app, head, &decide("approveJoinRequest"), json!({ "r": req })).await;
    let inv = ok(
        app,
        committee,
        "mutation($b: ID!) { createInvitation(input: {buildingId: $b}) { code } }",
        json!({ "b": building }),
    )
    .await;
    let invited = crate::residency::sign_up(app, "walk-invited", json!({})).await;
    let invited = invited["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    ok(
        app,
        &invited,
        "mutation($c: String!) { redeemInvitation(input: {code: $c}) { membership { id } } }",
        json!({ "c": inv["createInvitation"]["code"] }),
    )
    .await;
    let flats = ok(app, committee, "mutation($b: ID!) { addHouseholds(input: {buildingId: $b, unit: \"9\", numbers: [\"901\"]}) { households { id } } }", json!({ "b": building })).await;
    assert!(flats["addHouseholds"]["households"][0]["id"].is_string(), "{flats}");
    let mine = ok(app, resident, "{ households(first: 1) { edges { node { id } } } }", json!({})).await;
    let flat = mine["households"]["edges"][0]["node"]["id"].clone();
    ok(app, head, "mutation($h: ID!, $a: ID!) { setHouseholdContact(input: {householdId: $h, accountId: $a}) { household { id } } }", json!({ "h": flat, "a": resident_gid })).await;
    ok(app, head, "mutation($h: ID!) { setHouseholdFlag(input: {householdId: $h, kind: DISABILITY, consentNote: \"本人同意\"}) { household { id } } }", json!({ "h": flat })).await;
    ok(
        app,
        committee,
        "mutation($h: ID!) { clearHouseholdFlag(input: {householdId: $h, kind: DISABILITY}) { household { id } } }",
        json!({ "h": flat }),
    )
    .await;
    ok(app, head, "mutation($h: ID!) { setHouseholdFlag(input: {householdId: $h, kind: ELDERLY_ALONE, consentNote: \"本人同意\"}) { household { id } } }", json!({ "h": flat })).await;
    ok(app, head, "mutation($h: ID!, $d: Date!) { recordHouseholdVisit(input: {householdId: $h, visitedOn: $d, note: \"一切正常\"}) { visit { id } } }", json!({ "h": flat, "d": today })).await;

    // Removing the membership (after its person acted); the background
    // jobs: the report sweep and the indicators.
    ok(
        app,
        admin,
        "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
        json!({ "m": membership }),
    )
    .await;

    // The report sweep: one report overdue, one resolved long ago and never
    // confirmed (their times set back in the database).
    use sea_orm::{ActiveModelTrait, Set};
    let overdue =
        crate::reports::submit(app, resident, json!({ "categoryCode": "HYGIENE", "description": "垃圾堆积" })).await;
    let overdue = db_id(&id_at(&overdue, &["data", "submitReport", "report", "id"]));
    let stale =
        crate::reports::submit(app, resident, json!({ "categoryCode": "REPAIR", "description": "门锁坏了" })).await;
    let stale_id = id_at(&stale, &["data", "submitReport", "report", "id"]);
    assert!(crate::reports::step(app, committee, "acceptReport", &stale_id, None).await["errors"].is_null());
    assert!(crate::reports::assign(app, committee, &stale_id, &property_org).await["errors"].is_null());
    assert!(crate::reports::step(app, property, "startReport", &stale_id, None).await["errors"].is_null());
    ok(
        app,
        property,
        "mutation($r: ID!) { resolveReport(input: {reportId: $r, note: \"已换锁\"}) { report { id } } }",
        json!({ "r": stale_id }),
    )
    .await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(30);
    entity::report::ActiveModel { id: Set(overdue), due_at: Set(long_ago), ..Default::default() }
        .update(&app.db.write)
        .await
        .unwrap();
    entity::report::ActiveModel { id: Set(db_id(&stale_id)), resolved_at: Set(Some(long_ago)), ..Default::default() }
        .update(&app.db.write)
        .await
        .unwrap();
    api::reports::jobs::sweep(&app.state).await.unwrap();

    // The indicators: last month frozen, then a late delivery record of
    // that month makes a revision.
    api::indicators::jobs::run(&app.state).await.unwrap();
    let last_month = {
        use chrono::Datelike;
        let first = chrono::Utc::now().date_naive().with_day(1).unwrap();
        (first - chrono::Duration::days(1)).with_day(15).unwrap().to_string()
    };
    ok(app, &sync, "mutation($s: ID!, $c: ID!, $d: Date!) { upsertDeliveryRecords(input: {records: [
        {externalId: \"W-LATE\", serviceId: $s, communityId: $c, deliveredOn: $d, durationMinutes: 45, beneficiaries: 1}]}) { created } }",
        json!({ "s": service, "c": peach, "d": last_month })).await;
    api::indicators::jobs::run(&app.state).await.unwrap();

    // Personal data: a correction, a consent, a staff correction, a legal
    // hold and its release, an erasure (of a newcomer, so the demo people stay).
    let me = api::graphql::ids::encode("Account", app.account_id("demo-resident").await).0;
    ok(
        app,
        a.t("demo-resident"),
        "mutation { correctMyData(input: {realName: \"李明\", phone: \"13800000011\"}) { account { id } } }",
        json!({}),
    )
    .await;
    ok(
        app,
        a.t("demo-resident"),
        "mutation { setPhoneSharing(input: {sharedWithBuildingHead: true}) { account { id } } }",
        json!({}),
    )
    .await;
    ok(
        app,
        a.t("demo-committee"),
        "mutation($a: ID!) { correctAccount(input: {accountId: $a, phone: \"13800000001\"}) { account { id } } }",
        json!({ "a": me }),
    )
    .await;
    ok(
        app,
        a.t("demo-office"),
        "mutation($a: ID!) { setLegalHold(input: {accountId: $a, reason: \"调解中\"}) { account { id } } }",
        json!({ "a": me }),
    )
    .await;
    ok(
        app,
        a.t("demo-office"),
        "mutation($a: ID!) { releaseLegalHold(input: {accountId: $a}) { account { id } } }",
        json!({ "a": me }),
    )
    .await;
    let building = crate::notices::peach_buildings(app).await[0];
    let leaving = crate::funds::person(
        app,
        "walk-leaving",
        entity::enums::Role::Resident,
        api::accounts::service::ScopeInput { building_id: Some(building), ..Default::default() },
    )
    .await;
    ok(app, &leaving, "mutation { deleteMyAccount(input: {password: \"a-long-password\"}) { accountId } }", json!({}))
        .await;

    // Webhook endpoints: one kept (its entries stay readable), one deleted.
    crate::webhooks::walk(app, a.t("demo-committee"), &["report.created"], false).await;
    crate::webhooks::walk(app, a.t("demo-committee"), &["report.created"], true).await;
}

/// The database id of a global id.
fn db_id(id: &Value) -> i32 {
    api::graphql::ids::decode(&async_graphql::ID(id.as_str().unwrap().to_owned())).unwrap().1
}

/// Every principal the walk reads as: each demo account and both API clients.
async fn principals(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (user, _) in api::seed::DEMO_ACCOUNTS {
        out.push((user.to_owned(), app.token(user).await));
    }
    out.push((
        "demo-district".into(),
        app.client_token(api::seed::DEMO_CLIENT_ID, api::seed::DEMO_CLIENT_SECRET).await,
    ));
    out.push((
        "demo-ngo-sync".into(),
        app.client_token(api::seed::DEMO_NGO_CLIENT_ID, api::seed::DEMO_NGO_CLIENT_SECRET).await,
    ));
    out
}

/// Every page of a connection field of the root, as `token`.
async fn all_pages(app: &TestApp, token: &str, field: &str, selection: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let q = format!(
            "query($a: String) {{ {field}(first: 100, after: $a) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {selection} }} }} }} }}"
        );
        let r = app.gql(Some(token), &q, json!({ "a": after })).await;
        if code(&r) == "FORBIDDEN" || code(&r) == crate::common::HIDDEN {
            return None;
        }
        assert!(r["errors"].is_null(), "{field}: {r}");
        let conn = &r["data"][field];
        out.extend(conn["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
        if conn["pageInfo"]["hasNextPage"] != true {
            return Some(out);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// Is the object `id` (a global id) there for `token` through `node`?
async fn sees(app: &TestApp, token: &str, id: &Value) -> bool {
    let r = app.gql(Some(token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
    assert!(r["errors"].is_null(), "{r}");
    !r["data"]["node"].is_null()
}

/// Does the object exist at all? The platform admin reads every object
/// there is, but for households' care data (flags, visits), which the
/// committee reads (all of the walk's are in its community).
async fn exists(app: &TestApp, a: &Actors, id: &Value) -> bool {
    sees(app, a.t("demo-admin"), id).await || sees(app, a.t("demo-committee"), id).await
}

async fn the_audit_log_is_as_private_as_its_objects(app: TestApp) {
    let a = Actors::login(&app).await;
    perform_everything(&app, &a).await;

    // The walk did every audited action of every domain.
    let done: BTreeSet<String> =
        entity::audit_log::Entity::find().all(&app.db.read).await.unwrap().into_iter().map(|r| r.action).collect();
    let missing: Vec<_> = api::domains::audit_verbs().into_iter().filter(|v| !done.contains(*v)).collect();
    assert!(missing.is_empty(), "audited actions the walk did not do: {missing:?}");

    let mut exist_cache: HashMap<String, bool> = HashMap::new();
    for (who, token) in principals(&app).await {
        let entries =
            all_pages(&app, &token, "auditLog", "id action objectType objectId role details actor { id }").await;
        let Some(entries) = entries else {
            // Refused the log: refused each entry by id as well.
            let any = entity::audit_log::Entity::find().one(&app.db.read).await.unwrap().unwrap();
            let gid = api::graphql::ids::encode("AuditEntry", any.id).0;
            assert!(!sees(&app, &token, &json!(gid)).await, "{who} reads an entry by id");
            continue;
        };
        for e in &entries {
            assert!(sees(&app, &token, &e["id"]).await, "{who}: its own entry by id: {e}");
            let Some(object) = e["objectId"].as_str().map(|s| json!(s)) else {
                assert_eq!(who, "demo-admin", "{who} reads a batch entry: {e}");
                continue;
            };
            let key = object.as_str().unwrap().to_owned();
            let live = match exist_cache.get(&key) {
                Some(b) => *b,
                None => {
                    let b = exists(&app, &a, &object).await;
                    exist_cache.insert(key, b);
                    b
                }
            };
            if live {
                assert!(sees(&app, &token, &object).await, "{who} reads an entry about an object it may not read: {e}");
            } else {
                assert!(
                    who == "demo-admin" || (who == "demo-committee" && e["objectType"] == "Membership"),
                    "{who} reads an entry about a removed object: {e}"
                );
            }
            // A person acting is named only where their personal data shows.
            if matches!(e["role"].as_str(), Some("RESIDENT" | "BUILDING_HEAD")) && e["actor"].is_object() {
                let r = app
                    .gql(
                        Some(&token),
                        "query($id: ID!) { node(id: $id) { ... on Account { memberships { totalCount } } } }",
                        json!({ "id": e["actor"]["id"] }),
                    )
                    .await;
                assert!(!r["data"]["node"]["memberships"].is_null(), "{who} sees the person behind {e}");
            }
            if e["action"].as_str().is_some_and(|a| a.starts_with("delivery_record.")) {
                let details: Value = serde_json::from_str(e["details"].as_str().unwrap()).unwrap();
                for k in details.as_object().unwrap().keys() {
                    assert!(
                        ["records", "created", "updated", "unchanged", "errors", "deleted"].contains(&k.as_str()),
                        "{k}"
                    );
                }
            }
        }
        if who == "demo-office" {
            assert!(
                !entries.iter().any(|e| e["action"].as_str().unwrap().starts_with("service_request.")),
                "the office reads who asked for a service"
            );
            // The office reads reports, and residents' actions on them,
            // but not who the residents are.
            let by_residents: Vec<_> = entries.iter().filter(|e| e["role"] == "RESIDENT").collect();
            assert!(!by_residents.is_empty() && by_residents.iter().all(|e| e["actor"].is_null()), "{by_residents:?}");
        }
        if who == "demo-committee" {
            assert!(
                entries.iter().any(|e| e["action"] == "report.submit"),
                "the committee reads its community's reports"
            );
        }

        // The change feed, by the same rule.
        if let Some(changes) = all_pages_changes(&app, &token).await {
            for c in changes {
                if c["kind"] != "DELETED" {
                    assert!(
                        sees(&app, &token, &c["objectId"]).await,
                        "{who} reads a change of an object it may not read: {c}"
                    );
                }
            }
        }
    }
}

/// Every entry of the change feed, as `token` (None when refused).
async fn all_pages_changes(app: &TestApp, token: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = app
            .gql(Some(token), "query($a: String) { changes(first: 100, after: $a) { cursor hasMore changes { kind objectType objectId } } }", json!({ "a": after }))
            .await;
        if code(&r) == "FORBIDDEN" || code(&r) == crate::common::HIDDEN {
            return None;
        }
        assert!(r["errors"].is_null(), "{r}");
        let feed = &r["data"]["changes"];
        out.extend(feed["changes"].as_array().unwrap().iter().cloned());
        if feed["hasMore"] != true {
            return Some(out);
        }
        after = feed["cursor"].clone();
    }
}

crate::both!(the_audit_log_is_as_private_as_its_objects);

/// A page of the audit log costs the same statements whatever its size
/// and however many object types it holds, counted by PostgreSQL: the page
/// with its visibility in one statement, then one per relation (actors,
/// and their memberships for the personal-data rule).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_page_costs_fixed_statements() {
    let app = TestApp::spawn_counted().await;
    let a = Actors::login(&app).await;
    perform_everything(&app, &a).await;
    let q = "query($n: Int!) { auditLog(last: $n) { edges { node { id action objectType objectId role details actor { displayName } } } } }";
    for who in ["demo-admin", "demo-committee", "demo-office"] {
        let token = a.t(who).to_owned();
        let mut costs = Vec::new();
        for n in [25, 50] {
            let (cost, types) = app
                .pg_statements_during(|| async {
                    let r = app.gql(Some(&token), q, json!({ "n": n })).await;
                    assert!(r["errors"].is_null(), "{r}");
                    let edges = r["data"]["auditLog"]["edges"].as_array().unwrap().clone();
                    edges.iter().map(|e| e["node"]["objectType"].as_str().unwrap().to_owned()).collect::<BTreeSet<_>>()
                })
                .await;
            if n == 50 && who == "demo-admin" {
                assert!(types.len() >= 8, "a page of {n} rows holds {} object types: {types:?}", types.len());
            }
            costs.push(cost);
        }
        assert_eq!(costs[0], costs[1], "{who}: statements for 25 and 50 rows");
        assert!(costs[1] <= 4, "{who}: {} statements for a page", costs[1]);
    }
}
