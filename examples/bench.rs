//! The project's benchmark: seeds a district-sized dataset, serves the real
//! app on loopback and drives it with concurrent clients running a mix of
//! resident operations. Prints throughput, latency percentiles per
//! operation, SQL statements per request and peak memory.
//!
//! ```sh
//! cargo run --release --example bench -- --clients 16 --seconds 20
//! cargo run --release --example bench -- --database-url postgres://postgres@127.0.0.1:5432/gongzhi_bench
//! ```
//! The PostgreSQL database must exist and be empty. Client and server share
//! the process (and the machine's cores), as loopback clients would.

// Release builds of a binary that links the whole schema need a deeper
// trait-query limit than the default 128 (async-graphql's nested futures
// grew with the per-kind `visible` functions, issue 24).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::auth::Principal;
use api::directory::service::{self as directory, NewRegion};
use api::{AppState, Config, Db};
use chrono::Utc;
use clap::Parser;
use entity::enums::{ParticipationRole, ProjectCategory, ProjectStatus, RegionKind, Role, VoteChoice};
use entity::{account, membership, project, project_participant, project_update, vote};
use sea_orm::{EntityTrait, NotSet, Set};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// Database URL (default: a fresh SQLite file in a temporary directory).
    #[arg(long)]
    database_url: Option<String>,
    /// Extra communities to create (on top of the demo's three).
    #[arg(long, default_value_t = 40)]
    communities: usize,
    /// Residents per community.
    #[arg(long, default_value_t = 150)]
    residents: usize,
    /// Projects per community.
    #[arg(long, default_value_t = 25)]
    projects: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Duration of the measured run (seconds).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Send this `Accept-Encoding` (e.g. `gzip` or `br`) to measure what
    /// compression costs; answers are then checked by status only.
    #[arg(long)]
    accept_encoding: Option<String>,
}

const PASSWORD: &str = "bench-password";

struct Seeded {
    /// (username, community id, a VOTING project id in that community)
    residents: Vec<(String, i32, i32)>,
}

