//! The dashboard benchmark of issue 13: Gongzhi against PostGraphile 4 on
//! the same PostgreSQL database and data, in alternating rounds.
//!
//! ```sh
//! # PostGraphile 4 from npm, once (optional: without --postgraphile only
//! # Gongzhi runs)
//! npm install --prefix target/peer postgraphile@4
//! cargo run --release --example peer_bench -- \
//!     --postgres postgres://postgres@127.0.0.1:5432 \
//!     --postgraphile target/peer/node_modules/.bin/postgraphile
//! ```
//!
//! The data: 桃园社区 of the demo with 50 projects being voted on (live
//! tally), each with two participants, eight tasks assigned to
//! organisations, six updates and the ballots of 32 residents. Both servers run as processes of their own
//! (Gongzhi is this program re-run with `serve`), so the server CPU (user
//! plus system time of the process and its children, from `/proc`) and RSS
//! are the server's alone; the clients run here. SQL statements per request
//! are counted by PostgreSQL (`pg_stat_statements`, which must be
//! preloaded; `.ci/run` does it), not by the servers.
//!
//! Workloads, each run by both servers in turn, `--rounds` times:
//! - `dashboard`: the README's dashboard query (50 projects with
//!   participants and organisations, `tasks(first: 10)` with assignees,
//!   tally, latest 3 updates, proposer) as the committee. The updates'
//!   organisations are left out: `project_updates.organisation_id` has no
//!   foreign key, so PostGraphile cannot follow it;
//! - `lookup`: one project by id with its proposer's name;
//! - `castVote`: a resident changes a ballot. PostGraphile's equivalent is
//!   its generated `updateVoteById`, which checks nothing; Gongzhi checks
//!   membership, status and voting window and keeps the tally.
//!
//! - `reports` (the committee's first 20 reports with category, building
//!   and timeline), `services` (a resident's catalogue with providers and
//!   sessions) and `funds` (the office's funds with region and owner), 16
//!   clients, Gongzhi alone: PostGraphile has no equivalent of their rules
//!   (who may see which report, fund or request).
//!
//! PostGraphile runs with `--cluster-workers 2` (one Node process per
//! core; Gongzhi's runtime has two worker threads) and without query logs.

// Release builds of a binary that links the whole schema need a deeper
// trait-query limit than the default 128 (async-graphql's nested futures
// grew with the per-kind `visible` functions, issue 24).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use api::Db;
use chrono::Utc;
use clap::{Parser, Subcommand};
use entity::enums::{ParticipationRole, ProjectCategory, ProjectStatus, Role, TaskStatus, VoteChoice};
use entity::{account, membership, project, project_participant, project_task, project_update, vote};
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    serve: Option<Serve>,
    /// PostgreSQL server URL, without a database: the run creates its own
    /// database and drops it at the end.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// The `postgraphile` executable of PostGraphile 4; without it only
    /// Gongzhi runs.
    #[arg(long)]
    postgraphile: Option<String>,
    /// Concurrent clients of the dashboard (lookup and castVote use 16).
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Seconds per round.
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Rounds per workload and server, alternating.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Connect both servers to PostgreSQL over its Unix socket in this
    /// directory (e.g. `/var/run/postgresql`) instead of TCP: the
    /// deployment the README recommends when the database is on the same
    /// host. Seeding and the statement counts still use `--postgres`.
    #[arg(long)]
    socket: Option<String>,
    /// Seconds to wait after the load before the last RSS reading.
    #[arg(long, default_value_t = 60)]
    settle: u64,
    /// Workloads to run (comma-separated): dashboard, lookup, castVote
    /// (both servers); reports, services, funds (Gongzhi alone).
    #[arg(long, default_value = "dashboard,lookup,castVote,reports,services,funds", value_delimiter = ',')]
    workloads: Vec<String>,
    /// Streaming standbys of `--postgres` (server URLs, comma-separated;
    /// `examples/pg-replicas start` prints them): a second Gongzhi server
    /// reads them, read-your-writes on, and runs every Gongzhi workload
    /// beside the first, which uses the primary alone.
    #[arg(long, value_delimiter = ',')]
    replicas: Vec<String>,
}

