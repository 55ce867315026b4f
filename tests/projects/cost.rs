//! The cost of a nested query in SQL statements.

use serde_json::{Value, json};

use super::*;
use crate::common::TestApp;

/// The statements of [`DASHBOARD`], by level: the page of projects with its
/// count (1); then, per project, its community, proposer, participants,
/// first page of tasks, tally, the viewer's vote and latest updates (7);
/// then the organisations of participants, assignees and updates, which
/// share one loader (1). Without batching, 50 projects would cost 50
/// statements per relation.
const LEVELS: u64 = 9;

/// The README's dashboard query, over a community's first 50 projects.
const DASHBOARD: &str = "query($c: ID!) { projects(first: 50, filter: {communityId: $c}) { edges { node {
        title status community { name } proposer { displayName }
        participants { role organisation { name } }
        tasks(first: 10) { edges { node { title assignee { name } } } }
        tally { yes no abstain } viewerVote
        latestUpdates(count: 3) { body organisation { name } } } } } }";

/// Insert `n` more VOTING projects in 桃园社区 with two participants, two
/// tasks and five updates each.
async fn add_projects(app: &TestApp, committee: &str, n: usize) {
    use chrono::Utc;
    use entity::enums::{ParticipationRole, ProjectCategory, ProjectStatus, TaskStatus};
    use entity::{project, project_participant, project_task, project_update};
    use sea_orm::{ActiveModelTrait, NotSet, Set};
    let ngo = organisation_id(app, committee, "阳光社工服务中心").await;
    let property = organisation_id(app, committee, "安居物业").await;
    let decode = |id: &Value| api::graphql::ids::decode(&async_graphql_id(id)).unwrap().1;
    let (ngo, property) = (decode(&ngo), decode(&property));
    let community = app.region_id("桃园社区").await;
    let proposer = app.account_id("demo-resident").await;
    let author = app.account_id("demo-property").await;
    let db = app.db.write.clone();
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

async fn nested_project_query_costs_fixed_statements(app: TestApp) {
    let a = Actors::login(&app).await;
    set_rules(&app, &a, 20, 50, true).await;
    let committee = a.t("demo-committee").to_owned();
    let vars = json!({ "c": app.peach_garden().await });

    let query = DASHBOARD;
    let measure = || async {
        let before = app.db.statement_count();
        let r = app.gql(Some(&committee), query, vars.clone()).await;
        assert!(r["errors"].is_null(), "{r}");
        (app.db.statement_count() - before, r["data"]["projects"]["edges"].as_array().unwrap().len())
    };
    add_projects(&app, &committee, 5).await;
    let (few, n_few) = measure().await;
    add_projects(&app, &committee, 45).await;
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
    assert_eq!((few, many), (LEVELS, LEVELS), "statements for 5 and for 50 projects");
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

/// A detail screen's lookup reads the project and its proposer in one
/// statement (the proposer joined, primed into the account loader), the
/// proposer's name right and its password hash never read; without the
/// proposer it is the same one statement. The join keeps the project's
/// visibility: another community's resident gets NOT_FOUND and no name,
/// and so does the committee for someone else's draft. The least of three
/// runs, so a background sweep cannot add.
async fn a_lookup_reads_its_proposer_in_the_same_statement(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "一条语句").await;
    let draft = create_draft(&app, a.t("demo-resident"), "还是草稿").await;
    let cost = |token: &str, q: &'static str, id: &Value| {
        let (app, token, id) = (&app, token.to_owned(), id.clone());
        async move {
            let mut fewest = (u64::MAX, Value::Null);
            for _ in 0..3 {
                let before = app.db.statement_count();
                let r = app.gql(Some(&token), q, json!({ "id": id })).await;
                let n = app.db.statement_count() - before;
                if n < fewest.0 {
                    fewest = (n, r);
                }
            }
            fewest
        }
    };
    let with = "query($id: ID!) { project(id: $id) { title proposer { username displayName } } }";
    let (n, r) = cost(a.t("demo-committee"), with, &id).await;
    assert_eq!(r["data"]["project"]["proposer"]["username"], "demo-resident", "{r}");
    assert_eq!(r["data"]["project"]["title"], "一条语句", "{r}");
    assert_eq!(n, 1, "the project and its proposer: {r}");
    let (n, r) = cost(a.t("demo-committee"), "query($id: ID!) { project(id: $id) { title } }", &id).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(n, 1);
    for (token, project) in [(a.t("demo-resident-river"), &id), (a.t("demo-committee"), &draft)] {
        let (_, r) = cost(token, with, project).await;
        assert_eq!(crate::common::code(&r), "NOT_FOUND", "{r}");
        assert!(!r.to_string().contains("demo-resident"), "no proposer leaks: {r}");
    }
    // The proposer herself reads her draft, with her name.
    let (n, r) = cost(a.t("demo-resident"), with, &draft).await;
    assert_eq!((n, &r["data"]["project"]["proposer"]["username"]), (1, &json!("demo-resident")), "{r}");
}

crate::both!(a_lookup_reads_its_proposer_in_the_same_statement);

crate::both!(nested_project_query_costs_fixed_statements);

/// The dashboard's statements counted by PostgreSQL itself, with the
/// server's own batching (no test settings): the same count for 5 and for
/// 50 projects, for every request alone, and for 16 at once. PostgreSQL
/// only: the count is the database's (pg_stat_statements).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_statements_counted_by_postgres() {
    let app = TestApp::spawn_counted().await;
    let a = Actors::login(&app).await;
    set_rules(&app, &a, 20, 50, true).await;
    let committee = a.t("demo-committee").to_owned();
    let vars = json!({ "c": app.peach_garden().await });
    let run = || async {
        let r = app.gql(Some(&committee), DASHBOARD, vars.clone()).await;
        assert!(r["errors"].is_null(), "{r}");
        r["data"]["projects"]["edges"].as_array().map_or(0, Vec::len)
    };
    for (add, total) in [(5, 5), (45, 50)] {
        add_projects(&app, &committee, add).await;
        for _ in 0..3 {
            let (cost, size) = app.pg_statements_during(run).await;
            assert_eq!(size, total);
            assert_eq!(cost, LEVELS, "one request over {total} projects");
        }
        let (cost, sizes) = app.pg_statements_during(|| futures_util::future::join_all((0..16).map(|_| run()))).await;
        assert_eq!(sizes, vec![total; 16]);
        assert_eq!(cost, 16 * LEVELS, "16 concurrent requests over {total} projects");
    }
}
