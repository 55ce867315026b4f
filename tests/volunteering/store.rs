//! The points store: redemptions under concurrency, the ledger recomputed,
//! short points refused with the balance, cancellation refunds.

use entity::enums::PointsKind;
use entity::{points_balance, points_ledger};
use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, QueryOrder, Set};
use serde_json::json;

use super::{ok, residents};
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::Actors;

both!(fifty_redemptions_of_ten_in_stock);

/// Every balance equals the sum of its ledger rows, and every row's
/// balance-after follows from the row before it.
pub(crate) async fn assert_ledger_agrees(app: &TestApp) {
    let rows = points_ledger::Entity::find().order_by_asc(points_ledger::Column::Id).all(&app.db.write).await.unwrap();
    let mut running = std::collections::HashMap::new();
    for r in &rows {
        let b = running.entry((r.account_id, r.community_id)).or_insert(0i64);
        *b += r.delta;
        assert_eq!(*b, r.balance_after, "ledger row {} follows from the one before", r.id);
        assert!(*b >= 0);
    }
    for b in points_balance::Entity::find().all(&app.db.write).await.unwrap() {
        assert_eq!(running.get(&(b.account_id, b.community_id)).copied().unwrap_or(0), b.balance);
    }
}

/// Give a person points as an award would (a ledger row and the balance).
pub(crate) async fn grant(app: &TestApp, account: i32, community: i32, points: i64) {
    points_balance::ActiveModel { account_id: Set(account), community_id: Set(community), balance: Set(points) }
        .insert(&app.db.write)
        .await
        .unwrap();
    points_ledger::ActiveModel {
        id: NotSet,
        account_id: Set(account),
        community_id: Set(community),
        kind: Set(PointsKind::VolunteerHours),
        delta: Set(points),
        balance_after: Set(points),
        source: Set(format!("fixture:{account}")),
        awarded_by_account_id: Set(None),
        at: Set(chrono::Utc::now()),
    }
    .insert(&app.db.write)
    .await
    .unwrap();
}

const REDEEM: &str = "mutation($i: ID!) { redeemPointsItem(input: {itemId: $i}) { redemption { id status cost } } }";

async fn fifty_redemptions_of_ten_in_stock(app: TestApp) {
    let a = Actors::login(&app).await;
    let (committee, resident, office) = (a.t("demo-committee"), a.t("demo-resident"), a.t("demo-office"));
    let peach = app.peach_garden().await;
    let community = app.region_id("桃园社区").await;
    let offer = "mutation($c: ID!, $cost: Int!, $stock: Int!) { offerPointsItem(input: {communityId: $c,
        title: \"洗衣液\", cost: $cost, stock: $stock}) { item { id stock } } }";
    // A resident offers nothing; bad stock is refused.
    assert!(!app.gql(Some(resident), offer, json!({ "c": peach, "cost": 60, "stock": 10 })).await["errors"].is_null());
    let r = app.gql(Some(committee), offer, json!({ "c": peach, "cost": 60, "stock": -1 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let d = ok(&app, committee, offer, json!({ "c": peach, "cost": 60, "stock": 10 })).await;
    let item = d["offerPointsItem"]["item"]["id"].clone();

    let people = residents(&app, "redeem", 50).await;
    for (id, _) in &people {
        grant(&app, *id, community, 100).await;
    }
    let answers = join_all(people.iter().map(|(_, t)| app.gql(Some(t), REDEEM, json!({ "i": item })))).await;
    let won: Vec<_> = answers.iter().filter(|r| r["errors"].is_null()).collect();
    assert_eq!(won.len(), 10, "exactly the stock");
    for r in answers.iter().filter(|r| !r["errors"].is_null()) {
        assert_eq!(code(r), "CONFLICT", "{r}");
    }
    let d = ok(&app, committee, "{ pointsItems { stock } }", json!({})).await;
    assert_eq!(d["pointsItems"][0]["stock"], 0);
    // The API's balances are the ledger's.
    assert_ledger_agrees(&app).await;
    let balances = join_all(people.iter().map(|(_, t)| app.gql(Some(t), "{ myPoints { balance } }", json!({})))).await;
    let spent = balances.iter().filter(|r| r["data"]["myPoints"]["balance"] == 40).count();
    let kept = balances.iter().filter(|r| r["data"]["myPoints"]["balance"] == 100).count();
    assert_eq!((spent, kept), (10, 40));

    // Not enough points: CONFLICT naming the balance; nothing taken.
    let d = ok(&app, committee, offer, json!({ "c": peach, "cost": 60, "stock": 5 })).await;
    let second = d["offerPointsItem"]["item"]["id"].clone();
    let winner = people.iter().zip(&answers).find(|(_, r)| r["errors"].is_null()).unwrap().0;
    let r = app.gql(Some(&winner.1), REDEEM, json!({ "i": second })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["balance"], "POINTS");
    assert_eq!(r["errors"][0]["extensions"]["remaining"], "40");
    let d =
        ok(&app, committee, "query($i: ID!) { node(id: $i) { ... on PointsItem { stock } } }", json!({ "i": second }))
            .await;
    assert_eq!(d["node"]["stock"], 5, "the stock is untouched");

    // The office reads but does not hand over; the committee hands over; the person cancels another: refund.
    let redemptions = ok(&app, committee, "{ pointsRedemptions { id status name } }", json!({})).await;
    let list = redemptions["pointsRedemptions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 10);
    let fulfil = "mutation($r: ID!) { fulfilRedemption(input: {redemptionId: $r}) { redemption { status } } }";
    assert!(!app.gql(Some(office), fulfil, json!({ "r": list[0]["id"] })).await["errors"].is_null());
    let d = ok(&app, committee, fulfil, json!({ "r": list[0]["id"] })).await;
    assert_eq!(d["fulfilRedemption"]["redemption"]["status"], "FULFILLED");
    let cancel = "mutation($r: ID!) { cancelRedemption(input: {redemptionId: $r}) { redemption { status } } }";
    assert_eq!(code(&app.gql(Some(committee), cancel, json!({ "r": list[0]["id"] })).await), "BAD_USER_INPUT");
    let mine = ok(&app, &winner.1, "{ myPoints { redemptions { id } } }", json!({})).await;
    let own = mine["myPoints"]["redemptions"][0]["id"].clone();
    // Another resident cannot cancel it: it is not theirs to see.
    assert_eq!(code(&app.gql(Some(resident), cancel, json!({ "r": own })).await), "NOT_FOUND");
    let d = ok(&app, &winner.1, cancel, json!({ "r": own })).await;
    if d["cancelRedemption"]["redemption"]["status"] == "CANCELLED" {
        let d = ok(&app, &winner.1, "{ myPoints { balance entries { kind delta } } }", json!({})).await;
        assert_eq!(d["myPoints"]["balance"], 100);
        assert_eq!(d["myPoints"]["entries"][0], json!({ "kind": "REFUND", "delta": 60 }));
    }
    let d =
        ok(&app, committee, "query($i: ID!) { node(id: $i) { ... on PointsItem { stock } } }", json!({ "i": item }))
            .await;
    assert_eq!(d["node"]["stock"], 1, "the cancelled one is back in stock");
    assert_ledger_agrees(&app).await;
}