#[derive(Subcommand)]
enum Serve {
    /// Serve Gongzhi on `port` over `database_url` (run by the benchmark).
    Serve {
        database_url: String,
        port: u16,
        /// Standbys to read (database URLs).
        #[arg(long, value_delimiter = ',')]
        replicas: Vec<String>,
    },
}

const RESIDENTS: usize = 32;

const DASHBOARD: &str = "query($c: ID!) { projects(first: 50, filter: {communityId: $c}) { edges { node {
    title status community { name } proposer { displayName }
    participants { role organisation { name } }
    tasks(first: 10) { edges { node { title assignee { name } } } }
    tally { yes no abstain } viewerVote
    latestUpdates(count: 3) { body percentComplete } } } } }";

/// The same data from PostGraphile's generated schema. The tally is three
/// counts of ballots; the viewer's vote is the committee account's ballot.
const PEER_DASHBOARD: &str = "query($c: Int!, $me: Int!) {
  allProjects(first: 50, condition: {communityId: $c}, orderBy: ID_DESC) { nodes {
    title status regionByCommunityId { name } accountByProposerAccountId { displayName }
    projectParticipantsByProjectId { nodes { role organisationByOrganisationId { name } } }
    projectTasksByProjectId(first: 10, orderBy: ID_ASC) { nodes { title organisationByAssigneeOrganisationId { name } } }
    yes: votesByProjectId(condition: {choice: \"YES\"}) { totalCount }
    no: votesByProjectId(condition: {choice: \"NO\"}) { totalCount }
    abstain: votesByProjectId(condition: {choice: \"ABSTAIN\"}) { totalCount }
    mine: votesByProjectId(condition: {accountId: $me}) { nodes { choice } }
    projectUpdatesByProjectId(first: 3, orderBy: CREATED_AT_DESC) { nodes { body percentComplete } } } } }";

const LOOKUP: &str = "query($id: ID!) { project(id: $id) { title status budgetFen proposer { displayName } } }";
const PEER_LOOKUP: &str =
    "query($id: Int!) { projectById(id: $id) { title status budgetFen accountByProposerAccountId { displayName } } }";

const VOTE: &str =
    "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote } } }";
const PEER_VOTE: &str = "mutation($id: Int!, $c: String!) { updateVoteById(input: {id: $id, votePatch: {choice: $c}}) { vote { choice } } }";

const REPORTS: &str = "{ reports(first: 20) { totalCount edges { node { id status description dueAt
    category { name } building { name } timeline { toStatus at } } } } }";
const SERVICES: &str = "{ services(first: 20) { edges { node { id name schedule isFree
    organisation { name } sessions { id startsAt remaining } } } } }";
const FUNDS: &str = "{ funds(first: 20) { totalCount edges { node { id name status total allocated remaining
    region { name } owner { name } } } } }";

struct Data {
    community: i32,
    /// The street above it (the demo office's).
    street: i32,
    committee: i32,
    /// Projects of the community, for lookups.
    projects: Vec<i32>,
    /// The VOTING project the residents vote on.
    voting: i32,
    /// (username, vote id) of each bench resident.
    voters: Vec<(String, i32)>,
}

