//! The alert benchmark (issue 14): a district of 100,000 residents (100
//! communities × 1,000, ten buildings each), two server processes on one
//! database, 1,000 residents subscribed over WebSocket (500 per process).
//! A district office publishes a RED alert to the whole district; the
//! benchmark reports the publish time, the p50/p99 time from sending the
//! mutation to each subscriber's receipt, and the time of the district-wide
//! counts query.
//!
//! ```sh
//! cargo run --release --example alert_bench                       # PostgreSQL on 127.0.0.1
//! cargo run --release --example alert_bench -- --sqlite           # one process, SQLite
//! ```
//! On PostgreSQL it creates (and drops) its own database; events between
//! the two processes travel by LISTEN/NOTIFY. SQLite is embedded: one
//! process serves all 1,000 subscribers.

// Release builds of a binary that links the whole schema need a deeper
// trait-query limit than the default 128 (async-graphql's nested futures
// grew with the per-kind `visible` functions, issue 24).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use api::auth::Principal;
use api::directory::service::{self as directory, NewOrganisation, NewRegion};
use api::{AppState, Config, Db};
use chrono::Utc;
use clap::Parser;
use entity::enums::{OrganisationKind, RegionKind, Role};
use entity::{account, membership};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::{Value, json};
use support::Scratch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser)]
struct Args {
    /// PostgreSQL server (a database is created and dropped on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Use SQLite (one process) instead.
    #[arg(long)]
    sqlite: bool,
    /// Communities in the district.
    #[arg(long, default_value_t = 100)]
    communities: usize,
    /// Residents per community.
    #[arg(long, default_value_t = 1000)]
    residents: usize,
    /// WebSocket subscribers (split over the two processes).
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
}

