//! The cost of a nested query in SQL statements.

use serde_json::{Value, json};

use super::*;
use crate::common::TestApp;

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
    // `tasks(first:)` is cut in SQL per project; the page, its count and
    // the next page past its cursor agree with the two tasks each has.
    let page = |after: Value| {
        let (app, committee, vars) = (&app, &committee, vars.clone());
        async move {
            let q = "query($c: ID!, $a: String) { projects(first: 1, filter: {communityId: $c}) { edges { node {
                tasks(first: 1, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { title } } } } } } }";
            let mut v = vars;
            v["a"] = after;
            let r = app.gql(Some(committee), q, v).await;
            r["data"]["projects"]["edges"][0]["node"]["tasks"].clone()
        }
    };
    let one = page(Value::Null).await;
    assert_eq!((&one["totalCount"], &one["pageInfo"]["hasNextPage"]), (&json!(2), &json!(true)), "{one}");
    assert_eq!(one["edges"].as_array().map(Vec::len), Some(1), "{one}");
    let two = page(one["pageInfo"]["endCursor"].clone()).await;
    assert_eq!((&two["totalCount"], &two["pageInfo"]["hasNextPage"]), (&json!(2), &json!(false)), "{two}");
    assert_ne!(two["edges"][0]["node"]["title"], one["edges"][0]["node"]["title"], "{two}");
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

/// In a query, a row loaded once is kept for the rest of the request: the
/// author of a comment (two levels below) who is also the proposer (loaded
/// first) costs no second statement. The least of three runs, so a
/// background sweep cannot add.
async fn a_query_loads_a_row_once(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "只读一次").await;
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"我来说两句\"}) { comment { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let cost = |q: &'static str| {
        let (app, token, id) = (&app, a.t("demo-committee").to_owned(), id.clone());
        async move {
            let mut fewest = u64::MAX;
            for _ in 0..3 {
                let before = app.db.statement_count();
                let r = app.gql(Some(&token), q, json!({ "id": id })).await;
                assert!(r["errors"].is_null(), "{r}");
                fewest = fewest.min(app.db.statement_count() - before);
            }
            fewest
        }
    };
    let without = cost(
        "query($id: ID!) { project(id: $id) { proposer { displayName } comments(first: 5) { edges { node { body } } } } }",
    )
    .await;
    let with = cost(
        "query($id: ID!) { project(id: $id) { proposer { displayName }
            comments(first: 5) { edges { node { body author { displayName } } } } } }",
    )
    .await;
    assert_eq!(with, without, "the author was loaded as the proposer");
}

crate::both!(a_query_loads_a_row_once);

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
