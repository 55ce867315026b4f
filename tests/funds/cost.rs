//! The funds list, with allocations, projects and their funding nested,
//! costs a number of SQL statements independent of the number of funds.

use serde_json::json;

use super::*;
use crate::common::TestApp;

async fn nested_funds_query_costs_fixed_statements(app: TestApp) {
    let a = Actors::login(&app).await;
    let projects = [approved_project(&app, &a, "甲").await, approved_project(&app, &a, "乙").await];
    for p in &projects {
        add_participant(&app, &a, p, NGO, "LEAD").await;
    }
    let add_funds = |n: usize| {
        let (app, a, projects) = (&app, &a, &projects);
        async move {
            for _ in 0..n {
                let fund = create_fund(app, a, "1000000").await;
                for p in projects {
                    let r = allocate(app, a.t("demo-office"), &fund, p, "1000").await;
                    let alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
                    let r = record(app, a.t("demo-ngo"), &alloc, "10").await;
                    assert!(r["errors"].is_null(), "{r}");
                }
            }
        }
    };
    let query = "{ funds(first: 50) { edges { node { name spent remaining region { name } owner { name }
        allocations(first: 10) { edges { node { amount remaining fund { name }
            project { title funding { spent expenditures { amount payeeName } } } } } } } } } }";
    let measure = || async {
        let before = app.db.statement_count();
        let r = app.gql(Some(a.t("demo-office")), query, json!({})).await;
        assert!(r["errors"].is_null(), "{r}");
        (app.db.statement_count() - before, r["data"]["funds"]["edges"].as_array().unwrap().len())
    };
    add_funds(2).await;
    let (few, n_few) = measure().await;
    add_funds(10).await;
    let (many, n_many) = measure().await;
    assert_eq!((n_few, n_many), (2, 12));
    println!("statements for 2 funds: {few}, for 12 funds: {many}");
    // funds, regions, organisations, allocations, their funds, projects,
    // the projects' allocations, expenditures: 8 relations. The bound adds
    // a margin of 2; without loaders 12 funds would cost 24+ per level.
    const BOUND: u64 = 10;
    assert!(few <= BOUND && many <= BOUND, "2 funds: {few}, 12 funds: {many} statements");
}

/// With a batch window that a loaded test machine cannot outrun.
mod nested_funds_query_costs_fixed_statements {
    fn patient(c: &mut api::Config) {
        c.loader_window_us = 50_000;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Sqlite, patient).await;
        super::nested_funds_query_costs_fixed_statements(app).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = crate::common::TestApp::spawn_with(crate::common::Engine::Postgres, patient).await;
        super::nested_funds_query_costs_fixed_statements(app).await;
    }
}
