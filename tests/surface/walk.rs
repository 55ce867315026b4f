//! Every mutation a kind of caller is shown is one it can perform (issue
//! 24): the audit walk performs each action once, then this walk performs,
//! as each kind, what the audit walk did as another.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::projects::{Actors, organisation_id, step_ok};

/// Run a GraphQL operation that must succeed; its data.
async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), query, vars).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

fn at(v: &Value, path: &[&str]) -> Value {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    assert!(x.is_string(), "no id at {path:?}: {v}");
    x.clone()
}

/// A draft proposed by `token` in 桃园社区.
async fn draft(app: &TestApp, token: &str, peach: &str, title: &str) -> Value {
    let d = ok(app, token, "mutation($c: ID!, $t: String!) { createProject(input: {communityId: $c, title: $t, category: ENVIRONMENT}) { project { id } } }", json!({ "c": peach, "t": title })).await;
    at(&d, &["createProject", "project", "id"])
}

/// A project approved by the office with `org` as its lead, started by it.
async fn led_by(app: &TestApp, a: &Actors, title: &str, org: &str, lead: &str) -> Value {
    let p = crate::funds::approved_project(app, a, title).await;
    crate::funds::add_participant(app, a, &p, org, "LEAD").await;
    step_ok(app, lead, "startProject", &p, "IN_PROGRESS").await;
    p
}

