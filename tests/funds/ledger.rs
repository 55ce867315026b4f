//! The money path end to end: fund → allocation → expenditure → approval,
//! balances checked against the ledger at each step; who reads what.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn office_allocates_implementer_spends_office_approves(app: TestApp) {
    let a = Actors::login(&app).await;
    let project = approved_project(&app, &a, "楼道扶手").await;
    add_participant(&app, &a, &project, NGO, "IMPLEMENTER").await;
    let fund = create_fund(&app, &a, "1000000").await;
    assert_ledger_agrees(&app).await;

    let before = app.audit_count().await;
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "300000").await;
    let alloc = &r["data"]["allocateFunds"]["allocation"];
    assert_eq!(alloc["amount"], "300000", "{r}");
    assert_eq!(alloc["remaining"], "300000", "{r}");
    let alloc = alloc["id"].clone();
    assert_eq!(app.audit_count().await, before + 1, "one audit row per write");
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;

    // The implementer records two expenditures; the office approves one and rejects the other.
    let r = record(&app, a.t("demo-ngo"), &alloc, "120000").await;
    assert_eq!(r["data"]["recordExpenditure"]["expenditure"]["status"], "PENDING", "{r}");
    let x1 = r["data"]["recordExpenditure"]["expenditure"]["id"].clone();
    let r = app
        .gql(
            Some(a.t("demo-ngo")),
            RECORD,
            json!({ "a": alloc, "m": "50000", "n": "安居建材有限公司", "t": "BUSINESS" }),
        )
        .await;
    let x2 = r["data"]["recordExpenditure"]["expenditure"]["id"].clone();
    assert_ledger_agrees(&app).await;
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!(f["data"]["fund"]["pending"], "170000", "{f}");

    // A resident sees neither pending expenditure yet.
    let funding = "query($p: ID!) { project(id: $p) { funding { allocated pending spent remaining
        allocations { amount fund { name } }
        expenditures { amount spentOn payeeName payeeType description receiptRef status } } } }";
    let r = app.gql(Some(a.t("demo-resident")), funding, json!({ "p": project })).await;
    assert_eq!(r["data"]["project"]["funding"]["allocated"], "300000", "{r}");
    assert_eq!(r["data"]["project"]["funding"]["expenditures"], json!([]), "{r}");

    let r = decide(&app, a.t("demo-office"), "approveExpenditure", &x1, None).await;
    assert_eq!(r["data"]["approveExpenditure"]["expenditure"]["status"], "APPROVED", "{r}");
    let r = decide(&app, a.t("demo-office"), "rejectExpenditure", &x2, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a rejection needs a reason: {r}");
    let r = decide(&app, a.t("demo-office"), "rejectExpenditure", &x2, Some("发票不合规")).await;
    assert_eq!(r["data"]["rejectExpenditure"]["expenditure"]["status"], "REJECTED", "{r}");
    let r = decide(&app, a.t("demo-office"), "approveExpenditure", &x2, None).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a decided expenditure stays decided: {r}");
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!(
        f["data"]["fund"],
        json!({ "id": fund, "status": "OPEN", "total": "1000000", "allocated": "300000",
        "reserved": "0", "pending": "0", "spent": "120000", "remaining": "700000" })
    );

    // The resident of the community reads the project's spending: the
    // approved expenditure, without the name of the person paid.
    let r = app.gql(Some(a.t("demo-resident")), funding, json!({ "p": project })).await;
    let money = &r["data"]["project"]["funding"];
    assert_eq!(
        (&money["allocated"], &money["pending"], &money["spent"], &money["remaining"]),
        (&json!("300000"), &json!("0"), &json!("120000"), &json!("180000")),
        "{r}"
    );
    assert_eq!(
        money["expenditures"],
        json!([{ "amount": "120000", "spentOn": "2026-11-20", "payeeName": null, "payeeType": "PERSON",
            "description": "扶手材料与安装", "receiptRef": "FP-2026-0042", "status": "APPROVED" }]),
        "{r}"
    );
    assert_eq!(money["allocations"][0]["fund"]["name"], "2026年东湖街道社区治理专项资金");
    // The office sees the name.
    let r = app.gql(Some(a.t("demo-office")), funding, json!({ "p": project })).await;
    let names: Vec<_> = r["data"]["project"]["funding"]["expenditures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["payeeName"].clone())
        .collect();
    assert_eq!(names, [json!("王师傅"), json!("安居建材有限公司")], "{r}");

    // The ledger: newest first, with balances after each change.
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "query($f: ID!) { fund(id: $f) { ledger(first: 10) { totalCount edges { node { kind amount
                allocatedDelta pendingDelta spentDelta fundAllocated fundPending fundSpent allocationAmount } } } } }",
            json!({ "f": fund }),
        )
        .await;
    let kinds: Vec<_> = r["data"]["fund"]["ledger"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "EXPENDITURE_REJECTED",
            "EXPENDITURE_APPROVED",
            "EXPENDITURE_RECORDED",
            "EXPENDITURE_RECORDED",
            "ALLOCATION_MADE"
        ],
        "{r}"
    );
    let approved = &r["data"]["fund"]["ledger"]["edges"][1]["node"];
    assert_eq!(
        (&approved["pendingDelta"], &approved["spentDelta"], &approved["fundSpent"]),
        (&json!("-120000"), &json!("120000"), &json!("120000"))
    );

    // Reductions stop at what is pending or spent; withdrawing goes down to it.
    let change = "mutation($a: ID!, $m: Money!) { changeAllocation(input: {allocationId: $a, amount: $m}) { allocation { amount } } }";
    let before = app.audit_count().await;
    let r = app.gql(Some(a.t("demo-office")), change, json!({ "a": alloc, "m": "100000" })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "180000", "{r}");
    assert_eq!(app.audit_count().await, before, "a refused change writes nothing");
    let r = app.gql(Some(a.t("demo-office")), change, json!({ "a": alloc, "m": "200000" })).await;
    assert_eq!(r["data"]["changeAllocation"]["allocation"]["amount"], "200000", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($a: ID!) { withdrawAllocation(input: {allocationId: $a}) { allocation { amount remaining } } }",
            json!({ "a": alloc }),
        )
        .await;
    assert_eq!(r["data"]["withdrawAllocation"]["allocation"], json!({ "amount": "120000", "remaining": "0" }), "{r}");
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;

    // A resident of another community: NOT_FOUND for the project and its funding.
    let r = app.gql(Some(a.t("demo-resident-river")), funding, json!({ "p": project })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident-river")),
            "query($p: ID!) { projectFunding(projectId: $p) { spent } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // The ledger is append-only in the database itself.
    use sea_orm::ConnectionTrait;
    for sql in ["UPDATE fund_ledger SET amount_fen = 0", "DELETE FROM fund_ledger"] {
        assert!(app.db.write.execute_unprepared(sql).await.is_err(), "{sql} must be refused");
    }
    assert_ledger_agrees(&app).await;

    // Residents see the fund (public money) but not its ledger, which is
    // not even in their schema (issue 24).
    let r =
        app.gql(Some(a.t("demo-resident")), "query($f: ID!) { fund(id: $f) { spent } }", json!({ "f": fund })).await;
    assert_eq!(r["data"]["fund"], json!({ "spent": "120000" }), "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "query($f: ID!) { fund(id: $f) { ledger { totalCount } } }",
            json!({ "f": fund }),
        )
        .await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

/// The district system (a machine client) reaches no fund, allocation,
/// expenditure, round or ledger entry by any path.
async fn district_systems_see_no_ledger(app: TestApp) {
    let a = Actors::login(&app).await;
    let project = approved_project(&app, &a, "路灯").await;
    let fund = create_fund(&app, &a, "500000").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "1000").await;
    let alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", api::seed::DEMO_CLIENT_ID),
        ("client_secret", api::seed::DEMO_CLIENT_SECRET),
    ];
    let resp = app.client.post(format!("{}/oauth/token", app.base)).form(&form).send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    // The fund's and the allocation's ids reach nothing through `node`.
    let r = app
        .gql(
            Some(&token),
            "query($f: ID!, $a: ID!) { f: node(id: $f) { id } a: node(id: $a) { id } }",
            json!({ "f": fund, "a": alloc }),
        )
        .await;
    assert_eq!(r["data"], json!({ "f": null, "a": null }), "{r}");
    // And the funds' fields are not in its schema at all (issue 24).
    for q in [
        "{ funds { totalCount } }",
        "{ budgetRounds { totalCount } }",
        "{ projects { totalCount } }",
        "query($x: ID!) { fund(id: $x) { id } }",
        "query($x: ID!) { projectFunding(projectId: $x) { spent } }",
    ] {
        let x = if q.contains("projectFunding") { &project } else { &fund };
        let vars = if q.contains("$x") { json!({ "x": x }) } else { json!({}) };
        let r = app.gql(Some(&token), q, vars).await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{q}: {r}");
    }
}

both!(office_allocates_implementer_spends_office_approves, district_systems_see_no_ledger);
