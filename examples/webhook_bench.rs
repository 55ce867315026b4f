//! The webhook benchmark (issue 25), on PostgreSQL (or `--sqlite`): a local
//! receiver with one path per endpoint, endpoints registered through the
//! service as a district office, events written through the unit of work.
//!
//! 1. Throughput: 400 events about 400 reports to 50 endpoints (20,000
//!    deliveries) from one server process, then from two on one database.
//! 2. Latency: 200 events a second for 10 s to 10 endpoints; p50/p99 from
//!    the event's commit (its `timestamp`) to its receipt.
//! 3. An ORANGE alert published by the office to a district of
//!    `--communities` × `--residents` residents, reaching 50 endpoints.
//!
//! ```sh
//! cargo run --release --example webhook_bench
//! cargo run --release --example webhook_bench -- --sqlite
//! ```
//! The "processes" are server states with their own pools and workers in
//! this one OS process (as the tests' peers), sharing its two cores with
//! the receiver.

#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api::auth::Principal;
use api::reports::graphql::Report;
use api::uow::{Audit, Hook, UnitOfWork};
use api::webhooks::EventType;
use api::webhooks::service::EndpointInput;
use api::{AppState, Config, Db};
use chrono::Utc;
use clap::Parser;
use entity::enums::{RegionKind, Role};
use entity::{account, membership, report};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QuerySelect, Set};
use serde_json::{Value, json};
use support::Scratch;

#[derive(Parser)]
struct Args {
    /// PostgreSQL server (a database is created and dropped on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Use SQLite (one process) instead.
    #[arg(long)]
    sqlite: bool,
    /// Communities in the alert's district.
    #[arg(long, default_value_t = 100)]
    communities: usize,
    /// Residents per community.
    #[arg(long, default_value_t = 1000)]
    residents: usize,
}

/// What the receiver got: per path, the latencies (ms) from the body's
/// `timestamp` to receipt.
#[derive(Default)]
struct Got {
    latencies: Vec<f64>,
}

