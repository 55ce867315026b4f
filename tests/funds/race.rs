//! 100 concurrent requests that together exceed a balance: exactly as many
//! succeed as fit, every other one gets CONFLICT and changes nothing, and
//! the ledger agrees afterwards. On both engines.

use futures_util::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use super::*;
use crate::both;
use crate::common::{TestApp, code};

const REQUESTS: usize = 100;

async fn concurrent_expenditures_never_exceed_the_allocation(app: TestApp) {
    let a = Actors::login(&app).await;
    let project = approved_project(&app, &a, "健身器材").await;
    add_participant(&app, &a, &project, NGO, "LEAD").await;
    let fund = create_fund(&app, &a, "5000000").await;
    let r = allocate(&app, a.t("demo-office"), &fund, &project, "1000000").await;
    let alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
    let audit_before = app.audit_count().await;
    let ledger_before = entity::fund_ledger::Entity::find().count(&app.db.read).await.unwrap();

    // 100 × 30,000 fen against 1,000,000: 33 fit (990,000).
    let results = join_all((0..REQUESTS).map(|_| record(&app, a.t("demo-ngo"), &alloc, "30000"))).await;
    let ok = results.iter().filter(|r| r["data"]["recordExpenditure"]["expenditure"]["status"] == "PENDING").count();
    let refused: Vec<_> = results.iter().filter(|r| !r["errors"].is_null()).collect();
    assert_eq!(ok, 33, "{:?}", refused.first());
    assert_eq!(refused.len(), REQUESTS - 33);
    for r in &refused {
        assert_eq!(code(r), "CONFLICT", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["remaining"], "10000", "{r}");
        assert!(r["data"].is_null() || r["data"]["recordExpenditure"].is_null(), "{r}");
    }
    // Each refused request changed nothing: one row of each kind per success.
    let xs = entity::fund_expenditure::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(xs, 33);
    assert_eq!(entity::fund_ledger::Entity::find().count(&app.db.read).await.unwrap(), ledger_before + 33);
    assert_eq!(app.audit_count().await, audit_before + 33);
    assert_ledger_agrees(&app).await;

    // Approving them all concurrently keeps pending + spent within the allocation.
    let ids: Vec<_> = results
        .iter()
        .map(|r| r["data"]["recordExpenditure"]["expenditure"]["id"].clone())
        .filter(|x| x.is_string())
        .collect();
    let approvals = join_all(ids.iter().map(|x| decide(&app, a.t("demo-office"), "approveExpenditure", x, None))).await;
    assert!(approvals.iter().all(|r| r["errors"].is_null()), "{:?}", approvals.iter().find(|r| !r["errors"].is_null()));
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!((&f["data"]["fund"]["spent"], &f["data"]["fund"]["pending"]), (&json!("990000"), &json!("0")), "{f}");
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;
}

async fn concurrent_allocations_never_exceed_the_fund(app: TestApp) {
    let a = Actors::login(&app).await;
    let mut projects = Vec::new();
    for i in 0..4 {
        projects.push(approved_project(&app, &a, &format!("项目{i}")).await);
    }
    let fund = create_fund(&app, &a, "1000000").await;
    let audit_before = app.audit_count().await;

    // 100 × 25,000 fen over four projects against 1,000,000: 40 fit.
    let results =
        join_all((0..REQUESTS).map(|i| allocate(&app, a.t("demo-office"), &fund, &projects[i % 4], "25000"))).await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 40, "{:?}", results.iter().find(|r| !r["errors"].is_null() && code(r) != "CONFLICT"));
    for r in results.iter().filter(|r| !r["errors"].is_null()) {
        assert_eq!(code(r), "CONFLICT", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["balance"], "FUND", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["remaining"], "0", "{r}");
    }
    assert_eq!(app.audit_count().await, audit_before + 40);
    // One allocation per project, however many requests raced to create it.
    let allocations = entity::fund_allocation::Entity::find().all(&app.db.read).await.unwrap();
    assert_eq!(allocations.len(), 4);
    assert_eq!(allocations.iter().map(|x| x.amount_fen).sum::<i64>(), 1_000_000);
    let f = read_fund(&app, a.t("demo-office"), &fund).await;
    assert_eq!((&f["data"]["fund"]["allocated"], &f["data"]["fund"]["remaining"]), (&json!("1000000"), &json!("0")));
    assert_ledger_agrees(&app).await;
    assert_api_agrees(&app, &a, &fund).await;
}

both!(concurrent_expenditures_never_exceed_the_allocation, concurrent_allocations_never_exceed_the_fund);