async fn every_kind_performs_the_rest(app: &TestApp, a: &Actors) {
    // Webhook endpoints: every kind that may have them.
    for who in ["demo-committee", "demo-office", "demo-ngo", "demo-property", "demo-admin"] {
        crate::webhooks::walk(app, a.t(who), &["project.status_changed"], true).await;
    }
    let district = app.client_token(api::seed::DEMO_CLIENT_ID, api::seed::DEMO_CLIENT_SECRET).await;
    crate::webhooks::walk(app, &district, &["indicators.month_frozen"], true).await;
    let sync = crate::services::ngo_client_token(app).await;
    crate::webhooks::walk(app, &sync, &["service_request.created"], true).await;

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
    let ngo_org = organisation_id(app, admin, crate::funds::NGO).await;
    let property_org = organisation_id(app, admin, crate::funds::PROPERTY).await;
    let today = chrono::Utc::now().date_naive().to_string();

    // Projects: every proposer kind drafts, edits, submits, cancels.
    for who in [head, committee, ngo, property] {
        let d = draft(app, who, &peach, "提案").await;
        ok(app, who, "mutation($p: ID!) { editProject(input: {projectId: $p, title: \"提案（改）\", category: ENVIRONMENT}) { project { id } } }", json!({ "p": d })).await;
        step_ok(app, who, "submitProject", &d, "PROPOSED").await;
    }
    for who in [resident, head, committee, ngo, property] {
        let d = draft(app, who, &peach, "作废的提案").await;
        step_ok(app, who, "cancelProject", &d, "CANCELLED").await;
    }
    // Organisations lead their own projects through to the end.
    let ngo_project = led_by(app, a, "助老食堂", crate::funds::NGO, ngo).await;
    let property_project = led_by(app, a, "更换路灯", crate::funds::PROPERTY, property).await;
    ok(app, ngo, "mutation($p: ID!, $o: ID!) { createProjectTask(input: {projectId: $p, title: \"招募志愿者\", assigneeOrganisationId: $o}) { task { id } } }", json!({ "p": ngo_project, "o": ngo_org })).await;
    let t = ok(app, property, "mutation($p: ID!, $o: ID!) { createProjectTask(input: {projectId: $p, title: \"采购灯具\", assigneeOrganisationId: $o}) { task { id } } }", json!({ "p": property_project, "o": property_org })).await;
    ok(
        app,
        property,
        "mutation($t: ID!) { completeProjectTask(input: {taskId: $t}) { task { id } } }",
        json!({ "t": at(&t, &["createProjectTask", "task", "id"]) }),
    )
    .await;
    ok(app, property, "mutation($p: ID!) { postProjectUpdate(input: {projectId: $p, body: \"已完工\", percentComplete: 100}) { update { id } } }", json!({ "p": property_project })).await;
    let fund = crate::funds::create_fund(app, a, "100000").await;
    let al = crate::funds::allocate(app, office, &fund, &property_project, "10000").await;
    let allocation = at(&al, &["data", "allocateFunds", "allocation", "id"]);
    assert!(crate::funds::record(app, property, &allocation, "1000").await["errors"].is_null());
    // Comments by everyone who may comment, on a project all of them read.
    for who in [head, committee, office, ngo, property, a.t("demo-party")] {
        let c = ok(
            app,
            who,
            "mutation($p: ID!) { addComment(input: {projectId: $p, body: \"支持\"}) { comment { id } } }",
            json!({ "p": property_project }),
        )
        .await;
        ok(
            app,
            who,
            "mutation($c: ID!) { editComment(input: {commentId: $c, body: \"支持！\"}) { comment { id } } }",
            json!({ "c": at(&c, &["addComment", "comment", "id"]) }),
        )
        .await;
    }
    step_ok(app, property, "completeProject", &property_project, "COMPLETED").await;
    ok(
        app,
        head,
        "mutation($p: ID!) { evaluateProject(input: {projectId: $p, rating: 4}) { project { id } } }",
        json!({ "p": property_project }),
    )
    .await;
    // A vote by the building head.
    let v = crate::projects::deliberating(app, a, "楼顶绿化").await;
    crate::projects::open_voting(app, committee, &v).await;
    assert!(crate::projects::vote(app, head, &v, "YES").await["errors"].is_null());
    // A budget round the building head votes in and the office closes.
    let rd = ok(app, office, "mutation($f: ID!, $c: ID!) { openBudgetRound(input: {fundId: $f, communityId: $c, title: \"秋季微预算\", amount: \"10000\"}) { round { id } } }", json!({ "f": fund, "c": peach })).await;
    let round = at(&rd, &["openBudgetRound", "round", "id"]);
    let candidate = draft(app, resident, &peach, "健身角").await;
    step_ok(app, resident, "submitProject", &candidate, "PROPOSED").await;
    ok(app, committee, "mutation($r: ID!, $p: ID!) { addBudgetRoundProject(input: {roundId: $r, projectId: $p, budget: \"5000\"}) { round { id } } }", json!({ "r": round, "p": candidate })).await;
    let closes = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    ok(app, committee, "mutation($r: ID!, $c: DateTime!) { startBudgetRoundVoting(input: {roundId: $r, closesAt: $c}) { round { id } } }", json!({ "r": round, "c": closes })).await;
    ok(
        app,
        head,
        "mutation($r: ID!, $p: ID!) { castBudgetBallot(input: {roundId: $r, projectIds: [$p]}) { round { id } } }",
        json!({ "r": round, "p": candidate }),
    )
    .await;
    ok(
        app,
        office,
        "mutation($r: ID!) { closeBudgetRound(input: {roundId: $r}) { round { id } } }",
        json!({ "r": round }),
    )
    .await;

    // Reports: the building head files one and sees it through; the
    // others handle another.
    let report = |token: &'static str| async move { token };
    let _ = report;
    let r = crate::reports::submit(app, head, json!({ "categoryCode": "REPAIR", "description": "单元门坏了" })).await;
    let mine = at(&r, &["data", "submitReport", "report", "id"]);
    assert!(crate::reports::step(app, head, "acceptReport", &mine, None).await["errors"].is_null());
    assert!(crate::reports::assign(app, office, &mine, &ngo_org).await["errors"].is_null());
    assert!(crate::reports::step(app, ngo, "startReport", &mine, None).await["errors"].is_null());
    for who in [head, committee, office, ngo] {
        assert!(crate::reports::step(app, who, "addReportNote", &mine, Some("跟进")).await["errors"].is_null());
    }
    ok(
        app,
        ngo,
        "mutation($r: ID!) { resolveReport(input: {reportId: $r, note: \"已修\"}) { report { id } } }",
        json!({ "r": mine }),
    )
    .await;
    assert!(crate::reports::step(app, head, "reopenReport", &mine, Some("还是坏的")).await["errors"].is_null());
    assert!(crate::reports::step(app, ngo, "startReport", &mine, None).await["errors"].is_null());
    ok(
        app,
        ngo,
        "mutation($r: ID!) { resolveReport(input: {reportId: $r, note: \"修好了\"}) { report { id } } }",
        json!({ "r": mine }),
    )
    .await;
    assert!(crate::reports::step(app, head, "confirmReport", &mine, None).await["errors"].is_null());
    ok(
        app,
        head,
        "mutation($r: ID!) { rateReport(input: {reportId: $r, stars: 4}) { report { id } } }",
        json!({ "r": mine }),
    )
    .await;
    // The committee's council records.
    crate::projects::council_walk(app, committee, &peach).await;
    // Each organisation gives an expected completion, then hands a report back.
    let expect = "mutation($r: ID!, $t: DateTime!) { setExpectedCompletion(input: {reportId: $r, expectedAt: $t}) { report { id } } }";
    let soon = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    for (who, org) in [(ngo, &ngo_org), (property, &property_org)] {
        let r =
            crate::reports::submit(app, resident, json!({ "categoryCode": "REPAIR", "description": "窗户坏了" })).await;
        let misrouted = at(&r, &["data", "submitReport", "report", "id"]);
        assert!(crate::reports::step(app, committee, "acceptReport", &misrouted, None).await["errors"].is_null());
        assert!(crate::reports::assign(app, committee, &misrouted, org).await["errors"].is_null());
        ok(app, who, expect, json!({ "r": misrouted, "t": soon })).await;
        assert!(crate::reports::step(app, who, "returnReport", &misrouted, Some("非本单位")).await["errors"].is_null());
    }
    // The committee keeps a dispute's mediation record.
    let r = crate::reports::submit(app, resident, json!({ "categoryCode": "DISPUTE", "description": "噪音" })).await;
    let dispute = at(&r, &["data", "submitReport", "report", "id"]);
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
    let r =
        crate::reports::submit(app, resident, json!({ "categoryCode": "HYGIENE", "description": "垃圾桶满了" })).await;
    let other = at(&r, &["data", "submitReport", "report", "id"]);
    assert!(
        crate::reports::step(app, committee, "escalateReport", &other, Some("请街道关注")).await["errors"].is_null()
    );
    assert!(crate::reports::step(app, office, "acceptReport", &other, None).await["errors"].is_null());
    assert!(crate::reports::step(app, office, "rejectReport", &other, Some("重复")).await["errors"].is_null());

    // Notices: the building head and the office publish, edit, withdraw,
    // and each closes an alert; readers mark one read.
    for who in [head, office] {
        let n =
            crate::notices::publish(app, who, json!({ "category": "GENERAL", "title": "通知", "body": "内容" })).await;
        let n = at(&n, &["data", "publishNotice", "notice", "id"]);
        ok(app, who, "mutation($n: ID!) { editNotice(input: {noticeId: $n, title: \"通知（改）\", body: \"内容\"}) { notice { id } } }", json!({ "n": n })).await;
        ok(
            app,
            who,
            "mutation($n: ID!) { withdrawNotice(input: {noticeId: $n}) { notice { id } } }",
            json!({ "n": n }),
        )
        .await;
        let al = crate::notices::publish(
            app,
            who,
            json!({ "category": "EMERGENCY", "level": "YELLOW", "title": "大风", "body": "收好衣物" }),
        )
        .await;
        let al = at(&al, &["data", "publishNotice", "notice", "id"]);
        if who == head {
            crate::notices::respond(app, head, &al, "SAFE", None).await;
        }
        ok(app, who, "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { id } } }", json!({ "n": al }))
            .await;
    }
    let n =
        crate::notices::publish(app, committee, json!({ "category": "GENERAL", "title": "公告", "body": "社区公告" }))
            .await;
    let board = at(&n, &["data", "publishNotice", "notice", "id"]);
    for who in [head, committee, office, a.t("demo-party")] {
        ok(
            app,
            who,
            "mutation($n: ID!) { markNoticeRead(input: {noticeId: $n}) { notice { id } } }",
            json!({ "n": board }),
        )
        .await;
    }

    // Services: the NGO's machine client runs a service; the committee
    // asks for one for a resident, the building head for themself.
    let sync = crate::services::ngo_client_token(app).await;
    let sv = ok(app, &sync, "mutation($c: ID!) { publishService(input: {name: \"上门理发\", description: \"每月一次\", category: ELDERLY_CARE, serviceAreaIds: [$c]}) { service { id } } }", json!({ "c": peach })).await;
    let service = at(&sv, &["publishService", "service", "id"]);
    ok(app, &sync, "mutation($s: ID!, $c: ID!) { updateService(input: {serviceId: $s, status: ACTIVE, service: {name: \"上门理发\", description: \"每月两次\", category: ELDERLY_CARE, serviceAreaIds: [$c]}}) { service { id } } }", json!({ "s": service, "c": peach })).await;
    let (start, end) = (
        (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
        (chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1)).to_rfc3339(),
    );
    let ss = ok(app, &sync, "mutation($s: ID!, $c: ID!, $a: DateTime!, $b: DateTime!) { addServiceSession(input: {serviceId: $s, communityId: $c, startsAt: $a, endsAt: $b, capacity: 5}) { session { id } } }", json!({ "s": service, "c": peach, "a": start, "b": end })).await;
    let session = at(&ss, &["addServiceSession", "session", "id"]);
    let resident_gid = api::graphql::ids::encode("Account", app.account_id("demo-resident").await).0;
    let rq = crate::services::request(app, committee, &service, Some(&resident_gid)).await;
    let for_resident = at(&rq, &["data", "requestService", "request", "id"]);
    ok(
        app,
        committee,
        "mutation($r: ID!) { cancelServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": for_resident }),
    )
    .await;
    let rq = crate::services::request(app, head, &service, None).await;
    let own = at(&rq, &["data", "requestService", "request", "id"]);
    ok(
        app,
        &sync,
        "mutation($r: ID!) { acceptServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": own }),
    )
    .await;
    ok(app, &sync, "mutation($r: ID!, $s: ID!) { scheduleServiceRequest(input: {requestId: $r, sessionId: $s}) { request { id } } }", json!({ "r": own, "s": session })).await;
    ok(
        app,
        &sync,
        "mutation($r: ID!) { completeServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": own }),
    )
    .await;
    ok(
        app,
        head,
        "mutation($r: ID!) { rateServiceRequest(input: {requestId: $r, rating: 5}) { request { id } } }",
        json!({ "r": own }),
    )
    .await;
    let rq = crate::services::request(app, head, &service, None).await;
    let again = at(&rq, &["data", "requestService", "request", "id"]);
    ok(
        app,
        head,
        "mutation($r: ID!) { cancelServiceRequest(input: {requestId: $r}) { request { id } } }",
        json!({ "r": again }),
    )
    .await;
    let rq = crate::services::request(app, resident, &service, None).await;
    let declined = at(&rq, &["data", "requestService", "request", "id"]);
    ok(
        app,
        &sync,
        "mutation($r: ID!) { declineServiceRequest(input: {requestId: $r, reason: \"满了\"}) { request { id } } }",
        json!({ "r": declined }),
    )
    .await;
    ok(app, ngo, "mutation($s: ID!, $c: ID!, $d: Date!) { upsertDeliveryRecords(input: {records: [
        {externalId: \"S-1\", serviceId: $s, communityId: $c, deliveredOn: $d, durationMinutes: 30, beneficiaries: 1}]}) { created } }",
        json!({ "s": service, "c": peach, "d": today })).await;
    ok(app, ngo, "mutation { deleteDeliveryRecords(input: {externalIds: [\"S-1\"]}) { deleted } }", json!({})).await;

    // Residency: the committee decides, keeps the register and ends a
    // membership; the building head rejects and clears a flag; residents
    // and building heads ask to join elsewhere and redeem codes.
    let all = crate::residency::buildings(app, committee).await;
    let b1 = crate::residency::building(&all, "桃园社区", "1号楼");
    let willow = crate::residency::building(&all, "柳巷社区", "1号楼");
    let willow_c = crate::services::region(app, "柳巷社区").await;
    let join =
        "mutation($c: ID!, $b: ID!) { requestToJoin(input: {communityId: $c, buildingId: $b}) { request { id } } }";
    let decide = |m: &str| format!("mutation($r: ID!) {{ {m}(input: {{requestId: $r}}) {{ request {{ status }} }} }}");
    let newcomer = crate::residency::sign_up(app, "walk-two", json!({})).await;
    let newcomer = newcomer["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    let req = ok(app, &newcomer, join, json!({ "c": peach, "b": b1 })).await;
    ok(app, head, "mutation($r: ID!) { rejectJoinRequest(input: {requestId: $r, reason: \"请到居委会核实\"}) { request { status } } }", json!({ "r": at(&req, &["requestToJoin", "request", "id"]) })).await;
    let req = ok(app, &newcomer, join, json!({ "c": peach, "b": b1 })).await;
    ok(app, committee, &decide("approveJoinRequest"), json!({ "r": at(&req, &["requestToJoin", "request", "id"]) }))
        .await;
    for who in [resident, head] {
        let req = ok(app, who, join, json!({ "c": willow_c, "b": willow })).await;
        ok(app, who, &decide("withdrawJoinRequest"), json!({ "r": at(&req, &["requestToJoin", "request", "id"]) }))
            .await;
    }
    let flats = ok(
        app,
        committee,
        "{ households(first: 100) { edges { node { id unit number building { name } } } } }",
        json!({}),
    )
    .await;
    let flat = flats["households"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["number"] == "102" && n["building"]["name"] == "1号楼")
        .expect("1-102")["id"]
        .clone();
    let head_gid = api::graphql::ids::encode("Account", app.account_id("demo-building-head").await).0;
    ok(app, committee, "mutation($h: ID!) { setHouseholdFlag(input: {householdId: $h, kind: ELDERLY_ALONE, consentNote: \"本人同意\"}) { household { id } } }", json!({ "h": flat })).await;
    ok(
        app,
        head,
        "mutation($h: ID!) { clearHouseholdFlag(input: {householdId: $h, kind: ELDERLY_ALONE}) { household { id } } }",
        json!({ "h": flat }),
    )
    .await;
    ok(app, committee, "mutation($h: ID!, $d: Date!) { recordHouseholdVisit(input: {householdId: $h, visitedOn: $d, note: \"走访\"}) { visit { id } } }", json!({ "h": flat, "d": today })).await;
    let mine =
        ok(app, head, "{ households(first: 100) { edges { node { id members { person { id } } } } } }", json!({}))
            .await;
    let head_flat = mine["households"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["members"].as_array().is_some_and(|m| m.iter().any(|x| x["person"]["id"] == json!(head_gid))))
        .expect("the head's flat")["id"]
        .clone();
    ok(app, committee, "mutation($h: ID!, $a: ID!) { setHouseholdContact(input: {householdId: $h, accountId: $a}) { household { id } } }", json!({ "h": head_flat, "a": head_gid })).await;
    // Willow Lane's committee invites Peach Garden's resident and building
    // head (people may live in two communities).
    let acc = ok(app, admin, "mutation { createAccount(input: {username: \"willow-committee\", displayName: \"柳巷居委会\", password: \"willow-lane-passphrase\"}) { account { id } } }", json!({})).await;
    ok(app, admin, "mutation($a: ID!, $r: ID!) { addMembership(input: {accountId: $a, role: COMMUNITY_COMMITTEE, regionId: $r}) { membership { id } } }", json!({ "a": at(&acc, &["createAccount", "account", "id"]), "r": willow_c })).await;
    let willow_committee = app.token_with("willow-committee", "willow-lane-passphrase").await;
    for who in [resident, head] {
        let inv = ok(
            app,
            &willow_committee,
            "mutation($b: ID!) { createInvitation(input: {buildingId: $b}) { code } }",
            json!({ "b": willow }),
        )
        .await;
        ok(
            app,
            who,
            "mutation($c: String!) { redeemInvitation(input: {code: $c}) { membership { id } } }",
            json!({ "c": inv["createInvitation"]["code"] }),
        )
        .await;
    }
    let m = ok(app, &newcomer, "{ me { membership { id } } }", json!({})).await;
    let _ = m;
    let moved = app.token_with("walk-two", crate::residency::PASSWORD).await;
    let m = ok(app, &moved, "{ me { membership { id } } }", json!({})).await;
    ok(
        app,
        committee,
        "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
        json!({ "m": m["me"]["membership"]["id"] }),
    )
    .await;

    // Sessions and passwords, last (they end sessions): every kind of
    // person, each with a token of its own kind.
    let person = crate::residency::sign_up(app, "walk-three", json!({})).await;
    let person = person["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    ok(
        app,
        &person,
        "mutation($n: ID!) { markNoticeRead(input: {noticeId: $n}) { notice { id } } }",
        json!({ "n": board }),
    )
    .await;
    // Without a token: a refresh, a logout, a password chosen with a
    // one-time code after a reset.
    let anon = |q: &'static str, v: Value| async move {
        let r = app.gql(None, q, v).await;
        assert!(r["errors"].is_null(), "{q}: {r}");
        r["data"].clone()
    };
    let river = app.login_payload("demo-resident-river").await;
    let r = anon(
        "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { refreshToken } }",
        json!({ "t": river["refreshToken"] }),
    )
    .await;
    anon(
        "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }",
        json!({ "t": r["refreshToken"]["refreshToken"] }),
    )
    .await;
    let three = api::graphql::ids::encode("Account", app.account_id("walk-three").await).0;
    let reset = ok(
        app,
        admin,
        "mutation($a: ID!) { resetPassword(input: {accountId: $a}) { oneTimeCode } }",
        json!({ "a": three }),
    )
    .await;
    anon("mutation($c: String!, $n: String!) { changePassword(input: {username: \"walk-three\", currentPassword: $c, newPassword: $n}) { passwordChanged } }",
        json!({ "c": reset["resetPassword"]["oneTimeCode"], "n": "walk-three-passphrase" })).await;

    let mut people: Vec<(String, String)> = [
        "demo-resident",
        "demo-building-head",
        "demo-committee",
        "demo-office",
        "demo-ngo",
        "demo-property",
        "demo-party",
    ]
    .into_iter()
    .map(|u| (u.to_owned(), api::seed::DEMO_PASSWORD.to_owned()))
    .collect();
    people.push(("walk-three".to_owned(), "walk-three-passphrase".to_owned()));
    for (user, password) in people {
        let login = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken refreshToken } }";
        let first = app.gql(None, login, json!({ "u": user, "p": password })).await["data"]["login"].clone();
        let token = first["accessToken"].as_str().expect("logged in").to_owned();
        // Logging in again while holding a token (switching devices).
        let second = ok(app, &token, login, json!({ "u": user, "p": password })).await["login"].clone();
        let r = ok(
            app,
            &token,
            "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken } }",
            json!({ "t": second["refreshToken"] }),
        )
        .await;
        let token = r["refreshToken"]["accessToken"].as_str().unwrap().to_owned();
        let sessions = ok(app, &token, "{ mySessions { sessionId current } }", json!({})).await;
        let other =
            sessions["mySessions"].as_array().unwrap().iter().find(|s| s["current"] == false).expect("another session")
                ["sessionId"]
                .clone();
        ok(
            app,
            &token,
            "mutation($s: String!) { endSession(input: {sessionId: $s}) { sessionsEnded } }",
            json!({ "s": other }),
        )
        .await;
        ok(app, &token, "mutation { endOtherSessions { sessionsEnded } }", json!({})).await;
        // Personal data: a correction and a consent, as each kind.
        ok(
            app,
            &token,
            "mutation { correctMyData(input: {displayName: \"改过的名字\"}) { account { id } } }",
            json!({}),
        )
        .await;
        ok(
            app,
            &token,
            "mutation { setPhoneSharing(input: {sharedWithBuildingHead: true}) { account { id } } }",
            json!({}),
        )
        .await;
        let new_password = format!("{password}-changed-2026");
        ok(app, &token, "mutation($o: String!, $n: String!) { changePassword(input: {currentPassword: $o, newPassword: $n}) { passwordChanged } }", json!({ "o": password, "n": new_password })).await;
        let last = app.gql(None, login, json!({ "u": user, "p": new_password })).await["data"]["login"].clone();
        ok(
            app,
            &token,
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }",
            json!({ "t": last["refreshToken"] }),
        )
        .await;
    }
}

