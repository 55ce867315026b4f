//! Every volunteering mutation once as each kind that is shown it: the
//! audit walk (`crate::audit_walk`) calls this, so every verb is performed
//! and the surface walk finds each mutation done by its kinds.

use serde_json::{Value, json};

use super::{SIGN_UP, ok};
use crate::common::TestApp;
use crate::projects::Actors;

/// An activity run by `organiser` with `first` checked in and out and
/// `second` confirmed for two hours, another cancelled after `first`
/// withdrew; with `store`, a store item `second` redeems three times
/// (handed over, cancelled by them, cancelled by the organiser).
async fn run(app: &TestApp, organiser: &str, first: &str, second: &str, store: bool) {
    let peach = app.peach_garden().await;
    let create = "mutation($c: ID!) { createVolunteerActivity(input: {communityId: $c, title: \"巡河\",
        description: \"沿河巡查\", startsAt: \"2026-12-21T01:00:00Z\", endsAt: \"2026-12-21T03:00:00Z\",
        capacity: 5, pointsPerHour: 60}) { activity { id } } }";
    let made = || async {
        let d = ok(app, organiser, create, json!({ "c": peach })).await;
        d["createVolunteerActivity"]["activity"]["id"].clone()
    };
    let act = |name: &'static str, id: Value| async move {
        let q = format!("mutation($a: ID!) {{ {name}(input: {{activityId: $a}}) {{ activity {{ id }} }} }}");
        ok(app, organiser, &q, json!({ "a": id })).await;
    };
    let a = made().await;
    act("publishVolunteerActivity", a.clone()).await;
    let s1 = ok(app, first, SIGN_UP, json!({ "a": a })).await["signUpForActivity"]["signup"]["id"].clone();
    let s2 = ok(app, second, SIGN_UP, json!({ "a": a })).await["signUpForActivity"]["signup"]["id"].clone();
    let b = made().await;
    act("publishVolunteerActivity", b.clone()).await;
    ok(app, first, SIGN_UP, json!({ "a": b })).await;
    ok(
        app,
        first,
        "mutation($a: ID!) { withdrawFromActivity(input: {activityId: $a}) { signup { id } } }",
        json!({ "a": b }),
    )
    .await;
    ok(
        app,
        organiser,
        "mutation($a: ID!) { cancelVolunteerActivity(input: {activityId: $a, reason: \"下雨\"}) { activity { id } } }",
        json!({ "a": b }),
    )
    .await;
    act("startVolunteerActivity", a.clone()).await;
    ok(
        app,
        organiser,
        "mutation($s: ID!) { checkInVolunteer(input: {signupId: $s}) { signup { id } } }",
        json!({ "s": s1 }),
    )
    .await;
    ok(
        app,
        organiser,
        "mutation($s: ID!) { checkOutVolunteer(input: {signupId: $s}) { signup { id } } }",
        json!({ "s": s1 }),
    )
    .await;
    ok(
        app,
        organiser,
        "mutation($s: ID!) { confirmVolunteerAttendance(input: {signupId: $s, minutes: 120}) { pointsAwarded } }",
        json!({ "s": s2 }),
    )
    .await;
    act("completeVolunteerActivity", a).await;
    if !store {
        return;
    }

    let d = ok(app, organiser, "mutation($c: ID!) { offerPointsItem(input: {communityId: $c, title: \"毛巾\", cost: 10, stock: 5}) { item { id } } }", json!({ "c": peach })).await;
    let item = d["offerPointsItem"]["item"]["id"].clone();
    let redeem = "mutation($i: ID!) { redeemPointsItem(input: {itemId: $i}) { redemption { id } } }";
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(ok(app, second, redeem, json!({ "i": item })).await["redeemPointsItem"]["redemption"]["id"].clone());
    }
    ok(
        app,
        organiser,
        "mutation($r: ID!) { fulfilRedemption(input: {redemptionId: $r}) { redemption { id } } }",
        json!({ "r": made[0] }),
    )
    .await;
    let cancel = "mutation($r: ID!) { cancelRedemption(input: {redemptionId: $r}) { redemption { id } } }";
    ok(app, second, cancel, json!({ "r": made[1] })).await;
    ok(app, organiser, cancel, json!({ "r": made[2] })).await;
}

/// Every volunteering mutation, by every kind shown it.
pub(crate) async fn perform(app: &TestApp, a: &Actors) {
    let (resident, head) = (a.t("demo-resident"), a.t("demo-building-head"));
    ok(
        app,
        a.t("demo-committee"),
        "mutation { setPointsRules(input: {rules: [{kind: VOLUNTEER_HOURS, points: 5}]}) { rules { kind } } }",
        json!({}),
    )
    .await;
    run(app, a.t("demo-committee"), resident, head, true).await;
    run(app, a.t("demo-ngo"), head, resident, true).await;
    run(app, a.t("demo-property"), resident, head, true).await;
    // The party organisation leads volunteer work; it offers no store items.
    run(app, a.t("demo-party"), head, resident, false).await;
}
