//! Refusals with clear codes, each changing nothing.

use entity::enums::Role;
use serde_json::json;

use super::*;
use crate::both;
use crate::common::{TestApp, code};

/// Audit rows and ledger rows, to show a refusal changed nothing.
async fn footprint(app: &TestApp) -> (u64, u64) {
    use sea_orm::PaginatorTrait;
    (app.audit_count().await, entity::fund_ledger::Entity::find().count(&app.db.read).await.unwrap())
}

async fn refusals_change_nothing(app: TestApp) {
    let a = Actors::login(&app).await;
    let project = approved_project(&app, &a, "楼道扶手").await;
    add_participant(&app, &a, &project, NGO, "IMPLEMENTER").await;
    add_participant(&app, &a, &project, PROPERTY, "SUPERVISOR").await;
    let fund = create_fund(&app, &a, "10000000000000").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "500000").await;
    let alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
    let r = record(&app, a.t("demo-ngo"), &alloc, "1000").await;
    let x = r["data"]["recordExpenditure"]["expenditure"]["id"].clone();
    let before = footprint(&app).await;

    // Who may not allocate: a resident (sees the fund), the NGO (sees it as a participant).
    for user in ["demo-resident", "demo-committee", "demo-ngo"] {
        let r = allocate(&app, a.t(user), &fund, &project, "1000").await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{user}: {r}");
    }
    // An office of another street does not see the fund at all.
    let west_street = app.region_id("西山街道").await;
    let west_office = api::directory::service::create_organisation(
        &app.db,
        &api::auth::Principal::system(),
        api::directory::service::NewOrganisation {
            name: "西山街道办事处".into(),
            kind: entity::enums::OrganisationKind::GovernmentOffice,
            region_id: west_street,
            service_area: vec![],
        },
    )
    .await
    .unwrap();
    let west = person(
        &app,
        "west-office",
        Role::GovernmentOffice,
        api::accounts::service::ScopeInput {
            region_id: Some(west_street),
            organisation_id: Some(west_office.id),
            ..Default::default()
        },
    )
    .await;
    let r = allocate(&app, &west, &fund, &project, "1000").await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Projects that may not receive money: a proposal (BAD_USER_INPUT), a
    // draft (the office cannot even see it: NOT_FOUND).
    let proposed = create_draft(&app, a.t("demo-resident"), "提案").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &proposed, "1000").await;
    assert_eq!(code(&r), "NOT_FOUND", "a draft is invisible to the office: {r}");
    step_ok(&app, a.t("demo-resident"), "submitProject", &proposed, "PROPOSED").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &proposed, "1000").await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "projectId", "{r}");

    // Amounts: zero, negative, beyond 64 bits, beyond the fund.
    for bad in [json!("0"), json!("-5"), json!(-5), json!("99999999999999999999"), json!("12.5"), json!(1.5)] {
        let r = app.gql(Some(a.t("demo-office")), ALLOCATE, json!({ "f": fund, "p": project, "a": bad })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{bad}: {r}");
        let r =
            app.gql(Some(a.t("demo-ngo")), RECORD, json!({ "a": alloc, "m": bad, "n": "王师傅", "t": "PERSON" })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{bad}: {r}");
    }
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "10000000000000").await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["balance"], "FUND", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "9999999500000", "{r}");

    // Who may not record an expenditure: a supervisor, an organisation not in
    // the project (it cannot see the allocation), the office, a resident.
    let r = record(&app, a.t("demo-property"), &alloc, "1000").await;
    assert_eq!(code(&r), "FORBIDDEN", "a supervisor does not spend: {r}");
    let other_project = approved_project(&app, &a, "另一个项目").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &other_project, "1000").await;
    let other_alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
    let r = record(&app, a.t("demo-ngo"), &other_alloc, "10").await;
    assert_eq!(code(&r), "NOT_FOUND", "not a participant: {r}");
    for user in ["demo-office", "demo-resident"] {
        let r = record(&app, a.t(user), &alloc, "10").await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{user}: {r}");
    }
    let r = record(&app, a.t("demo-ngo"), &alloc, "500000").await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["balance"], "ALLOCATION", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "499000", "{r}");

    // Deciding: not the NGO, not the resident.
    for user in ["demo-ngo", "demo-resident", "demo-committee"] {
        let r = decide(&app, a.t(user), "approveExpenditure", &x, None).await;
        assert!(["FORBIDDEN", "NOT_FOUND", crate::common::HIDDEN].contains(&code(&r)), "{user}: {r}");
    }
    let before_frozen = footprint(&app).await;
    assert_eq!(before_frozen.1, before.1 + 1, "only the other project's allocation was written");

    // Approving one's own expenditure: one person with an NGO and an office membership.
    let ngo_id = org_id(&app, NGO).await;
    let both_hats = person(
        &app,
        "two-hats",
        Role::SocialOrganization,
        api::accounts::service::ScopeInput { organisation_id: Some(ngo_id), ..Default::default() },
    )
    .await;
    let office_id = org_id(&app, "东湖街道办事处").await;
    let office_hat = membership_token(
        &app,
        app.account_id("two-hats").await,
        Role::GovernmentOffice,
        api::accounts::service::ScopeInput {
            region_id: Some(app.region_id("东湖街道").await),
            organisation_id: Some(office_id),
            ..Default::default()
        },
    )
    .await;
    let r = record(&app, &both_hats, &alloc, "2000").await;
    let own = r["data"]["recordExpenditure"]["expenditure"]["id"].clone();
    assert!(own.is_string(), "{r}");
    let r = decide(&app, &office_hat, "approveExpenditure", &own, None).await;
    assert_eq!(code(&r), "FORBIDDEN", "nobody approves their own expenditure: {r}");
    let r = decide(&app, a.t("demo-office"), "approveExpenditure", &own, None).await;
    assert_eq!(r["data"]["approveExpenditure"]["expenditure"]["status"], "APPROVED", "{r}");

    // A frozen fund takes no expenditure, no allocation, no approval; a
    // rejection still frees money.
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($f: ID!) { freezeFund(input: {fundId: $f, reason: \"审计\"}) { fund { status } } }",
            json!({ "f": fund }),
        )
        .await;
    assert_eq!(r["data"]["freezeFund"]["fund"]["status"], "FROZEN", "{r}");
    let frozen = footprint(&app).await;
    let r = record(&app, a.t("demo-ngo"), &alloc, "10").await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "10").await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = decide(&app, a.t("demo-office"), "approveExpenditure", &x, None).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(footprint(&app).await, frozen, "refusals on a frozen fund wrote nothing");
    let r = decide(&app, a.t("demo-office"), "rejectExpenditure", &x, Some("冻结期间撤回")).await;
    assert_eq!(r["data"]["rejectExpenditure"]["expenditure"]["status"], "REJECTED", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($f: ID!) { closeFund(input: {fundId: $f}) { fund { status } } }",
            json!({ "f": fund }),
        )
        .await;
    assert_eq!(r["data"]["closeFund"]["fund"]["status"], "CLOSED", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($f: ID!) { unfreezeFund(input: {fundId: $f}) { fund { status } } }",
            json!({ "f": fund }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "a closed fund stays closed: {r}");
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;
}

/// Funds are created by an office, for its own region or one under it.
async fn only_offices_create_funds_in_their_region(app: TestApp) {
    let a = Actors::login(&app).await;
    let q = "mutation($r: ID!) { createFund(input: {regionId: $r, fiscalYear: 2026, name: \"x\", purpose: \"y\", total: \"100\"}) { fund { id } } }";
    let east = region(&app, "东湖街道").await;
    for user in ["demo-resident", "demo-committee", "demo-ngo", "demo-property", "demo-admin"] {
        let r = app.gql(Some(a.t(user)), q, json!({ "r": east })).await;
        // Only offices are shown `createFund`; the admin, shown everything, is refused by the policy.
        let want = if user == "demo-admin" { "FORBIDDEN" } else { crate::common::HIDDEN };
        assert_eq!(code(&r), want, "{user}: {r}");
    }
    let r = app.gql(Some(a.t("demo-office")), q, json!({ "r": region(&app, "西山街道").await })).await;
    assert_eq!(code(&r), "FORBIDDEN", "another street: {r}");
    let r = app.gql(Some(a.t("demo-office")), q, json!({ "r": app.peach_garden().await })).await;
    assert!(r["data"]["createFund"]["fund"]["id"].is_string(), "a community under the street: {r}");
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($r: ID!) { createFund(input: {regionId: $r, fiscalYear: 1999, name: \"x\", purpose: \"y\", total: \"100\"}) { fund { id } } }",
            json!({ "r": east }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "fiscalYear", "{r}");
    // Filters of the list.
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "query($r: ID!) { all: funds { totalCount } mine: funds(filter: {regionId: $r, fiscalYear: 2026, status: [OPEN]}) { totalCount } none: funds(filter: {fiscalYear: 2025}) { totalCount } }",
            json!({ "r": app.peach_garden().await }),
        )
        .await;
    assert_eq!(
        r["data"],
        json!({ "all": { "totalCount": 1 }, "mine": { "totalCount": 1 }, "none": { "totalCount": 0 } }),
        "{r}"
    );
    // Residents of the covered community see it; a resident elsewhere does not.
    let r = app.gql(Some(a.t("demo-resident")), "{ funds { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["funds"]["totalCount"], 1, "{r}");
    let r = app.gql(Some(a.t("demo-resident-river")), "{ funds { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["funds"]["totalCount"], 0, "{r}");
}

both!(refusals_change_nothing, only_offices_create_funds_in_their_region);
