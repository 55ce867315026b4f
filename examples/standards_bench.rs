//! The standards adapters under load (issue 26), on PostgreSQL: the
//! district generator's 500,000 reports in 和平区 (100 generated
//! communities, 12 months), read through Open311 by a district office,
//! and 1,000 services read through HSDS, anonymously. 16 clients at once,
//! each request timed; p50 and p99 per request kind.
//!
//! ```sh
//! cargo run --release --example standards_bench
//! cargo run --release --example standards_bench -- --clients 16 --requests 50
//! ```
//! It creates (and drops) its own database on the server.

#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use api::directory::service::{self as directory, NewOrganisation};
use api::{AppState, Db};
use clap::Parser;
use entity::enums::{OrganisationKind, Role};
use sea_orm::{ConnectionTrait, EntityTrait};
use support::Scratch;
use support::district::{self, Sizes};

#[derive(Parser)]
struct Args {
    /// PostgreSQL server (a database is created and dropped on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Requests per client per kind.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// Reports generated.
    #[arg(long, default_value_t = 500_000)]
    reports: i64,
    /// Services generated.
    #[arg(long, default_value_t = 1_000)]
    services: i64,
}

/// 1,000 services of the demo NGO, each offered in two generated
/// communities, with the catalogue's fields filled.
const SERVICES: &str = "
WITH s AS (
  INSERT INTO services (organisation_id, name, description, category, eligibility_description, schedule, fee_fen,
      contact, status, created_at, updated_at)
  SELECT (SELECT organisation_id FROM services ORDER BY id LIMIT 1), '生成服务' || g, '每周两次的社区活动',
      (ARRAY['ELDERLY_CARE','EDUCATION','CULTURE','HEALTH','CHILDREN'])[1 + g % 5], '本社区居民', '周二 14:00–16:00',
      CASE WHEN g % 3 = 0 THEN 1500 END, '010-5555 0101', (ARRAY['ACTIVE','ACTIVE','PAUSED','ENDED'])[1 + g % 4],
      now() - (g % 300) * interval '1 day', now() - (g % 300) * interval '1 day'
  FROM generate_series(1, $S) g RETURNING id
), c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM regions WHERE kind = 'COMMUNITY' AND code LIKE 'GEN%-%')
INSERT INTO service_areas (service_id, community_id)
SELECT s.id, c.id FROM s JOIN c ON c.n = s.id % 100 OR c.n = (s.id + 1) % 100";

fn pct(mut v: Vec<Duration>, p: f64) -> String {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    format!("{:.1} ms", v[i].as_secs_f64() * 1000.0)
}

/// `clients` clients each GET `url` `n` times at once; every latency.
async fn load(http: &reqwest::Client, url: &str, token: Option<&str>, clients: usize, n: usize) -> Vec<Duration> {
    // Spawned all at once (collected), then awaited: the clients overlap.
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, token) = (http.clone(), url.to_owned(), token.map(str::to_owned));
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(n);
                for _ in 0..n {
                    let mut req = http.get(&url);
                    if let Some(t) = &token {
                        req = req.bearer_auth(t);
                    }
                    let t = Instant::now();
                    let resp = req.send().await.unwrap();
                    assert_eq!(resp.status(), 200, "{url}");
                    let _ = resp.bytes().await.unwrap();
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scratch = Scratch::new("standards", Some(args.postgres.as_str())).await;
    let config = scratch.config.clone();
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    api::seed::seed_demo(&db).await.unwrap();

    let local = chrono::Utc::now() + chrono::Duration::hours(8);
    let today = local.date_naive();
    let sizes = Sizes { residents: 100_000, reports: args.reports, deliveries: 0 };
    let steps = ["streets", "street paths", "communities", "community paths", "residents", "memberships", "reports"];
    district::generate(&db, today, &sizes, |what| steps.contains(&what)).await;
    let t = Instant::now();
    db.write.execute_unprepared(&SERVICES.replace("$S", &args.services.to_string())).await.unwrap();
    db.write.execute_unprepared("ANALYZE").await.unwrap();
    println!("generated {} services and analysed in {:.1} s", args.services, t.elapsed().as_secs_f64());

    // A district office (government office of 和平区): it sees every report.
    let sys = api::auth::Principal::system();
    let district =
        entity::region::Entity::find().all(&db.read).await.unwrap().into_iter().find(|r| r.code == "110199").unwrap();
    let office = directory::create_organisation(
        &db,
        &sys,
        NewOrganisation {
            name: "和平区政府".into(),
            kind: OrganisationKind::GovernmentOffice,
            region_id: district.id,
            service_area: vec![],
        },
    )
    .await
    .unwrap();
    let staff = api::accounts::service::create_account(
        &db,
        &sys,
        api::accounts::service::NewAccount {
            username: "district-office".into(),
            display_name: "区政府".into(),
            real_name: None,
            phone: None,
            password: support::BENCH_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let m = api::accounts::service::add_membership(
        &db,
        &sys,
        staff.id,
        Role::GovernmentOffice,
        api::accounts::service::ScopeInput {
            region_id: Some(district.id),
            organisation_id: Some(office.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let app = AppState::new(db.clone(), config.clone());
    let m = entity::membership::Entity::find_by_id(m.id).one(&db.read).await.unwrap().unwrap();
    let p = api::auth::service::principal_for_membership(&db.read, &m).await.unwrap();
    let token = app.keys.issue(&p).unwrap().0;
    let base = support::serve(&db, &config).await;
    let http = reqwest::Client::new();

    // A month in the middle of the generated year, for the date filter.
    let mid = district::base_month(today) + chrono::Duration::days(150);
    let (start, end) = (format!("{mid}T00:00:00Z"), format!("{}T00:00:00Z", mid + chrono::Duration::days(30)));
    let first = format!("{base}/open311/v2/requests.json?jurisdiction_id=110199");
    let dated = format!("{first}&start_date={start}&end_date={end}");
    let page = http.get(&first).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    let listed: serde_json::Value = serde_json::from_str(&page).unwrap();
    println!("Open311 first page: {} requests, {} bytes", listed.as_array().unwrap().len(), page.len());
    let page = http.get(&dated).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    let listed: serde_json::Value = serde_json::from_str(&page).unwrap();
    println!("Open311 {start}..{end}: {} requests on the first page", listed.as_array().unwrap().len());
    let hsds = format!("{base}/hsds/services");
    let hsds_big = format!("{base}/hsds/services?per_page=500&page=2");
    let env: serde_json::Value = http.get(&hsds).send().await.unwrap().json().await.unwrap();
    println!("HSDS: {} services in {} pages of 50", env["total_items"], env["total_pages"]);

    let (c, n) = (args.clients, args.requests);
    println!("{c} clients, {n} requests each per kind; p50 / p99:");
    for (what, url, token) in [
        ("GET /open311/v2/requests.json (district, first page of 100)", &first, Some(token.as_str())),
        ("GET /open311/v2/requests.json (district, a 30-day window)", &dated, Some(token.as_str())),
        ("GET /hsds/services (first page of 50, anonymous)", &hsds, None),
        ("GET /hsds/services?per_page=500&page=2 (anonymous)", &hsds_big, None),
    ] {
        let _ = load(&http, url, token, c, 2).await;
        let t = Instant::now();
        let times = load(&http, url, token, c, n).await;
        let rate = times.len() as f64 / t.elapsed().as_secs_f64();
        println!("  {what}: {} / {} ({rate:.0} requests/s)", pct(times.clone(), 0.5), pct(times, 0.99));
    }
    scratch.drop_database().await;
}