async fn seed(db: &Db, args: &Args) -> Seeded {
    api::seed::seed_demo(db).await.unwrap();
    let sys = Principal::system();
    let hash = api::auth::password::hash(PASSWORD).await.unwrap();
    let streets: Vec<i32> = entity::region::Entity::find()
        .all(&db.read)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == RegionKind::Street)
        .map(|r| r.id)
        .collect();
    let orgs: Vec<i32> = entity::organisation::Entity::find()
        .all(&db.read)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| {
            matches!(
                o.kind,
                entity::enums::OrganisationKind::SocialOrganization | entity::enums::OrganisationKind::PropertyCompany
            )
        })
        .map(|o| o.id)
        .collect();
    let mut residents = Vec::new();
    let now = Utc::now();
    for c in 0..args.communities {
        let street = streets[c % streets.len()];
        let new = NewRegion {
            name: format!("基准社区{c}"),
            code: format!("B{c:05}"),
            kind: RegionKind::Community,
            parent_id: Some(street),
        };
        let community = directory::create_region(db, &sys, new).await.unwrap();
        let mut buildings = Vec::new();
        for b in 0..5 {
            buildings.push(directory::create_building(db, &sys, community.id, &format!("{b}号楼")).await.unwrap().id);
        }
        // Residents: bulk-inserted with one precomputed hash (hashing
        // thousands of passwords would dominate the set-up).
        let accounts: Vec<account::ActiveModel> = (0..args.residents)
            .map(|r| account::ActiveModel {
                id: NotSet,
                username: Set(format!("bench-{c}-{r}")),
                display_name: Set(format!("居民{c}-{r}")),
                real_name: Set(Some(format!("姓名{c}-{r}"))),
                phone: Set(Some(format!("139{c:04}{r:04}"))),
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
            .collect();
        for chunk in accounts.chunks(200) {
            account::Entity::insert_many(chunk.to_vec()).exec(&db.write).await.unwrap();
        }
        let ids: Vec<i32> = account::Entity::find()
            .all(&db.read)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.username.starts_with(&format!("bench-{c}-")))
            .map(|a| a.id)
            .collect();
        let members: Vec<membership::ActiveModel> = ids
            .iter()
            .enumerate()
            .map(|(i, &a)| membership::ActiveModel {
                id: NotSet,
                account_id: Set(a),
                role: Set(Role::Resident),
                region_id: Set(Some(community.id)),
                building_id: Set(Some(buildings[i % buildings.len()])),
                organisation_id: Set(None),
                household_id: Set(None),
                created_at: Set(now),
            })
            .collect();
        for chunk in members.chunks(200) {
            membership::Entity::insert_many(chunk.to_vec()).exec(&db.write).await.unwrap();
        }
        let mut voting_project = 0;
        for pidx in 0..args.projects {
            let status = match pidx % 3 {
                0 => ProjectStatus::Voting,
                1 => ProjectStatus::InProgress,
                _ => ProjectStatus::Proposed,
            };
            let p = project::Entity::insert(project::ActiveModel {
                id: NotSet,
                community_id: Set(community.id),
                title: Set(format!("项目{c}-{pidx}")),
                description: Set("基准测试项目".into()),
                category: Set(ProjectCategory::Facilities),
                status: Set(status),
                proposer_account_id: Set(ids[pidx % ids.len()]),
                budget_fen: Set(100_000),
                planned_start: Set(None),
                planned_end: Set(None),
                building_id: Set(None),
                location_text: Set(None),
                voting_opened_at: Set((status == ProjectStatus::Voting).then_some(now)),
                voting_closes_at: Set((status == ProjectStatus::Voting).then_some(now + chrono::Duration::days(30))),
                voting_closed_at: Set(None),
                voting_live_tally: Set(None),
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
            if status == ProjectStatus::Voting {
                voting_project = p;
                let votes: Vec<vote::ActiveModel> = ids
                    .iter()
                    .take(ids.len() / 2)
                    .enumerate()
                    .map(|(i, &a)| vote::ActiveModel {
                        id: NotSet,
                        project_id: Set(p),
                        account_id: Set(a),
                        choice: Set(if i % 3 == 0 { VoteChoice::No } else { VoteChoice::Yes }),
                        cast_at: Set(now),
                        updated_at: Set(now),
                    })
                    .collect();
                for chunk in votes.chunks(200) {
                    vote::Entity::insert_many(chunk.to_vec()).exec(&db.write).await.unwrap();
                }
            }
            if !orgs.is_empty() {
                project_participant::Entity::insert(project_participant::ActiveModel {
                    id: NotSet,
                    project_id: Set(p),
                    organisation_id: Set(orgs[pidx % orgs.len()]),
                    role: Set(ParticipationRole::Lead),
                    created_at: Set(now),
                })
                .exec(&db.write)
                .await
                .unwrap();
            }
            let updates: Vec<project_update::ActiveModel> = (0..6)
                .map(|u| project_update::ActiveModel {
                    id: NotSet,
                    project_id: Set(p),
                    organisation_id: Set(orgs.first().copied().unwrap_or(1)),
                    author_account_id: Set(ids[0]),
                    body: Set(format!("进展 {u}")),
                    percent_complete: Set(u * 15),
                    created_at: Set(now),
                })
                .collect();
            project_update::Entity::insert_many(updates).exec(&db.write).await.unwrap();
        }
        // The last resident of each community has not voted yet.
        for r in (args.residents.saturating_sub(2))..args.residents {
            residents.push((format!("bench-{c}-{r}"), community.id, voting_project));
        }
    }
    Seeded { residents }
}

const PROJECTS: &str =
    "{ projects(first: 20) { totalCount edges { node { id title status budgetFen viewerCanVote viewerVote
    participants { role organisation { name } } tally { yes no abstain }
    latestUpdates(count: 3) { body percentComplete } proposer { displayName } } } } }";
const ME: &str = "{ me { role account { username displayName phone } community { name } } }";
const DETAIL: &str = "query($id: ID!) { node(id: $id) { ... on Project { title description status
    timeline { toStatus at role } comments(first: 20) { edges { node { body author { displayName } } } }
    evaluationSummary { count average } voting { isOpen closesAt } } } }";
const VOTE: &str =
    "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote } } }";
