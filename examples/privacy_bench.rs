//! Personal data at district scale (issue 27), on PostgreSQL: the district
//! generator's 100,000 residents, 500,000 reports, projects with their
//! votes and 500,000 delivery records in 和平区; then one heavy resident
//! (3,000 reports with their events, votes, 2,000 deliveries naming them,
//! 20,000 records of who read their data) downloads their data
//! (`/my-data.json`, `/my-data.html`: larger than a GraphQL response may
//! be). Timed end to end over HTTP, with the statements it cost; then the
//! first page of the same resident's access log.
//!
//! ```sh
//! cargo run --release --example privacy_bench
//! ```
//! It creates (and drops) its own database on the server.

#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use api::{AppState, Db};
use clap::Parser;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use support::Scratch;
use support::district::{self, Sizes};

#[derive(Parser)]
struct Args {
    /// PostgreSQL server (a database is created and dropped on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Reports generated (3,000 of them become the heavy resident's).
    #[arg(long, default_value_t = 500_000)]
    reports: i64,
    /// Exports timed.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

/// The heavy resident: 3,000 reports of the district become theirs (with
/// an event each), 2,000 delivery records name them, and 20,000 records
/// say who read their data.
const HEAVY: &str = "
UPDATE reports SET reporter_account_id = $ME, filed_by_account_id = $ME
  WHERE id IN (SELECT id FROM reports ORDER BY id LIMIT 3000);
INSERT INTO report_events (report_id, kind, to_status, account_id, role, at)
  SELECT id, 'SUBMITTED', 'SUBMITTED', $ME, 'RESIDENT', created_at FROM reports WHERE reporter_account_id = $ME;
UPDATE delivery_records SET resident_account_id = $ME
  WHERE id IN (SELECT id FROM delivery_records ORDER BY id LIMIT 2000);
INSERT INTO personal_data_access (subject_account_id, viewer_account_id, viewer_role, viewer_region_path,
    object_type, object_id, fields, channel, purpose, created_at)
  SELECT $ME, 1, 'COMMUNITY_COMMITTEE', '/1/', 'Report', g, 'phone,reporter', 'graphql', 'Queue: reports.reporter',
    now() - g * interval '1 minute'
  FROM generate_series(1, 20000) g;
ANALYZE;";

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scratch = Scratch::new("privacy", Some(args.postgres.as_str())).await;
    let config = scratch.config.clone();
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    api::seed::seed_demo(&db).await.unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let sizes = Sizes { residents: 100_000, reports: args.reports, deliveries: 500_000 };
    let steps = [
        "streets",
        "street paths",
        "communities",
        "community paths",
        "residents",
        "memberships",
        "reports",
        "projects",
        "transitions",
        "votes",
        "delivery records",
    ];
    district::generate(&db, today, &sizes, |what| steps.contains(&what)).await;
    let me = entity::account::Entity::find()
        .filter(entity::account::Column::Username.eq("gen-1"))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap();
    let t = Instant::now();
    db.write.execute_unprepared(&HEAVY.replace("$ME", &me.id.to_string())).await.unwrap();
    println!("made gen-1 heavy in {:.1} s", t.elapsed().as_secs_f64());

    let app = AppState::new(db.clone(), config.clone());
    let m = entity::membership::Entity::find()
        .filter(entity::membership::Column::AccountId.eq(me.id))
        .one(&db.read)
        .await
        .unwrap()
        .unwrap();
    let p = api::auth::service::principal_for_membership(&db.read, &m).await.unwrap();
    let token = app.keys.issue(&p).unwrap().0;
    let base = support::serve(&db, &config).await;
    let http = reqwest::Client::new();
    let gql = |q: &'static str| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let r: serde_json::Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(&token)
                .json(&json!({ "query": q }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(r["errors"].is_null(), "{r}");
            r
        }
    };

    let download = |path: &'static str| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let resp = http.get(format!("{base}{path}")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            resp.text().await.unwrap()
        }
    };
    let text = download("/my-data.json").await;
    let page = download("/my-data.html").await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let count = |k: &str| doc[k].as_array().map_or(0, Vec::len);
    println!(
        "gen-1's export: {} reports, {} report events, {} votes, {} delivery records, {} access records; \
         JSON {} KiB, page {} KiB",
        count("reports"),
        count("reportEvents"),
        count("projectVotes"),
        count("deliveryRecords"),
        count("accessLog"),
        text.len() / 1024,
        page.len() / 1024,
    );
    for path in ["/my-data.json", "/my-data.html"] {
        let mut times = Vec::new();
        let before = db.statement_count();
        for _ in 0..args.runs {
            let t = Instant::now();
            download(path).await;
            times.push(t.elapsed());
        }
        let statements = (db.statement_count() - before) / args.runs as u64;
        times.sort();
        println!(
            "GET {path}, {} runs: p50 {}, max {}; {statements} statements each",
            args.runs,
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    let t = Instant::now();
    gql("{ myDataAccessLog(first: 100) { edges { node { at fields viewerRole purpose } } } }").await;
    println!("myDataAccessLog(first: 100) of 20,000 records: {}", ms(t.elapsed()));
    scratch.drop_database().await;
}
