//! A participatory budget round end to end with 20 residents' ballots.

use entity::enums::Role;
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

const BALLOT: &str = "mutation($r: ID!, $p: [ID!]!) { castBudgetBallot(input: {roundId: $r, projectIds: $p})
    { round { viewerSelection { budget project { title } } } } }";

async fn ballot(app: &TestApp, token: &str, round: &Value, projects: &[&Value]) -> Value {
    app.gql(Some(token), BALLOT, json!({ "r": round, "p": projects })).await
}

async fn participatory_round_end_to_end(app: TestApp) {
    let a = Actors::login(&app).await;
    let fund = create_fund(&app, &a, "1000000").await;
    // Four proposals of Peach Garden.
    let mut p = Vec::new();
    for title in ["P1 儿童游乐区", "P2 楼道照明", "P3 垃圾分类亭", "P4 休息座椅"] {
        let id = create_draft(&app, a.t("demo-resident"), title).await;
        step_ok(&app, a.t("demo-resident"), "submitProject", &id, "PROPOSED").await;
        p.push(id);
    }
    // Twenty residents: the two demo ones and eighteen more in building 1.
    let building = entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(app.region_id("桃园社区").await))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut voters = vec![a.t("demo-resident").to_owned(), a.t("demo-building-head").to_owned()];
    for i in 0..18 {
        let scope = api::accounts::service::ScopeInput { building_id: Some(building), ..Default::default() };
        voters.push(person(&app, &format!("voter-{i}"), Role::Resident, scope).await);
    }

    // The office opens the round: 100,000 fen reserved at once.
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($f: ID!, $c: ID!) { openBudgetRound(input: {fundId: $f, communityId: $c, title: \"2026 桃园微预算\",
                amount: \"100000\"}) { round { id status amount } } }",
            json!({ "f": fund, "c": app.peach_garden().await }),
        )
        .await;
    let round = r["data"]["openBudgetRound"]["round"]["id"].clone();
    assert_eq!(r["data"]["openBudgetRound"]["round"]["status"], "PREPARING", "{r}");
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!((&f["data"]["fund"]["reserved"], &f["data"]["fund"]["remaining"]), (&json!("100000"), &json!("900000")));

    // The committee builds the ballot.
    let add = "mutation($r: ID!, $p: ID!, $b: Money!) { addBudgetRoundProject(input: {roundId: $r, projectId: $p, budget: $b}) { round { ballot { budget } } } }";
    let r = app.gql(Some(a.t("demo-resident")), add, json!({ "r": round, "p": p[0], "b": "50000" })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    for (id, budget) in p.iter().zip(["50000", "40000", "30000", "20000"]) {
        let r = app.gql(Some(a.t("demo-committee")), add, json!({ "r": round, "p": id, "b": budget })).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    let r = app.gql(Some(a.t("demo-committee")), add, json!({ "r": round, "p": p[0], "b": "50000" })).await;
    assert_eq!(code(&r), "CONFLICT", "once per ballot: {r}");
    let r = ballot(&app, &voters[0], &round, &[&p[0]]).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "not open yet: {r}");
    let closes = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($r: ID!, $c: DateTime!) { startBudgetRoundVoting(input: {roundId: $r, closesAt: $c}) { round { status } } }",
            json!({ "r": round, "c": closes }),
        )
        .await;
    assert_eq!(r["data"]["startBudgetRoundVoting"]["round"]["status"], "VOTING", "{r}");

    // A ballot over the amount is refused; the committee, another
    // community's resident and the office may not vote.
    let audit_before = app.audit_count().await;
    let r = ballot(&app, &voters[0], &round, &[&p[0], &p[1], &p[2]]).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "120,000 > 100,000: {r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "projectIds");
    let r = ballot(&app, a.t("demo-committee"), &round, &[&p[0]]).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = ballot(&app, a.t("demo-resident-river"), &round, &[&p[0]]).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Twenty ballots. Counts: P1 12, P2 9, P3 9, P4 8.
    let sets: Vec<Vec<&Value>> = (0..20)
        .map(|i| match i {
            0..=3 => vec![&p[0], &p[2], &p[3]], // 100,000
            4 => vec![&p[0], &p[3]],
            5..=8 => vec![&p[0], &p[1]],
            9..=11 => vec![&p[0]],
            12..=16 => vec![&p[1], &p[2]],
            _ => vec![&p[3]],
        })
        .collect();
    // Voter 19 first chooses P2, then changes to P4.
    let r = ballot(&app, &voters[19], &round, &[&p[1]]).await;
    assert_eq!(r["data"]["castBudgetBallot"]["round"]["viewerSelection"][0]["budget"], "40000", "{r}");
    for (v, set) in voters.iter().zip(&sets) {
        let r = ballot(&app, v, &round, set).await;
        assert_eq!(
            r["data"]["castBudgetBallot"]["round"]["viewerSelection"].as_array().map(Vec::len),
            Some(set.len()),
            "{r}"
        );
    }
    assert_eq!(app.audit_count().await, audit_before, "ballots are secret: no audit rows");

    // While open: no counts, only one's own selection.
    let read = "query($r: ID!) { budgetRound(id: $r) { status ballotsCast fundedAmount viewerCanVote
        viewerSelection { project { title } }
        ballot { budget votes rank funded project { title } } } }";
    let r = app.gql(Some(&voters[19]), read, json!({ "r": round })).await;
    let open = &r["data"]["budgetRound"];
    assert_eq!(open["viewerSelection"], json!([{ "project": { "title": "P4 休息座椅" } }]), "{r}");
    assert_eq!(open["ballotsCast"], Value::Null);
    assert!(open["ballot"].as_array().unwrap().iter().all(|l| l["votes"].is_null()), "{r}");
    assert_eq!(open["viewerCanVote"], true);

    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($r: ID!) { closeBudgetRound(input: {roundId: $r}) { round { status } } }",
            json!({ "r": round }),
        )
        .await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($r: ID!) { closeBudgetRound(input: {roundId: $r}) { round { status ballotsCast fundedAmount } } }",
            json!({ "r": round }),
        )
        .await;
    assert_eq!(
        r["data"]["closeBudgetRound"]["round"],
        json!({ "status": "CLOSED", "ballotsCast": 20, "fundedAmount": "100000" }),
        "{r}"
    );

    // Hand-computed: P1 (12 votes) first; P2 and P3 tie at 9 and P3 costs
    // fewer fen, so P3 ranks second; 100,000 − 50,000 − 30,000 leaves 20,000:
    // P2 (40,000) no longer fits and is skipped; P4 (20,000) fits.
    let r = app.gql(Some(a.t("demo-resident")), read, json!({ "r": round })).await;
    let lines: Vec<_> = r["data"]["budgetRound"]["ballot"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["project"]["title"].as_str().unwrap().to_owned(),
                l["votes"].clone(),
                l["rank"].clone(),
                l["funded"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("P1 儿童游乐区".to_owned(), json!(12), json!(1), json!(true)),
            ("P3 垃圾分类亭".to_owned(), json!(9), json!(2), json!(true)),
            ("P2 楼道照明".to_owned(), json!(9), json!(3), json!(false)),
            ("P4 休息座椅".to_owned(), json!(8), json!(4), json!(true)),
        ],
        "{r}"
    );
    assert_eq!(r["data"]["budgetRound"]["viewerCanVote"], false);
    let r = ballot(&app, &voters[0], &round, &[&p[0]]).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "closed: {r}");

    // The allocations were made in the same transaction; the reserve is back.
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!(
        (&f["data"]["fund"]["allocated"], &f["data"]["fund"]["reserved"], &f["data"]["fund"]["remaining"]),
        (&json!("100000"), &json!("0"), &json!("900000")),
        "{f}"
    );
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "query($p: ID!) { projectFunding(projectId: $p) { allocated allocations { byBudgetRound } } }",
            json!({ "p": p[3] }),
        )
        .await;
    assert_eq!(
        r["data"]["projectFunding"],
        json!({ "allocated": "20000", "allocations": [{ "byBudgetRound": true }] })
    );
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;

    // The residents decided: the funded projects are APPROVED as the
    // round's decision (by the committee that closed it), the other stays.
    let read_project = "query($p: ID!) { project(id: $p) { status timeline { toStatus role reason } } }";
    for (i, want) in [(0, "APPROVED"), (1, "PROPOSED"), (2, "APPROVED"), (3, "APPROVED")] {
        let r = app.gql(Some(a.t("demo-resident")), read_project, json!({ "p": p[i] })).await;
        assert_eq!(r["data"]["project"]["status"], want, "{r}");
        if want == "APPROVED" {
            let last = r["data"]["project"]["timeline"].as_array().unwrap().last().unwrap().clone();
            assert_eq!((&last["toStatus"], &last["role"]), (&json!("APPROVED"), &json!("COMMUNITY_COMMITTEE")), "{r}");
            assert!(last["reason"].as_str().unwrap().contains("2026"), "the round is named: {r}");
        }
    }
    // Ready to start, no second vote; done only with its tasks done or explained.
    crate::funds::add_participant(&app, &a, &p[0], crate::funds::PROPERTY, "LEAD").await;
    step_ok(&app, a.t("demo-property"), "startProject", &p[0], "IN_PROGRESS").await;
    let property_org = crate::projects::organisation_id(&app, a.t("demo-admin"), crate::funds::PROPERTY).await;
    let t = app.gql(Some(a.t("demo-property")), "mutation($p: ID!, $o: ID!) { createProjectTask(input: {projectId: $p, title: \"安装滑梯\", assigneeOrganisationId: $o}) { task { id } } }", json!({ "p": p[0], "o": property_org })).await;
    assert!(t["errors"].is_null(), "{t}");
    let complete =
        "mutation($p: ID!, $r: String) { completeProject(input: {projectId: $p, reason: $r}) { project { status } } }";
    let audit = app.audit_count().await;
    let r = app.gql(Some(a.t("demo-property")), complete, json!({ "p": p[0] })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("reason")), "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains('1'), "{r}");
    assert_eq!(app.audit_count().await, audit);
    let r = app.gql(Some(a.t("demo-property")), complete, json!({ "p": p[0], "r": "滑梯改由街道统一采购" })).await;
    assert_eq!(r["data"]["completeProject"]["project"]["status"], "COMPLETED", "{r}");
}

