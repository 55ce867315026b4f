//! Sign-up, join requests, invitation codes, moving out.

use serde_json::{Value, json};

use super::{PASSWORD, building, buildings, households, ok, sign_up};
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::{Actors, deliberating, open_voting, vote};

const PEACH: &str = "桃园社区";

async fn request(
    app: &TestApp,
    token: &str,
    community: &str,
    b: &str,
    unit: Option<&str>,
    number: Option<&str>,
) -> Value {
    app.gql(
        Some(token),
        "mutation($c: ID!, $b: ID!, $u: String, $n: String) {
            requestToJoin(input: {communityId: $c, buildingId: $b, unit: $u, number: $n, note: \"住了三年\"}) {
                request { id status unit number } } }",
        json!({ "c": community, "b": b, "u": unit, "n": number }),
    )
    .await
}

async fn decide(app: &TestApp, token: &str, mutation: &str, id: &Value, reason: Option<&str>) -> Value {
    let (input, decl) = match reason {
        Some(_) => ("{requestId: $id, reason: $r}", ", $r: String!"),
        None => ("{requestId: $id}", ""),
    };
    let q = format!("mutation($id: ID!{decl}) {{ {mutation}(input: {input}) {{ request {{ status reason }} }} }}");
    app.gql(Some(token), &q, json!({ "id": id, "r": reason })).await
}