async fn seed(db: &Db, args: &Args) -> (i32, Vec<i32>) {
    api::seed::seed_demo(db).await.unwrap();
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
    let mut n = 0usize;
    for c in 0..args.communities {
        let new = NewRegion {
            name: format!("预警社区{c}"),
            code: format!("A{c:05}"),
            kind: RegionKind::Community,
            parent_id: Some(street.id),
        };
        let community = directory::create_region(db, &sys, new).await.unwrap();
        let mut buildings = Vec::new();
        for b in 0..10 {
            buildings.push(directory::create_building(db, &sys, community.id, &format!("{b}号楼")).await.unwrap().id);
        }
        let accounts: Vec<account::ActiveModel> = (0..args.residents)
            .map(|r| account::ActiveModel {
                id: NotSet,
                username: Set(format!("alert-{c}-{r}")),
                display_name: Set(format!("居民{c}-{r}")),
                real_name: Set(None),
                phone: Set(Some(format!("139{c:04}{r:04}"))),
                // Nobody logs in as these: tokens are minted below.
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
            .filter(account::Column::Username.starts_with(format!("alert-{c}-")))
            .into_tuple()
            .all(&db.read)
            .await
            .unwrap();
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
        for chunk in members.chunks(500) {
            membership::Entity::insert_many(chunk.to_vec()).exec_without_returning(&db.write).await.unwrap();
        }
        n += ids.len();
    }
    // A district office with one staff member.
    let office = directory::create_organisation(
        db,
        &sys,
        NewOrganisation {
            name: "和平区应急管理局".into(),
            kind: OrganisationKind::GovernmentOffice,
            region_id: district.id,
            service_area: vec![],
        },
    )
    .await
    .unwrap();
    let staff = api::accounts::service::create_account(
        db,
        &sys,
        api::accounts::service::NewAccount {
            username: "district-office".into(),
            display_name: "区应急局".into(),
            real_name: None,
            phone: None,
            password: "a-long-password".into(),
        },
    )
    .await
    .unwrap();
    let m = api::accounts::service::add_membership(
        db,
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
    println!("seeded {n} residents in {} communities", args.communities);
    (m.id, Vec::new())
}

async fn token_for(app: &AppState, membership_id: i32) -> String {
    let m = membership::Entity::find_by_id(membership_id).one(&app.db.read).await.unwrap().unwrap();
    let p = api::auth::service::principal_for_membership(&app.db.read, &m).await.unwrap();
    app.keys.issue(&p).unwrap().0
}

async fn serve(config: &Config) -> (AppState, String) {
    let db = Db::connect(config).await.unwrap();
    let app = AppState::new(db, config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::http::serve(listener, app.clone(), std::future::pending()));
    (app, base)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scratch = Scratch::new("alert", (!args.sqlite).then_some(args.postgres.as_str())).await;
    let config = scratch.config.clone();
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    let t = Instant::now();
    let (office_membership, _) = seed(&db, &args).await;
    println!("seeding took {:.1}s", t.elapsed().as_secs_f64());

    let (app1, base1) = serve(&config).await;
    let servers = if args.sqlite { vec![base1.clone()] } else { vec![base1.clone(), serve(&config).await.1] };

    // Subscribers: residents spread over all communities.
    let members: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::Id)
        .filter(membership::Column::Role.eq(Role::Resident))
        .order_by_asc(membership::Column::Id)
        .into_tuple()
        .all(&db.read)
        .await
        .unwrap();
    let step = (members.len() / args.subscribers).max(1);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    for (i, m) in members.iter().step_by(step).take(args.subscribers).enumerate() {
        let token = token_for(&app1, *m).await;
        let url = format!("{}/graphql", servers[i % servers.len()].replace("http://", "ws://"));
        let (tx, ready) = (tx.clone(), ready_tx.clone());
        tokio::spawn(async move {
            let mut req = url.into_client_request().unwrap();
            req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
            let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
            ws.send(Message::Text(init.to_string().into())).await.unwrap();
            let _ack = ws.next().await;
            let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { noticeEvents { noticeId kind } }" } });
            ws.send(Message::Text(sub.to_string().into())).await.unwrap();
            ready.send(()).unwrap();
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg
                    && t.contains("PUBLISHED")
                {
                    tx.send(Instant::now()).unwrap();
                    break;
                }
            }
            // Keep the connection open until the process ends.
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
    }
    for _ in 0..args.subscribers {
        ready_rx.recv().await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("{} subscribers connected over {} process(es)", args.subscribers, servers.len());

    let office = token_for(&app1, office_membership).await;
    let client = reqwest::Client::new();
    let publish = json!({ "query": "mutation { publishNotice(input: {category: EMERGENCY, level: RED, title: \"暴雨红色预警\", body: \"今夜特大暴雨\", instructions: \"请勿外出\"}) { notice { id } } }" });
    let sent = Instant::now();
    let r: Value = client
        .post(format!("{base1}/graphql"))
        .bearer_auth(&office)
        .json(&publish)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let publish_ms = sent.elapsed().as_secs_f64() * 1000.0;
    let alert = r["data"]["publishNotice"]["notice"]["id"].clone();
    assert!(alert.is_string(), "{r}");
    let mut lat = Vec::new();
    while lat.len() < args.subscribers {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(at)) => lat.push((at - sent).as_secs_f64() * 1000.0),
            _ => break,
        }
    }
    lat.sort_by(f64::total_cmp);
    let counts = json!({ "query": "query($n: ID!) { notice(id: $n) { counts { targeted notReached } } }", "variables": { "n": alert } });
    let t = Instant::now();
    let r: Value = client
        .post(format!("{base1}/graphql"))
        .bearer_auth(&office)
        .json(&counts)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let counts_ms = t.elapsed().as_secs_f64() * 1000.0;
    let targeted: i64 =
        r["data"]["notice"]["counts"].as_array().unwrap().iter().map(|c| c["targeted"].as_i64().unwrap()).sum();
    println!(
        "{}: publish to {targeted} residents {publish_ms:.1} ms; {} of {} subscribers received it: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; district counts query {counts_ms:.1} ms",
        if args.sqlite { "SQLite" } else { "PostgreSQL" },
        lat.len(),
        args.subscribers,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or_default()
    );
    drop(db);
    scratch.drop_database().await;
    std::process::exit(0);
}