const COMMENT: &str =
    "mutation($id: ID!) { addComment(input: {projectId: $id, body: \"基准评论\"}) { comment { id } } }";

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::defaults();
    config.database_url =
        args.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    config.db_max_connections = 16;
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    let t = Instant::now();
    let seeded = seed(&db, &args).await;
    let accounts = args.communities * args.residents;
    println!(
        "seeded {} communities, {accounts} residents, {} projects in {:.1}s ({})",
        args.communities,
        args.communities * args.projects,
        t.elapsed().as_secs_f64(),
        if config.is_sqlite() { "SQLite" } else { "PostgreSQL" }
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(api::http::serve(listener, AppState::new(db.clone(), config.clone()), std::future::pending()));
    let client = reqwest::Client::new();

    // Log in one resident per client.
    let mut sessions = Vec::new();
    for (username, _, project) in seeded.residents.iter().take(args.clients) {
        let r: Value = client
            .post(&base)
            .json(&json!({ "query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }",
                "variables": { "u": username, "p": PASSWORD } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = r["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
        sessions.push((token, api::graphql::ids::encode("Project", *project).0));
    }

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let statements_before = db.statement_count();
    let results = Arc::new(tokio::sync::Mutex::new(HashMap::<&'static str, (Vec<Duration>, u64)>::new()));
    let mut tasks = Vec::new();
    let encoding = args.accept_encoding.clone();
    for (i, (token, project)) in sessions.into_iter().enumerate() {
        let (client, base, results) = (client.clone(), base.clone(), results.clone());
        let encoding = encoding.clone();
        tasks.push(tokio::spawn(async move {
            let mut local: HashMap<&'static str, (Vec<Duration>, u64)> = HashMap::new();
            let mut n: u64 = i as u64;
            while Instant::now() < deadline {
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let roll = (n >> 33) % 100;
                let (name, body) = match roll {
                    0..50 => ("projects list", json!({ "query": PROJECTS })),
                    50..70 => ("me", json!({ "query": ME })),
                    70..85 => ("project detail", json!({ "query": DETAIL, "variables": { "id": project } })),
                    85..95 => ("castVote", json!({ "query": VOTE, "variables": { "id": project, "c": if roll.is_multiple_of(2) { "YES" } else { "NO" } } })),
                    _ => ("addComment", json!({ "query": COMMENT, "variables": { "id": project } })),
                };
                let start = Instant::now();
                let mut req = client.post(&base).bearer_auth(&token).json(&body);
                if let Some(e) = &encoding {
                    req = req.header("accept-encoding", e.as_str());
                }
                let ok = match (req.send().await, &encoding) {
                    (Ok(r), None) => r.json::<Value>().await.map(|v| v["errors"].is_null()).unwrap_or(false),
                    (Ok(r), Some(_)) => r.status().is_success() && r.bytes().await.is_ok(),
                    (Err(_), _) => false,
                };
                let e = local.entry(name).or_default();
                e.0.push(start.elapsed());
                if !ok {
                    e.1 += 1;
                }
            }
            let mut all = results.lock().await;
            for (k, (mut d, errs)) in local {
                let e = all.entry(k).or_default();
                e.0.append(&mut d);
                e.1 += errs;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let statements = db.statement_count() - statements_before;
    let results = results.lock().await;
    let total: usize = results.values().map(|(d, _)| d.len()).sum();
    println!(
        "{} clients for {}s: {total} requests, {:.0} req/s, {:.1} SQL statements per request, peak RSS {:.0} MiB",
        args.clients,
        args.seconds,
        total as f64 / args.seconds as f64,
        statements as f64 / total.max(1) as f64,
        peak_rss_mib()
    );
    println!("{:<16} {:>8} {:>7} {:>9} {:>9} {:>9}", "operation", "count", "errors", "p50 ms", "p95 ms", "p99 ms");
    let mut names: Vec<_> = results.keys().copied().collect();
    names.sort_unstable();
    for name in names {
        let (d, errs) = &results[name];
        let mut d = d.clone();
        d.sort_unstable();
        println!(
            "{name:<16} {:>8} {errs:>7} {:>9.2} {:>9.2} {:>9.2}",
            d.len(),
            pct(&d, 0.50),
            pct(&d, 0.95),
            pct(&d, 0.99)
        );
    }
}