/// Every mutation a kind of caller is shown is one it can perform on some
/// object of the demo data (issue 24): the walk above performs each, as
/// each kind shown it, anonymous callers included. The platform admin is
/// shown the whole schema (the operator's manual) and is left out: the
/// policy refuses it what belongs to a community role (a vote).
/// Each kind deletes an account of its own (a throwaway one, so the demo
/// people stay); corrections, consent and holds are in the audit walk.
async fn every_kind_leaves(app: &TestApp) {
    use api::accounts::service::ScopeInput;
    use entity::enums::Role;
    let peach = app.region_id("桃园社区").await;
    let east = app.region_id("东湖街道").await;
    let building = crate::notices::peach_buildings(app).await[0];
    let org = |name: &'static str| async move { Some(crate::funds::org_id(app, name).await) };
    let kinds = [
        ("gone-head", Role::BuildingHead, ScopeInput { building_id: Some(building), ..Default::default() }),
        (
            "gone-committee",
            Role::CommunityCommittee,
            ScopeInput {
                region_id: Some(peach), organisation_id: org("桃园社区居委会").await, ..Default::default()
            },
        ),
        (
            "gone-office",
            Role::GovernmentOffice,
            ScopeInput {
                region_id: Some(east), organisation_id: org("东湖街道办事处").await, ..Default::default()
            },
        ),
        (
            "gone-party",
            Role::PartyOrganisation,
            ScopeInput {
                region_id: Some(peach), organisation_id: org("桃园社区党委").await, ..Default::default()
            },
        ),
        (
            "gone-ngo",
            Role::SocialOrganization,
            ScopeInput { organisation_id: org(crate::funds::NGO).await, ..Default::default() },
        ),
        (
            "gone-property",
            Role::PropertyCompany,
            ScopeInput { organisation_id: org(crate::funds::PROPERTY).await, ..Default::default() },
        ),
    ];
    let delete = "mutation($p: String!) { deleteMyAccount(input: {password: $p}) { accountId } }";
    for (name, role, scope) in kinds {
        let token = crate::funds::person(app, name, role, scope).await;
        ok(app, &token, delete, json!({ "p": "a-long-password" })).await;
    }
    let person = crate::residency::sign_up(app, "gone-person", json!({})).await;
    let token = person["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    ok(app, &token, delete, json!({ "p": crate::residency::PASSWORD })).await;
}

async fn every_visible_mutation_is_one_its_kind_can_perform(app: TestApp) {
    let a = Actors::login(&app).await;
    crate::audit_walk::perform_everything(&app, &a).await;
    every_kind_performs_the_rest(&app, &a).await;
    every_kind_leaves(&app).await;
    let done = crate::common::performed::on(&app.base);
    let surfaces = api::schema::surfaces().await.unwrap();
    let mut missing = Vec::new();
    for kind in api::audience::Audience::ALL {
        if kind == api::audience::Audience::PlatformAdmin {
            continue;
        }
        for m in surfaces.get(kind).unwrap().roots("mutation") {
            if !done.contains(&(kind.name().to_owned(), m.clone())) {
                missing.push(format!("{} {m}", kind.name()));
            }
        }
    }
    assert!(missing.is_empty(), "{} shown but never performed:\n{}", missing.len(), missing.join("\n"));
}

crate::both!(every_visible_mutation_is_one_its_kind_can_perform);
