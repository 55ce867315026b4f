//! The change feed never skips: 8 writers commit 1,600 changes while a
//! reader pages from the start; afterwards the reader has seen every change
//! exactly once, in commit order. And who reads which entries.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::join_all;
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

const FEED: &str = "query($a: String, $t: [String!]) { changes(after: $a, first: 100, types: $t) {
    cursor hasMore changes { cursor kind objectType objectId at } } }";

const WRITERS: usize = 8;
const BATCHES: usize = 40;
const PER_BATCH: usize = 5;

async fn a_reader_sees_every_change_exactly_once(app: TestApp) {
    let token = ngo_client_token(&app).await;
    let (service, _) = demo_service(&app, &token).await;
    let peach = app.peach_garden().await;
    let done = Arc::new(AtomicBool::new(false));
    let types = json!(["DeliveryRecord"]);

    let reader = async {
        let mut seen: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let finished = done.load(Ordering::SeqCst);
            let r = app.gql(Some(&token), FEED, json!({ "a": after, "t": types })).await;
            let feed = &r["data"]["changes"];
            assert!(feed["cursor"].is_string(), "{r}");
            let page = feed["changes"].as_array().unwrap();
            seen.extend(page.iter().map(|c| c["objectId"].as_str().unwrap().to_owned()));
            after = feed["cursor"].as_str().map(str::to_owned);
            // Stop only after an empty page read once the writers had finished.
            if finished && page.is_empty() {
                break seen;
            }
            if page.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    let writers = async {
        join_all((0..WRITERS).map(|w| {
            let (app, token, service, peach) = (&app, &token, &service, &peach);
            async move {
                for b in 0..BATCHES {
                    let sent: Vec<Value> =
                        (0..PER_BATCH).map(|i| record(&format!("w{w}-b{b}-{i}"), service, peach, 1)).collect();
                    let r = app.gql(Some(token), UPSERT, json!({ "r": sent })).await;
                    assert_eq!(r["data"]["upsertDeliveryRecords"]["created"], PER_BATCH, "{r}");
                }
            }
        }))
        .await;
        done.store(true, Ordering::SeqCst);
    };
    let (seen, ()) = tokio::join!(reader, writers);
    let total = WRITERS * BATCHES * PER_BATCH;
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "a change was delivered twice");
    assert_eq!(seen.len(), total, "a change was skipped");

    // A fresh reader from the start sees the same sequence.
    let mut again = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let r = app.gql(Some(&token), FEED, json!({ "a": after, "t": types })).await;
        let feed = &r["data"]["changes"];
        let page = feed["changes"].as_array().unwrap();
        again.extend(page.iter().map(|c| c["objectId"].as_str().unwrap().to_owned()));
        after = feed["cursor"].as_str().map(str::to_owned);
        if !feed["hasMore"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(again, seen, "the feed's order is stable");
    // At the end, the cursor stays put.
    let r = app.gql(Some(&token), FEED, json!({ "a": after, "t": types })).await;
    assert_eq!(r["data"]["changes"]["cursor"].as_str(), after.as_deref());
    assert_eq!(r["data"]["changes"]["changes"], json!([]));
}

async fn who_reads_the_feed(app: TestApp) {
    let token = ngo_client_token(&app).await;
    let (service, _) = demo_service(&app, &token).await;
    let peach = app.peach_garden().await;
    let r = app.gql(Some(&token), UPSERT, json!({ "r": [record("feed-1", &service, &peach, 1)] })).await;
    let id = r["data"]["upsertDeliveryRecords"]["results"][0]["deliveryRecordId"].clone();
    let types = json!(["DeliveryRecord"]);
    let ids_for = |r: &Value| -> Vec<Value> {
        r["data"]["changes"]["changes"]
            .as_array()
            .map(|a| a.iter().map(|c| c["objectId"].clone()).collect())
            .unwrap_or_default()
    };
    // The organisation, the committee of the community and the office see it.
    for who in ["demo-ngo", "demo-committee", "demo-office", "demo-admin"] {
        let t = app.token(who).await;
        let r = app.gql(Some(&t), FEED, json!({ "a": null, "t": types })).await;
        assert!(ids_for(&r).contains(&id), "{who}: {r}");
    }
    // Another organisation sees nothing of it; residents and district systems read no feed.
    let r = app.gql(Some(&app.token("demo-property").await), FEED, json!({ "a": null, "t": types })).await;
    assert_eq!(ids_for(&r), Vec::<Value>::new(), "{r}");
    for t in [app.token("demo-resident").await, district_token(&app).await] {
        assert_eq!(code(&app.gql(Some(&t), FEED, json!({ "a": null })).await), crate::common::HIDDEN);
    }
    // Bad input is named.
    let r = app.gql(Some(&token), FEED, json!({ "a": "garbage", "t": null })).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].clone()), ("BAD_USER_INPUT", json!("after")));
    // A type the feed does not carry (a report is a node, not a feed
    // entry) is refused rather than answered with an empty feed forever;
    // the page is capped like every list.
    for t in [json!(["Nope"]), json!(["Report"]), json!(["DeliveryRecord", "Project"])] {
        let r = app.gql(Some(&token), FEED, json!({ "a": null, "t": t })).await;
        assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].clone()), ("BAD_USER_INPUT", json!("types")));
    }
    let r = app.gql(Some(&token), "{ changes(first: 1000) { cursor } }", json!({})).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].clone()), ("BAD_USER_INPUT", json!("first")));
}

both!(a_reader_sees_every_change_exactly_once, who_reads_the_feed);