/// A round cannot reserve more than the fund has left; cancelling returns
/// the reserve.
async fn rounds_reserve_and_cancel(app: TestApp) {
    let a = Actors::login(&app).await;
    let fund = create_fund(&app, &a, "100000").await;
    let open = "mutation($f: ID!, $c: ID!, $m: Money!) { openBudgetRound(input: {fundId: $f, communityId: $c,
        title: \"微预算\", amount: $m}) { round { id } } }";
    let peach = app.peach_garden().await;
    let r = app.gql(Some(a.t("demo-office")), open, json!({ "f": fund, "c": peach, "m": "100001" })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "100000", "{r}");
    let river = region(&app, "河湾社区").await;
    let r = app.gql(Some(a.t("demo-office")), open, json!({ "f": fund, "c": river, "m": "100" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "outside the fund's region: {r}");
    let r = app.gql(Some(a.t("demo-committee")), open, json!({ "f": fund, "c": peach, "m": "100" })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = app.gql(Some(a.t("demo-office")), open, json!({ "f": fund, "c": peach, "m": "60000" })).await;
    let round = r["data"]["openBudgetRound"]["round"]["id"].clone();
    let r = app.gql(Some(a.t("demo-office")), open, json!({ "f": fund, "c": peach, "m": "50000" })).await;
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "40000", "{r}");
    let cancel = "mutation($r: ID!) { cancelBudgetRound(input: {roundId: $r}) { round { status } } }";
    let r = app.gql(Some(a.t("demo-committee")), cancel, json!({ "r": round })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = app.gql(Some(a.t("demo-office")), cancel, json!({ "r": round })).await;
    assert_eq!(r["data"]["cancelBudgetRound"]["round"]["status"], "CANCELLED", "{r}");
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!(f["data"]["fund"]["remaining"], "100000", "{f}");
    let r = app
        .gql(Some(a.t("demo-resident")), "{ budgetRounds { totalCount edges { node { status } } } }", json!({}))
        .await;
    assert_eq!(r["data"]["budgetRounds"]["totalCount"], 1, "{r}");
    let r = app.gql(Some(a.t("demo-resident-river")), "{ budgetRounds { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["budgetRounds"]["totalCount"], 0, "{r}");
    assert_ledger_agrees(&app).await;
}

both!(participatory_round_end_to_end, rounds_reserve_and_cancel);
