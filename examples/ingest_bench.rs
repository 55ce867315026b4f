//! The delivery-record ingest benchmark (issue 9): NGO systems push new
//! delivery records through `upsertDeliveryRecords` with the demo NGO's
//! client-credentials token, `--clients` at once, each `--batches` batches
//! of `--batch-size` records; then the same batches again (all UNCHANGED,
//! the retry case). Reports records per second for both rounds.
//!
//! ```sh
//! cargo run --release --example ingest_bench                  # PostgreSQL on 127.0.0.1
//! cargo run --release --example ingest_bench -- --sqlite
//! ```
//! On PostgreSQL it creates (and drops) its own database.

// Release builds of a binary that links the whole schema need a deeper
// trait-query limit than the default 128 (async-graphql's nested futures
// grew with the per-kind `visible` functions, issue 24).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Instant;

use api::Db;
use clap::Parser;
use futures_util::future::join_all;
use serde_json::{Value, json};
use support::Scratch;

#[derive(Parser)]
struct Args {
    /// PostgreSQL server (a database is created and dropped on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Use SQLite instead.
    #[arg(long)]
    sqlite: bool,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Batches per client.
    #[arg(long, default_value_t = 25)]
    batches: usize,
    /// Records per batch.
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
}

const UPSERT: &str = "mutation($r: [DeliveryRecordInput!]!) {
    upsertDeliveryRecords(input: {records: $r}) { created updated unchanged errors } }";

async fn round(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    batches: &[Vec<Value>],
    clients: usize,
) -> (f64, Value) {
    let t = Instant::now();
    let per = batches.len() / clients;
    let results = join_all((0..clients).map(|c| async move {
        let mut sums = [0i64; 4];
        for b in &batches[c * per..(c + 1) * per] {
            let r: Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": UPSERT, "variables": { "r": b } }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let p = &r["data"]["upsertDeliveryRecords"];
            assert!(p.is_object(), "{r}");
            for (i, k) in ["created", "updated", "unchanged", "errors"].iter().enumerate() {
                sums[i] += p[k].as_i64().unwrap();
            }
        }
        sums
    }))
    .await;
    let secs = t.elapsed().as_secs_f64();
    let mut total = [0i64; 4];
    for s in results {
        for i in 0..4 {
            total[i] += s[i];
        }
    }
    (secs, json!({ "created": total[0], "updated": total[1], "unchanged": total[2], "errors": total[3] }))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scratch = Scratch::new("ingest", (!args.sqlite).then_some(args.postgres.as_str())).await;
    let mut config = scratch.config.clone();
    config.max_delivery_batch = config.max_delivery_batch.max(args.batch_size);
    config.max_body_bytes = config.max_body_bytes.max(args.batch_size * 400);
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    api::seed::seed_demo(&db).await.unwrap();
    let base = support::serve(&db, &config).await;
    let http = reqwest::Client::new();
    let token =
        support::client_token(&http, &base, api::seed::DEMO_NGO_CLIENT_ID, api::seed::DEMO_NGO_CLIENT_SECRET).await;
    let r: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ services(first: 1) { edges { node { id serviceAreas { id } } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let node = &r["data"]["services"]["edges"][0]["node"];
    let (service, community) = (node["id"].clone(), node["serviceAreas"][0]["id"].clone());

    let batches: Vec<Vec<Value>> = (0..args.clients * args.batches)
        .map(|b| {
            (0..args.batch_size)
                .map(|i| {
                    json!({ "externalId": format!("bench-{b}-{i}"), "serviceId": service, "communityId": community,
                        "deliveredOn": "2026-11-20", "durationMinutes": 30 + (i % 90), "beneficiaries": 1 + (i % 4),
                        "notes": "定期上门探访，测量血压" })
                })
                .collect()
        })
        .collect();
    let n = (args.clients * args.batches * args.batch_size) as f64;
    let engine = if args.sqlite { "SQLite" } else { "PostgreSQL" };
    let (secs, counts) = round(&http, &base, &token, &batches, args.clients).await;
    println!(
        "{engine}: {} clients × {} batches × {} records, new: {:.0} records/s ({secs:.2} s) {counts}",
        args.clients,
        args.batches,
        args.batch_size,
        n / secs
    );
    let (secs, counts) = round(&http, &base, &token, &batches, args.clients).await;
    println!("{engine}: the same batches again (a retry): {:.0} records/s ({secs:.2} s) {counts}", n / secs);
    drop(db);
    scratch.drop_database().await;
    std::process::exit(0);
}