async fn receiver(got: Arc<Mutex<Got>>) -> String {
    let app = axum::Router::new().fallback(move |body: String| {
        let got = got.clone();
        async move {
            let at = Utc::now();
            let sent = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|b| b["timestamp"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()));
            let ms = sent.map(|s| (at - s.with_timezone(&Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0);
            got.lock().unwrap().latencies.push(ms.unwrap_or(0.0));
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn serve(config: &Config) -> AppState {
    let db = Db::connect(config).await.unwrap();
    let app = AppState::new(db, config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(api::http::serve(listener, app.clone(), std::future::pending()));
    app
}

async fn principal_of(db: &Db, username: &str) -> Principal {
    let a =
        account::Entity::find().filter(account::Column::Username.eq(username)).one(&db.read).await.unwrap().unwrap();
    let m =
        membership::Entity::find().filter(membership::Column::AccountId.eq(a.id)).one(&db.read).await.unwrap().unwrap();
    api::auth::service::principal_for_membership(&db.read, &m).await.unwrap()
}

/// `n` endpoints of `owner` for `types`, at `{base}/e/{i}`; their ids.
async fn endpoints(app: &AppState, owner: &Principal, base: &str, n: usize, types: &[&str], tag: &str) -> Vec<i32> {
    let mut ids = Vec::new();
    for i in 0..n {
        let input = EndpointInput {
            url: format!("{base}/{tag}/{i}"),
            event_types: types.iter().map(|t| t.to_string()).collect(),
            scope_region_id: None,
            description: format!("bench {tag} {i}"),
            enabled: true,
        };
        ids.push(api::webhooks::service::create(app, owner, input).await.unwrap().0.id);
    }
    ids
}

/// Remove the endpoints of the last round (and their logs), once the
/// workers have recorded everything.
async fn disable_all(db: &Db) {
    use sea_orm::ConnectionTrait;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for t in ["webhook_attempts", "webhook_deliveries", "webhook_endpoints"] {
        db.write.execute_unprepared(&format!("DELETE FROM {t}")).await.unwrap();
    }
}

/// Copies of the first report: `n` objects to send events about.
async fn reports(db: &Db, n: usize) -> Vec<i32> {
    let resident = principal_of(db, "demo-resident").await;
    let category = entity::report_category::Entity::find().one(&db.read).await.unwrap().unwrap();
    let now = Utc::now();
    let first = report::Model {
        id: 0,
        community_id: resident.scope.community_id.unwrap(),
        building_id: resident.scope.building_id,
        category_id: category.id,
        category_code: category.code.clone(),
        reporter_account_id: resident.account_id().unwrap(),
        filed_by_account_id: resident.account_id().unwrap(),
        description: "楼道灯不亮".into(),
        location_text: None,
        latitude: None,
        longitude: None,
        is_public: true,
        is_anonymous: false,
        status: entity::enums::ReportStatus::Submitted,
        assigned_organisation_id: None,
        due_at: now + chrono::Duration::days(3),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        escalated_at: None,
        resolution_note: None,
        mediation_outcome: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        created_at: now,
        updated_at: now,
        escalated_to_committee_at: None,
        expected_completion_at: None,
        mediator_account_id: None,
        mediator_organisation_id: None,
        mediation_result: None,
        referred_to: None,
        follow_up_on: None,
    };
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut a: report::ActiveModel = first.clone().into();
        a.id = NotSet;
        ids.push(a.insert(&db.write).await.unwrap().id);
    }
    ids
}

/// Emit one `report.status_changed` per report, `per_commit` to a unit of work.
async fn emit(db: &Db, reports: &[i32], per_commit: usize) {
    let p = Principal::system();
    for chunk in reports.chunks(per_commit) {
        let mut uow = UnitOfWork::begin(db, &p).await.unwrap();
        for r in chunk {
            uow.emit(Hook::of::<Report>(EventType::ReportStatusChanged, *r).community(None).with("status", "ACCEPTED"));
        }
        uow.commit(Audit::batch::<Report>(api::reports::Verbs::ReportSubmit)).await.unwrap();
    }
}

async fn wait(got: &Arc<Mutex<Got>>, n: usize, limit: Duration) -> Duration {
    let t = Instant::now();
    while got.lock().unwrap().latencies.len() < n && t.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    t.elapsed()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn take(got: &Arc<Mutex<Got>>) -> Vec<f64> {
    let mut v = std::mem::take(&mut got.lock().unwrap().latencies);
    v.sort_by(f64::total_cmp);
    v
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scratch = Scratch::new("webhook", (!args.sqlite).then_some(args.postgres.as_str())).await;
    let mut config = scratch.config.clone();
    config.webhooks.allow_networks = vec!["127.0.0.0/8".into()];
    config.webhooks.insecure_hosts = vec!["127.0.0.1".into()];
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    api::seed::seed_demo(&db).await.unwrap();
    let office = principal_of(&db, "demo-office").await;
    let got: Arc<Mutex<Got>> = Arc::default();
    let base = receiver(got.clone()).await;
    let app1 = serve(&config).await;
    let objects = reports(&db, 400).await;

    // 1. Throughput, one process then two.
    let mut processes = vec![app1.clone()];
    for round in 1..=(if args.sqlite { 1 } else { 2 }) {
        if round == 2 {
            processes.push(serve(&config).await);
        }
        disable_all(&db).await;
        endpoints(&app1, &office, &base, 50, &["report.status_changed"], &format!("t{round}")).await;
        let total = objects.len() * 50;
        let t = Instant::now();
        emit(&db, &objects, 100).await;
        let took = wait(&got, total, Duration::from_secs(120)).await.max(t.elapsed());
        let lat = take(&got);
        println!(
            "throughput, {round} process(es): {} deliveries in {:.2}s = {:.0}/s; commit→receipt p50 {:.0} ms, p99 {:.0} ms",
            lat.len(),
            took.as_secs_f64(),
            lat.len() as f64 / took.as_secs_f64(),
            pct(&lat, 0.5),
            pct(&lat, 0.99)
        );
    }

    // 2. Latency at 200 events a second to 10 endpoints.
    disable_all(&db).await;
    endpoints(&app1, &office, &base, 10, &["report.status_changed"], "l").await;
    let t = Instant::now();
    for (i, r) in objects.iter().cycle().take(2000).enumerate() {
        let due = Duration::from_millis(5 * i as u64);
        if let Some(wait) = due.checked_sub(t.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let db = db.clone();
        let r = *r;
        tokio::spawn(async move { emit(&db, &[r], 1).await });
    }
    wait(&got, 20_000, Duration::from_secs(60)).await;
    let lat = take(&got);
    println!(
        "200 events/s × 10 endpoints for 10 s: {} received; commit→receipt p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );

    // 3. An ORANGE alert to a district, reaching 50 endpoints.
    disable_all(&db).await;
    let t = Instant::now();
    let district_office = seed_district(&db, &args, &office).await;
    println!("seeded {} residents in {:.1}s", args.communities * args.residents, t.elapsed().as_secs_f64());
    endpoints(&app1, &district_office, &base, 50, &["alert.published"], "a").await;
    let token = app1.keys.issue(&district_office).unwrap().0;
    let publish = json!({ "query": "mutation { publishNotice(input: {category: EMERGENCY, level: ORANGE, title: \"暴雨橙色预警\", body: \"今夜大暴雨\", instructions: \"请勿外出\"}) { notice { id } } }" });
    let http = reqwest::Client::new();
    let sent = Instant::now();
    let addr = api_base(&app1, &config).await;
    let r: Value = http
        .post(format!("{addr}/graphql"))
        .bearer_auth(&token)
        .json(&publish)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let publish_ms = sent.elapsed().as_secs_f64() * 1000.0;
    assert!(r["data"]["publishNotice"]["notice"]["id"].is_string(), "{r}");
    let all = wait(&got, 50, Duration::from_secs(30)).await;
    let lat = take(&got);
    println!(
        "ORANGE alert to {} residents: published in {publish_ms:.0} ms; {} of 50 endpoints reached, the last {:.0} ms after sending; commit→receipt p50 {:.0} ms, p99 {:.0} ms",
        args.communities * args.residents,
        lat.len(),
        (sent.elapsed().min(all + Duration::from_millis(publish_ms as u64))).as_secs_f64() * 1000.0,
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    drop(processes);
    scratch.drop_database().await;
}

/// A server of its own for GraphQL requests (the first's address is not kept).
async fn api_base(_app: &AppState, config: &Config) -> String {
    let db = Db::connect(config).await.unwrap();
    let mut c = config.clone();
    c.webhooks.workers = false;
    let app = AppState::new(db, c);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::http::serve(listener, app, std::future::pending()));
    base
}

/// A district's residents (as the alert benchmark seeds them); the
/// principal of a district-wide membership of the office's staff member.
async fn seed_district(db: &Db, args: &Args, office: &Principal) -> Principal {
    use api::directory::service::{self as directory, NewRegion};
    let sys = Principal::system();
    let district = entity::region::Entity::find()
        .filter(entity::region::Column::Kind.eq(RegionKind::District))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap();
    let street = entity::region::Entity::find()
        .filter(entity::region::Column::Kind.eq(RegionKind::Street))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    for c in 0..args.communities {
        let new = NewRegion {
            name: format!("推送社区{c}"),
            code: format!("W{c:05}"),
            kind: RegionKind::Community,
            parent_id: Some(street.id),
        };
        let community = directory::create_region(db, &sys, new).await.unwrap();
        let building = directory::create_building(db, &sys, community.id, "1号楼").await.unwrap().id;
        let accounts: Vec<account::ActiveModel> = (0..args.residents)
            .map(|r| account::ActiveModel {
                id: NotSet,
                username: Set(format!("hook-{c}-{r}")),
                display_name: Set(format!("居民{c}-{r}")),
                real_name: Set(None),
                phone: Set(None),
                password_hash: Set("!".into()),
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
        for chunk in accounts.chunks(500) {
            account::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db.write).await.unwrap();
        }
        let ids: Vec<i32> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Username.starts_with(format!("hook-{c}-")))
            .into_tuple()
            .all(&db.read)
            .await
            .unwrap();
        let members: Vec<membership::ActiveModel> = ids
            .iter()
            .map(|&a| membership::ActiveModel {
                id: NotSet,
                account_id: Set(a),
                role: Set(Role::Resident),
                region_id: Set(Some(community.id)),
                building_id: Set(Some(building)),
                organisation_id: Set(None),
                household_id: Set(None),
                created_at: Set(now),
            })
            .collect();
        for chunk in members.chunks(500) {
            membership::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db.write).await.unwrap();
        }
    }
    let m = api::accounts::service::add_membership(
        db,
        &sys,
        office.account_id().unwrap(),
        Role::GovernmentOffice,
        api::accounts::service::ScopeInput {
            region_id: Some(district.id),
            organisation_id: office.scope.organisation_id,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    api::auth::service::principal_for_membership(&db.read, &m).await.unwrap()
}