async fn seed(db: &Db) -> Data {
    db.migrate().await.unwrap();
    api::seed::seed_demo(db).await.unwrap();
    let now = Utc::now();
    let region = entity::region::Entity::find()
        .filter(entity::region::Column::Name.eq("桃园社区"))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap();
    let find_account = |name: &'static str| {
        let db = db.read.clone();
        async move { account::Entity::find().filter(account::Column::Username.eq(name)).one(&db).await.unwrap().unwrap().id }
    };
    let (proposer, committee) = (find_account("demo-resident").await, find_account("demo-committee").await);
    let orgs: Vec<i32> =
        entity::organisation::Entity::find().all(&db.read).await.unwrap().iter().map(|o| o.id).collect();
    let hash = api::auth::password::hash(support::BENCH_PASSWORD).await.unwrap();
    let building = entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(region.id))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut voters = Vec::new();
    for r in 0..RESIDENTS {
        let a = account::Entity::insert(account::ActiveModel {
            id: NotSet,
            username: Set(format!("peer-{r}")),
            display_name: Set(format!("居民{r}")),
            real_name: Set(None),
            phone: Set(None),
            password_hash: Set(hash.clone()),
            disabled: Set(false),
            created_at: Set(now),
            must_change_password: Set(false),
            disabled_reason: Set(None),
            privacy_notice_version: Set(None),
            privacy_accepted_at: Set(None),
            erased_at: Set(None),
            legal_hold_reason: Set(None),
            legal_hold_at: Set(None),
            phone_shared_with_building_head: Set(false),
        })
        .exec(&db.write)
        .await
        .unwrap()
        .last_insert_id;
        membership::Entity::insert(membership::ActiveModel {
            id: NotSet,
            account_id: Set(a),
            role: Set(Role::Resident),
            region_id: Set(Some(region.id)),
            building_id: Set(Some(building)),
            organisation_id: Set(None),
            household_id: Set(None),
            created_at: Set(now),
        })
        .exec(&db.write)
        .await
        .unwrap();
        voters.push((format!("peer-{r}"), a));
    }
    let mut projects = Vec::new();
    for i in 0..50 {
        let p = project::Entity::insert(project::ActiveModel {
            id: NotSet,
            community_id: Set(region.id),
            title: Set(format!("看板项目 {i}")),
            description: Set("基准测试项目".into()),
            category: Set(ProjectCategory::Facilities),
            // Every project is being voted on with a live tally, so that
            // Gongzhi counts ballots for each, as PostGraphile's query does.
            status: Set(ProjectStatus::Voting),
            proposer_account_id: Set(proposer),
            budget_fen: Set(100_000),
            planned_start: Set(None),
            planned_end: Set(None),
            building_id: Set(None),
            location_text: Set(None),
            voting_opened_at: Set(Some(now)),
            voting_closes_at: Set(Some(now + chrono::Duration::days(30))),
            voting_closed_at: Set(None),
            voting_live_tally: Set(Some(true)),
            tally_yes: Set(None),
            tally_no: Set(None),
            tally_abstain: Set(None),
            tally_eligible: Set(None),
            outcome: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&db.write)
        .await
        .unwrap()
        .last_insert_id;
        projects.push(p);
        let parts = [
            (orgs[i % orgs.len()], ParticipationRole::Lead),
            (orgs[(i + 1) % orgs.len()], ParticipationRole::Implementer),
        ];
        let parts: Vec<_> = parts
            .iter()
            .map(|&(o, role)| project_participant::ActiveModel {
                id: NotSet,
                project_id: Set(p),
                organisation_id: Set(o),
                role: Set(role),
                created_at: Set(now),
            })
            .collect();
        project_participant::Entity::insert_many(parts).exec(&db.write).await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|t| project_task::ActiveModel {
                id: NotSet,
                project_id: Set(p),
                title: Set(format!("任务 {t}")),
                assignee_organisation_id: Set(orgs[(i + t) % orgs.len()]),
                due_date: Set(None),
                status: Set(TaskStatus::Open),
                created_at: Set(now),
                completed_at: Set(None),
            })
            .collect();
        project_task::Entity::insert_many(tasks).exec(&db.write).await.unwrap();
        let updates: Vec<_> = (0..6)
            .map(|u| project_update::ActiveModel {
                id: NotSet,
                project_id: Set(p),
                organisation_id: Set(orgs[i % orgs.len()]),
                author_account_id: Set(proposer),
                body: Set(format!("进展 {u}")),
                percent_complete: Set(u * 15),
                created_at: Set(now + chrono::Duration::seconds(i64::from(u))),
            })
            .collect();
        project_update::Entity::insert_many(updates).exec(&db.write).await.unwrap();
        let ballots: Vec<_> = voters
            .iter()
            .enumerate()
            .map(|(r, (_, a))| vote::ActiveModel {
                id: NotSet,
                project_id: Set(p),
                account_id: Set(*a),
                choice: Set(if r % 3 == 0 { VoteChoice::No } else { VoteChoice::Yes }),
                cast_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        vote::Entity::insert_many(ballots).exec(&db.write).await.unwrap();
    }
    let voting = projects[0];
    let ballots = vote::Entity::find().filter(vote::Column::ProjectId.eq(voting)).all(&db.read).await.unwrap();
    let voters = voters.into_iter().map(|(u, a)| (u, ballots.iter().find(|b| b.account_id == a).unwrap().id)).collect();
    Data { community: region.id, street: region.parent_id.unwrap(), committee, projects, voting, voters }
}

/// A server process and its GraphQL endpoint.
struct Server {
    name: &'static str,
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_until_up(http: &reqwest::Client, url: &str) {
    for _ in 0..300 {
        let r = http.post(url).json(&json!({ "query": "{ __typename }" })).send().await;
        if r.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}

/// User plus system CPU seconds of `pid` and its descendants, and their
/// resident memory in MiB.
fn usage(pid: u32) -> (f64, f64) {
    let tick = 100.0; // USER_HZ on Linux
    let mut procs: Vec<(u32, u32, f64, f64)> = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // Fields after the command name, which is in parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // state ppid ... utime(11) stime(12) ... rss pages(21)
        let ppid = num(1) as u32;
        procs.push((p, ppid, (num(11) + num(12)) / tick, num(21) * 4096.0 / 1048576.0));
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(procs.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    procs.iter().filter(|p| tree.contains(&p.0)).fold((0.0, 0.0), |(c, r), p| (c + p.2, r + p.3))
}

/// Statements PostgreSQL ran in `db` (pg_stat_statements), if it counts.
async fn statements(admin: &sea_orm::DatabaseConnection, db: &str) -> Option<f64> {
    let row = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT COALESCE(SUM(calls), 0)::BIGINT FROM pg_stat_statements s
             JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1",
            [db.into()],
        ))
        .await
        .ok()??;
    row.try_get_by_index::<i64>(0).ok().map(|n| n as f64)
}

/// One request of a workload: body and the token to send it with.
type Next = Box<dyn Fn(u64) -> (Value, Option<String>) + Send + Sync>;

struct Round {
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    cpu_ms: f64,
    statements: Option<f64>,
    peak_rss: f64,
    errors: u64,
}

async fn round(
    http: &reqwest::Client,
    server: &Server,
    admin: &sea_orm::DatabaseConnection,
    db: &str,
    next: Arc<Next>,
    clients: usize,
    seconds: u64,
) -> Round {
    let pid = server.child.id();
    let (cpu0, _) = usage(pid);
    let st0 = statements(admin, db).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(usage(pid).1);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            peak
        })
    };
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, next, errors) = (http.clone(), server.url.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = c as u64;
            while Instant::now() < deadline {
                let (body, token) = next(n);
                n += clients as u64;
                let start = Instant::now();
                let mut req = http.post(&url).json(&body);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                let answer = match req.send().await {
                    Ok(r) => r.bytes().await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                lat.push(start.elapsed());
                // A look at the bytes, not a parse: the client's own work
                // would otherwise take a large share of the two cores.
                let failure = match answer {
                    Ok(b) if b.starts_with(b"{\"data\":{") && !contains(&b, b"\"errors\":") => None,
                    Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    Err(e) => Some(e),
                };
                if let Some(f) = failure
                    && errors.fetch_add(1, Ordering::Relaxed) == 0
                {
                    eprintln!("first error: {}", f.chars().take(400).collect::<String>());
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    done.store(true, Ordering::Relaxed);
    let peak_rss = sampler.await.unwrap();
    let (cpu1, _) = usage(pid);
    let st1 = statements(admin, db).await;
    lat.sort_unstable();
    let pct =
        |p: f64| lat.get(((lat.len().max(1) - 1) as f64 * p).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1e3);
    let n = lat.len().max(1) as f64;
    Round {
        rps: lat.len() as f64 / seconds as f64,
        p50: pct(0.50),
        p95: pct(0.95),
        p99: pct(0.99),
        cpu_ms: (cpu1 - cpu0) * 1e3 / n,
        // The two readings are statements too, in another database.
        statements: st0.zip(st1).map(|(a, b)| (b - a) / n),
        peak_rss,
        errors: errors.load(Ordering::Relaxed),
    }
}

async fn gql(http: &reqwest::Client, url: &str, token: &str, query: &str) -> Value {
    http.post(url).bearer_auth(token).json(&json!({ "query": query })).send().await.unwrap().json().await.unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn login(http: &reqwest::Client, url: &str, user: &str, password: &str) -> String {
    let r: Value = http
        .post(url)
        .json(&json!({ "query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }",
            "variables": { "u": user, "p": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

/// With `--replicas`: once every standby has replayed the seed, a second
/// Gongzhi server reading them.
async fn replicated_server(args: &Args, http: &reqwest::Client, database_url: &str, db: &str) -> Option<Server> {
    if args.replicas.is_empty() {
        return None;
    }
    let primary = Database::connect(database_url).await.unwrap();
    let sql = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint";
    let row = primary.query_one_raw(sea_orm::Statement::from_string(primary.get_database_backend(), sql)).await;
    let target: i64 = row.unwrap().unwrap().try_get_by_index(0).unwrap();
    let urls: Vec<String> = args.replicas.iter().map(|r| format!("{}/{db}", r.trim_end_matches('/'))).collect();
    for url in &urls {
        loop {
            let sql = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint";
            let at = match Database::connect(url).await {
                Ok(c) => c.query_one_raw(sea_orm::Statement::from_string(c.get_database_backend(), sql)).await.ok(),
                Err(_) => None,
            };
            if at.flatten().and_then(|r| r.try_get_by_index::<i64>(0).ok()).is_some_and(|l| l >= target) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let port = free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", database_url, &port.to_string(), "--replicas", &urls.join(",")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let name = if urls.len() == 1 { "Gongzhi+1 stby" } else { "Gongzhi+stbys" };
    let server = Server { name, child, url: format!("http://127.0.0.1:{port}/graphql") };
    wait_until_up(http, &server.url).await;
    println!("{name}: reads {} standbys, read-your-writes on", urls.len());
    Some(server)
}

/// What routing cost the replicated server: time per routed request (the
/// per-principal position lookup on the primary and the choice of a
/// standby), from its `/metrics`.
async fn routing_figures(http: &reqwest::Client, server: &Server) {
    let metrics = server.url.replace("/graphql", "/metrics");
    let text = http.get(&metrics).send().await.unwrap().text().await.unwrap_or_default();
    let figure = |name: &str| {
        text.lines()
            .find(|l| {
                l.starts_with("gongzhi_db_cluster{")
                    && l.contains(&format!("figure=\"{name}\""))
                    && l.contains("server=\"primary\"")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (routed, seconds, on_primary) = (figure("routed"), figure("routing_seconds"), figure("reads_on_primary"));
    let per = if routed > 0.0 { seconds / routed * 1e6 } else { 0.0 };
    println!(
        "\nrouting ({}): {routed:.0} requests routed, {per:.1} µs each (wall time, the position lookup's round trip \
         included), {on_primary:.0} sent to the primary",
        server.name
    );
    for l in text.lines().filter(|l| l.starts_with("gongzhi_db_cluster{") && !l.contains("server=\"primary\"")) {
        println!("  {l}");
    }
}

fn serve_child(database_url: String, port: u16, replicas: Vec<String>) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let mut config = support::loopback_config("peer");
        config.database_url = database_url;
        config.replication.database_replica_url = replicas;
        config.db_max_connections = 16;
        let db = Db::connect(&config).await.unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let app = api::AppState::new(db, config);
        api::http::serve(listener, app, std::future::pending()).await.unwrap();
    });
}

fn main() {
    let args = Args::parse();
    if let Some(Serve::Serve { database_url, port, replicas }) = args.serve {
        return serve_child(database_url, port, replicas);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run(args));
}

async fn run(args: Args) {
    let scratch = support::Scratch::new("peer", Some(&args.postgres)).await;
    let database_url = scratch.config.database_url.clone();
    let db_name = database_url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let db = Db::connect(&scratch.config).await.unwrap();
    let t = Instant::now();
    let data = seed(&db).await;
    db.read.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    println!("seeded 50 projects, 400 tasks, 1,600 ballots in {:.1}s", t.elapsed().as_secs_f64());
    let admin = Database::connect(format!("{}/postgres", args.postgres)).await.unwrap();
    let _ = admin.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").await;
    if statements(&admin, &db_name).await.is_none() {
        println!("pg_stat_statements is not preloaded: statements per request are not shown");
    }

    // The servers' own URLs: over TCP as seeded, or the same database over
    // the Unix socket (both sqlx and node-postgres read `host=` as the
    // socket's directory).
    let peer_database_url = database_url.replace("?sslmode=disable", "");
    let (serve_url, peer_database_url) = match &args.socket {
        Some(dir) => (format!("{database_url}&host={dir}"), format!("{peer_database_url}?host={dir}")),
        None => (database_url.clone(), peer_database_url),
    };
    println!(
        "servers connect over {}",
        args.socket.as_deref().map_or("TCP".to_owned(), |d| format!("the Unix socket in {d}"))
    );

    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let port = free_port();
    let exe = std::env::current_exe().unwrap();
    let child = Command::new(exe)
        .args(["serve", &serve_url, &port.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let gongzhi = Server { name: "Gongzhi", child, url: format!("http://127.0.0.1:{port}/graphql") };
    wait_until_up(&http, &gongzhi.url).await;
    let replicated = replicated_server(&args, &http, &database_url, &db_name).await;
    let peer = args.postgraphile.as_ref().map(|bin| {
        let port = free_port();
        let child = Command::new(bin)
            .args(["-c", &peer_database_url, "-s", "public", "-n", "127.0.0.1"])
            .args(["-p", &port.to_string(), "--disable-query-log", "--disable-graphiql", "--cluster-workers", "2"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Server { name: "PostGraphile 4", child, url: format!("http://127.0.0.1:{port}/graphql") }
    });
    if let Some(p) = &peer {
        wait_until_up(&http, &p.url).await;
    }

    let committee = login(&http, &gongzhi.url, "demo-committee", api::seed::DEMO_PASSWORD).await;
    let mut voters = Vec::new();
    for (user, ballot) in &data.voters {
        voters.push((login(&http, &gongzhi.url, user, support::BENCH_PASSWORD).await, *ballot));
    }
    let office = login(&http, &gongzhi.url, "demo-office", api::seed::DEMO_PASSWORD).await;
    let gid = |ty: &str, id: i32| api::graphql::ids::encode(ty, id).0;
    // Reports by the bench residents and funds of the office, for the
    // Gongzhi-only workloads.
    for (token, _) in &voters {
        let r = gql(
            &http,
            &gongzhi.url,
            token,
            "mutation { submitReport(input: {categoryCode: \"REPAIR\",
            description: \"楼道灯不亮\", locationText: \"1号楼2单元\"}) { report { id } } }",
        )
        .await;
        assert!(r["errors"].is_null(), "{r}");
    }
    let street = gid("Region", data.street);
    for year in 2020..2030 {
        let q = format!(
            "mutation {{ createFund(input: {{regionId: \"{street}\", fiscalYear: {year},
            name: \"{year}年专项资金\", purpose: \"社区治理\", total: \"50000000\"}}) {{ fund {{ id }} }} }}"
        );
        let r = gql(&http, &gongzhi.url, &office, &q).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    let community = gid("Region", data.community);
    let projects: Vec<String> = data.projects.iter().map(|&p| gid("Project", p)).collect();
    let voting = gid("Project", data.voting);
    let choice = |n: u64| if (n / 32).is_multiple_of(2) { "YES" } else { "NO" };

    for workload in &args.workloads {
        let (ours, theirs, clients): (Next, Option<Next>, usize) = match workload.as_str() {
            "dashboard" => {
                let (c, t) = (community.clone(), committee.clone());
                let (pc, me) = (data.community, data.committee);
                (
                    Box::new(move |_| (json!({ "query": DASHBOARD, "variables": { "c": c } }), Some(t.clone()))),
                    Some(Box::new(move |_| {
                        (json!({ "query": PEER_DASHBOARD, "variables": { "c": pc, "me": me } }), None)
                    })),
                    args.clients,
                )
            }
            "lookup" => {
                let (ps, t, ids) = (projects.clone(), committee.clone(), data.projects.clone());
                (
                    Box::new(move |n| {
                        (json!({ "query": LOOKUP, "variables": { "id": ps[n as usize % ps.len()] } }), Some(t.clone()))
                    }),
                    Some(Box::new(move |n| {
                        (json!({ "query": PEER_LOOKUP, "variables": { "id": ids[n as usize % ids.len()] } }), None)
                    })),
                    16,
                )
            }
            "castVote" => {
                let (v, p) = (voters.clone(), voting.clone());
                let v2 = voters.clone();
                (
                    Box::new(move |n| {
                        let (token, _) = &v[n as usize % v.len()];
                        (json!({ "query": VOTE, "variables": { "id": p, "c": choice(n) } }), Some(token.clone()))
                    }),
                    Some(Box::new(move |n| {
                        let (_, ballot) = &v2[n as usize % v2.len()];
                        (json!({ "query": PEER_VOTE, "variables": { "id": ballot, "c": choice(n) } }), None)
                    })),
                    16,
                )
            }
            // Gongzhi alone: these domains have no PostGraphile equivalent
            // with the same rules (who sees which report, fund or request).
            "reports" => {
                let t = committee.clone();
                (Box::new(move |_| (json!({ "query": REPORTS }), Some(t.clone()))), None, 16)
            }
            "services" => {
                let t = voters[0].0.clone();
                (Box::new(move |_| (json!({ "query": SERVICES }), Some(t.clone()))), None, 16)
            }
            "funds" => {
                let t = office.clone();
                (Box::new(move |_| (json!({ "query": FUNDS }), Some(t.clone()))), None, 16)
            }
            other => panic!("unknown workload {other}"),
        };
        let (ours, theirs) = (Arc::new(ours), theirs.map(Arc::new));
        println!("\n{workload}: {clients} clients, {}s rounds", args.seconds);
        println!(
            "{:<15} {:>8} {:>8} {:>8} {:>8} {:>10} {:>11} {:>9} {:>6}",
            "server", "req/s", "p50 ms", "p95 ms", "p99 ms", "CPU ms/req", "SQL st/req", "peak MiB", "errors"
        );
        let mut best: Vec<(&str, f64, f64)> = Vec::new();
        for _ in 0..args.rounds {
            let mut servers = vec![(&gongzhi, ours.clone())];
            if let Some(r) = &replicated {
                servers.push((r, ours.clone()));
            }
            if let (Some(p), Some(theirs)) = (&peer, &theirs) {
                servers.push((p, theirs.clone()));
            }
            for (server, next) in servers {
                // A short warm-up outside the measurement.
                let _ = round(&http, server, &admin, &db_name, next.clone(), clients, 1).await;
                let r = round(&http, server, &admin, &db_name, next, clients, args.seconds).await;
                println!(
                    "{:<15} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>10.2} {:>11} {:>9.0} {:>6}",
                    server.name,
                    r.rps,
                    r.p50,
                    r.p95,
                    r.p99,
                    r.cpu_ms,
                    r.statements.map_or("-".into(), |s| format!("{s:.2}")),
                    r.peak_rss,
                    r.errors
                );
                best.push((server.name, r.rps, r.p99));
            }
        }
        if peer.is_some() && theirs.is_some() {
            let mean = |name: &str, f: fn(&(&str, f64, f64)) -> f64| {
                let v: Vec<f64> = best.iter().filter(|b| b.0 == name).map(f).collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            };
            let (g, p) = (mean("Gongzhi", |b| b.1), mean("PostGraphile 4", |b| b.1));
            let (gq, pq) = (mean("Gongzhi", |b| b.2), mean("PostGraphile 4", |b| b.2));
            println!("ratio (mean of rounds): {:.2}× the throughput, p99 {:.2}× PostGraphile's", g / p, gq / pq);
        }
    }
    if let Some(r) = &replicated {
        routing_figures(&http, r).await;
    }
    drop(replicated);
    let (_, rss) = usage(gongzhi.child.id());
    println!("\nGongzhi RSS at the end of the load: {rss:.0} MiB; waiting {}s", args.settle);
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let (_, rss) = usage(gongzhi.child.id());
    println!("Gongzhi RSS {}s after the load: {rss:.0} MiB", args.settle);
    drop(peer);
    drop(gongzhi);
    scratch.drop_database().await;
}