/// A person signs up, asks for 桃园社区 1号楼 flat 1-101, sees nothing of
/// the community while pending, is approved by the building head, logs in
/// again as a resident and votes.
async fn a_person_signs_up_is_verified_and_votes(app: TestApp) {
    let a = Actors::login(&app).await;
    let project = deliberating(&app, &a, "楼道扶手").await;
    let peach = app.peach_garden().await;

    let r = sign_up(&app, "han-mei", json!({ "phone": "13900000001" })).await;
    assert_eq!(r["data"]["signUp"]["session"]["viewer"]["role"], "PERSON", "{r}");
    assert!(r["data"]["signUp"]["joinRequest"].is_null(), "{r}");
    let person = r["data"]["signUp"]["session"]["accessToken"].as_str().unwrap().to_owned();

    // Pending or not, a person sees the public board only.
    let all = buildings(&app, &person).await;
    let (b1, b2) = (building(&all, PEACH, "1号楼"), building(&all, PEACH, "2号楼"));
    let willow = building(&all, "柳巷社区", "1号楼");
    let bad = request(&app, &person, &peach, &willow, None, None).await;
    assert_eq!((code(&bad), bad["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("buildingId")));
    let bad = request(&app, &person, &peach, &b1, Some("1"), Some("999")).await;
    assert_eq!((code(&bad), bad["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("number")));
    let r = request(&app, &person, &peach, &b1, Some("1"), Some("101")).await;
    let req = r["data"]["requestToJoin"]["request"].clone();
    assert_eq!((req["status"].as_str(), req["number"].as_str()), (Some("PENDING"), Some("101")), "{r}");
    // The register is not the applicant's to read: not even in its schema.
    let r = app.gql(Some(&person), "{ households(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let again = request(&app, &person, &peach, &b2, None, None).await;
    assert_eq!(code(&again), "CONFLICT", "one pending request per community: {again}");

    let seen = ok(
        &app,
        Some(&person),
        "query($p: ID!) { node(id: $p) { id }
            accounts(first: 10) { totalCount edges { node { username } } }
            services(first: 10) { totalCount }
            joinRequests(first: 10) { totalCount edges { node { status note } } } }",
        json!({ "p": project }),
    )
    .await;
    assert!(seen["node"].is_null(), "{seen}");
    assert_eq!(seen["accounts"]["totalCount"], 1, "only oneself: {seen}");
    // Projects and households are not in a person's schema (issue 24).
    for q in ["{ projects(first: 10) { totalCount } }", "{ households(first: 10) { totalCount } }"] {
        assert_eq!(code(&app.gql(Some(&person), q, json!({})).await), crate::common::HIDDEN, "{q}");
    }
    assert!(seen["services"]["totalCount"].as_i64().unwrap() > 0, "the catalogue is public: {seen}");
    assert_eq!(seen["joinRequests"]["totalCount"], 1, "{seen}");
    let r = vote(&app, &person, &project, "YES").await;
    assert!(r["errors"].is_array(), "a pending person cannot vote: {r}");

    // Residents cannot decide; the building head of 1号楼 can.
    let r = decide(&app, a.t("demo-resident"), "approveJoinRequest", &req["id"], None).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let counts = ok(
        &app,
        Some(a.t("demo-building-head")),
        "{ joinRequestCounts { status count } joinRequests(status: PENDING, first: 5) { edges { node { household { number } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(counts["joinRequestCounts"], json!([{ "status": "PENDING", "count": 1 }]));
    assert_eq!(counts["joinRequests"]["edges"][0]["node"]["household"]["number"], "101", "{counts}");
    let r = decide(&app, a.t("demo-building-head"), "approveJoinRequest", &req["id"], None).await;
    assert_eq!(r["data"]["approveJoinRequest"]["request"]["status"], "APPROVED", "{r}");
    let r = decide(&app, a.t("demo-building-head"), "rejectJoinRequest", &req["id"], Some("重复")).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "decided stays decided: {r}");

    let resident = app.token_with("han-mei", PASSWORD).await;
    let me = ok(&app, Some(&resident), "{ me { role community { name } } }", json!({})).await;
    assert_eq!(me["me"], json!({ "role": "RESIDENT", "community": { "name": PEACH } }));
    let mine = households(&app, &resident, "").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!((mine[0].1.as_str(), mine[0].3.as_str()), ("1号楼", "101"));
    let c = a.t("demo-committee");
    let r = open_voting(&app, c, &project).await;
    assert_eq!(r["data"]["openVoting"]["project"]["status"], "VOTING", "{r}");
    let r = vote(&app, &resident, &project, "YES").await;
    assert_eq!(r["data"]["castVote"]["project"]["viewerVote"], "YES", "{r}");
}

/// Rejection with a reason the person reads; a building head cannot see
/// or decide another building's requests; bad sign-ups change nothing.
async fn rejection_scope_and_bad_sign_ups(app: TestApp) {
    let a = Actors::login(&app).await;
    let peach = app.peach_garden().await;
    let all = buildings(&app, a.t("demo-resident")).await;
    let b2 = building(&all, PEACH, "2号楼");
    let r = sign_up(&app, "li-na", json!({ "join": { "communityId": peach, "buildingId": b2 } })).await;
    let person = r["data"]["signUp"]["session"]["accessToken"].as_str().unwrap().to_owned();
    let id = r["data"]["signUp"]["joinRequest"]["id"].clone();
    assert_eq!(r["data"]["signUp"]["joinRequest"]["status"], "PENDING", "{r}");

    let head = a.t("demo-building-head");
    let list = ok(&app, Some(head), "{ joinRequests(first: 10) { totalCount } }", json!({})).await;
    assert_eq!(list["joinRequests"]["totalCount"], 0, "another building's: {list}");
    assert_eq!(code(&decide(&app, head, "approveJoinRequest", &id, None).await), "NOT_FOUND");
    let committee = a.t("demo-committee");
    let r = decide(&app, committee, "rejectJoinRequest", &id, Some("  ")).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a reason is required: {r}");
    let r = decide(&app, committee, "rejectJoinRequest", &id, Some("查无此人，请到居委会核实")).await;
    assert_eq!(r["data"]["rejectJoinRequest"]["request"]["status"], "REJECTED", "{r}");
    let mine =
        ok(&app, Some(&person), "{ joinRequests(first: 5) { edges { node { status reason } } } }", json!({})).await;
    assert_eq!(
        mine["joinRequests"]["edges"][0]["node"],
        json!({ "status": "REJECTED", "reason": "查无此人，请到居委会核实" })
    );

    // Bad input: a clear code and field, and no account made.
    let before = app.audit_count().await;
    for (username, extra, field) in [
        ("demo-resident", json!({}), "username"),
        ("someone-new", json!({ "phone": "13800000001" }), "phone"),
        ("someone-new", json!({ "privacyNoticeVersion": "2020-01-01" }), "privacyNoticeVersion"),
        ("someone-new", json!({ "password": "password" }), "password"),
    ] {
        let r = sign_up(&app, username, extra).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{username}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
        assert!(r["data"].is_null() || r["data"]["signUp"].is_null(), "{r}");
    }
    assert_eq!(app.audit_count().await, before, "nothing was written");
}

/// An invitation code works once, and guessing is throttled.
async fn invitation_codes_work_once(app: TestApp) {
    let a = Actors::login(&app).await;
    let all = buildings(&app, a.t("demo-committee")).await;
    let b1 = building(&all, PEACH, "1号楼");
    let invite = "mutation($b: ID!) { createInvitation(input: {buildingId: $b, expiresInHours: 24}) { code invitation { expiresAt usedAt } } }";
    let r = app.gql(Some(a.t("demo-resident")), invite, json!({ "b": b1 })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let willow = building(&all, "柳巷社区", "1号楼");
    let r = app.gql(Some(a.t("demo-committee")), invite, json!({ "b": willow })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "another community's building: {r}");
    let d = ok(&app, Some(a.t("demo-committee")), invite, json!({ "b": b1 })).await;
    let code_text = d["createInvitation"]["code"].as_str().unwrap().to_owned();

    // Typed in lower case with spaces, it still works.
    let typed = code_text.to_lowercase().replace('-', " ");
    let r = sign_up(&app, "invited-one", json!({ "invitationCode": typed })).await;
    assert_eq!(
        r["data"]["signUp"]["session"]["viewer"],
        json!({ "role": "RESIDENT", "community": { "name": PEACH } }),
        "{r}"
    );
    let r = sign_up(&app, "invited-two", json!({ "invitationCode": code_text })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("already been used"), "{r}");
    // The refused sign-up made no account: the name is still free.
    let r = sign_up(&app, "invited-two", json!({})).await;
    assert_eq!(r["data"]["signUp"]["session"]["viewer"]["role"], "PERSON", "{r}");
    let listed =
        ok(&app, Some(a.t("demo-committee")), "{ invitations(first: 5) { edges { node { usedAt } } } }", json!({}))
            .await;
    assert!(listed["invitations"]["edges"][0]["node"]["usedAt"].is_string(), "{listed}");

    // Guessing: wrong codes are refused alike, then the address is locked.
    let mut answers = Vec::new();
    for i in 0..6 {
        let r = sign_up(&app, &format!("guesser-{i}"), json!({ "invitationCode": "ABCDEF-0123456789" })).await;
        answers.push(code(&r).to_owned());
    }
    assert_eq!(answers[0], "BAD_USER_INPUT", "{answers:?}");
    assert_eq!(answers.last().map(String::as_str), Some("RATE_LIMITED"), "{answers:?}");
}

/// Moving out: the committee ends a resident's membership; the person keeps
/// the account and acts as PERSON; another community's committee cannot.
async fn moving_out_keeps_the_account(app: TestApp) {
    let a = Actors::login(&app).await;
    let memberships = ok(
        &app,
        Some(a.t("demo-resident")),
        "{ me { account { memberships(first: 5) { edges { node { id role } } } } } }",
        json!({}),
    )
    .await;
    let m = memberships["me"]["account"]["memberships"]["edges"][0]["node"]["id"].clone();
    let end = "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { role } } }";
    let r = app.gql(Some(a.t("demo-building-head")), end, json!({ "m": m })).await;
    assert!(matches!(code(&r), "FORBIDDEN" | "NOT_FOUND" | "GRAPHQL_VALIDATION_FAILED"), "{r}");
    let r = app.gql(Some(a.t("demo-committee")), end, json!({ "m": m })).await;
    assert_eq!(r["data"]["removeMembership"]["membership"]["role"], "RESIDENT", "{r}");
    let r = app.gql(Some(a.t("demo-resident")), "{ me { role } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "the old token ends at once: {r}");
    let person = app.token("demo-resident").await;
    let me = ok(&app, Some(&person), "{ me { role } }", json!({})).await;
    assert_eq!(me["me"]["role"], "PERSON");
    // A person has no household register in their schema any more.
    let r = app.gql(Some(&person), "{ households(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    // The flat they left has no contact now (they lived there alone).
    let flats = ok(
        &app,
        Some(a.t("demo-committee")),
        "{ households(first: 100) { edges { node { number building { name } contact { username } members { isContact } } } } }",
        json!({}),
    )
    .await;
    let left = flats["households"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["number"] == "101" && n["building"]["name"] == "1号楼")
        .unwrap()
        .clone();
    assert_eq!((left["contact"].clone(), left["members"].clone()), (Value::Null, json!([])), "{left}");
}

both!(
    a_person_signs_up_is_verified_and_votes,
    rejection_scope_and_bad_sign_ups,
    invitation_codes_work_once,
    moving_out_keeps_the_account
);
