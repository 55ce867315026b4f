//! Every indicator of a community, a street and the district equals the
//! figure computed by hand from the fixture (see `mod.rs`).

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::TestApp;

/// (value, numerator, denominator, count) of a point, for comparison.
type Fig = (Value, Value, Value, Value);

fn fig(p: &Value) -> Fig {
    (p["value"].clone(), p["numerator"].clone(), p["denominator"].clone(), p["count"].clone())
}

fn ratio(n: i64, d: i64) -> Fig {
    #[allow(clippy::cast_precision_loss)]
    let v = if d > 0 { json!(n as f64 / d as f64) } else { Value::Null };
    (v, json!(n as f64), json!(d as f64), json!(d))
}

fn hours(v: Option<f64>, n: i64) -> Fig {
    #[allow(clippy::cast_precision_loss)]
    (json!(v), Value::Null, json!(n as f64), json!(n))
}

fn count(n: i64, records: i64) -> Fig {
    #[allow(clippy::cast_precision_loss)]
    (json!(n as f64), json!(n as f64), Value::Null, json!(records))
}

fn fund(spent: i64, allocated: i64, allocations: i64) -> Fig {
    let (v, n, d, _) = ratio(spent, allocated);
    (v, n, d, json!(allocations))
}

fn check(r: &Value, who: &str, month: &str, expected: &[(&str, Fig)]) {
    for (name, want) in expected {
        let p = point(r, name, month);
        assert_eq!(&fig(p), want, "{who} {month} {name}: {p}");
        assert_eq!(p["suppressed"], false, "{who} {name}");
        assert_eq!(p["revision"], 1, "a closed month is frozen at revision 1: {p}");
        assert_eq!(p["isFinal"], true);
    }
}

async fn each_indicator_matches_the_hand_computed_figures(app: TestApp) {
    let f = fixture(&app).await;
    let admin = app.token("demo-admin").await;

    // Peach, March: reports A, B, C, E filed (D is April's); A and B
    // resolved by the month's end; B (late) and C (unresolved) overdue;
    // A (10 h) and B (48 h) resolved in March. Ratings: A 5, B 2, the
    // service request 5. Active: p1, p2, p3 (reports), p5 (rating), p6
    // and the building head (votes) of 7 eligible residents. The fund: 300.00 of 1,000.00.
    let r = pull(&app, &admin, f.peach, "2025-01", "2025-04").await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(points(&r, "SATISFACTION_RATE").len(), 4);
    check(
        &r,
        "Peach",
        "2025-03",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(2, 4)),
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(Some(10.0), 2)),
            ("REPORT_RESOLUTION_HOURS_P90", hours(Some(48.0), 2)),
            ("REPORT_OVERDUE_SHARE", ratio(2, 4)),
            ("SATISFACTION_RATE", ratio(2, 3)),
            ("SATISFACTION_RATE_REPORTS", ratio(1, 2)),
            ("SATISFACTION_RATE_SERVICES", ratio(1, 1)),
            ("SATISFACTION_RATE_PROJECTS", ratio(0, 0)),
            ("PARTICIPATION_RATE", ratio(6, 7)),
            ("FUND_EXECUTION_RATE", fund(30_000, 100_000, 1)),
            ("SERVICE_DELIVERIES", count(2, 2)),
            ("SERVICE_BENEFICIARIES", count(3, 2)),
            ("SERVICE_HOURS", count(2, 2)),
            ("PROJECTS_PROPOSED", count(1, 1)),
            ("PROJECTS_APPROVED", count(1, 1)),
            ("PROJECTS_COMPLETED", count(0, 0)),
            ("PROJECTS_EVALUATED", count(0, 0)),
        ],
    );
    // April: D (filed 23:30 UTC on 31 March) is April's, a dispute mediated
    // to an agreement after 2 h (resolved) and rated by p4 (the month's one
    // active resident); D2, a dispute whose mediation failed, is filed and
    // unresolved (1 of 2 resolved); E resolved after 120 h. The fund: 400.00 approved to date. The 1 April delivery
    // (60 min, 1 person).
    check(
        &r,
        "Peach",
        "2025-04",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(1, 2)),
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(Some(2.0), 2)),
            ("REPORT_RESOLUTION_HOURS_P90", hours(Some(120.0), 2)),
            ("SATISFACTION_RATE", ratio(1, 1)),
            ("PARTICIPATION_RATE", ratio(1, 7)),
            ("FUND_EXECUTION_RATE", fund(40_000, 100_000, 1)),
            ("SERVICE_DELIVERIES", count(1, 1)),
            ("SERVICE_HOURS", count(1, 1)),
        ],
    );
    // February: only p4's comment and the allocation. January: nothing.
    check(
        &r,
        "Peach",
        "2025-02",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(0, 0)),
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(None, 0)),
            ("SATISFACTION_RATE", ratio(0, 0)),
            ("PARTICIPATION_RATE", ratio(1, 7)),
            ("FUND_EXECUTION_RATE", fund(0, 100_000, 1)),
            ("SERVICE_DELIVERIES", count(0, 0)),
        ],
    );
    check(
        &r,
        "Peach",
        "2025-01",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(0, 0)),
            ("PARTICIPATION_RATE", ratio(0, 7)),
            ("FUND_EXECUTION_RATE", fund(0, 0, 0)),
            ("SERVICE_HOURS", count(0, 0)),
            ("PROJECTS_PROPOSED", count(0, 0)),
        ],
    );

    // East street = Peach + Willow. Willow, March: F filed and resolved
    // (4 h), rated 4; w2's 4-star evaluation; active w1, w2 of 3; the
    // project completed and evaluated; 120 min for 3 people.
    let r = pull(&app, &admin, f.east, "2025-03", "2025-03").await;
    check(
        &r,
        "East",
        "2025-03",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(3, 5)),
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(Some(10.0), 3)),
            ("REPORT_RESOLUTION_HOURS_P90", hours(Some(48.0), 3)),
            ("REPORT_OVERDUE_SHARE", ratio(2, 5)),
            ("SATISFACTION_RATE", ratio(4, 5)),
            ("SATISFACTION_RATE_REPORTS", ratio(2, 3)),
            ("SATISFACTION_RATE_SERVICES", ratio(1, 1)),
            ("SATISFACTION_RATE_PROJECTS", ratio(1, 1)),
            ("PARTICIPATION_RATE", ratio(8, 10)),
            ("FUND_EXECUTION_RATE", fund(30_000, 100_000, 1)),
            ("SERVICE_DELIVERIES", count(3, 3)),
            ("SERVICE_BENEFICIARIES", count(6, 3)),
            ("SERVICE_HOURS", count(4, 3)),
            ("PROJECTS_PROPOSED", count(1, 1)),
            ("PROJECTS_APPROVED", count(1, 1)),
            ("PROJECTS_COMPLETED", count(1, 1)),
            ("PROJECTS_EVALUATED", count(1, 1)),
        ],
    );
    // The district adds River: G filed and resolved (20 h, on time), rated
    // 3; r1 active of 2 residents. Rates are of the summed counts (4 of 6
    // resolved), not the average of the streets' rates.
    let r = pull(&app, &admin, f.district, "2025-03", "2025-03").await;
    check(
        &r,
        "District",
        "2025-03",
        &[
            ("REPORT_RESOLUTION_RATE", ratio(4, 6)),
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(Some(10.0), 4)),
            ("REPORT_RESOLUTION_HOURS_P90", hours(Some(48.0), 4)),
            ("REPORT_OVERDUE_SHARE", ratio(2, 6)),
            ("SATISFACTION_RATE", ratio(4, 6)),
            ("SATISFACTION_RATE_REPORTS", ratio(2, 4)),
            ("SATISFACTION_RATE_SERVICES", ratio(1, 1)),
            ("SATISFACTION_RATE_PROJECTS", ratio(1, 1)),
            ("PARTICIPATION_RATE", ratio(9, 12)),
            ("FUND_EXECUTION_RATE", fund(30_000, 100_000, 1)),
            ("SERVICE_DELIVERIES", count(3, 3)),
            ("SERVICE_BENEFICIARIES", count(6, 3)),
            ("SERVICE_HOURS", count(4, 3)),
            ("PROJECTS_PROPOSED", count(1, 1)),
            ("PROJECTS_APPROVED", count(1, 1)),
            ("PROJECTS_COMPLETED", count(1, 1)),
            ("PROJECTS_EVALUATED", count(1, 1)),
        ],
    );
    let district = r;
    let r = pull(&app, &admin, f.river, "2025-03", "2025-03").await;
    check(
        &r,
        "River",
        "2025-03",
        &[
            ("REPORT_RESOLUTION_HOURS_MEDIAN", hours(Some(20.0), 1)),
            ("REPORT_OVERDUE_SHARE", ratio(0, 1)),
            ("SATISFACTION_RATE", ratio(0, 1)),
        ],
    );

    // A pull is reproducible: the same figures again, still revision 1.
    let again = pull(&app, &admin, f.district, "2025-03", "2025-03").await;
    assert!(again == district, "a closed month gives the same figures on every pull");
}

/// Rankings compare the children of a region, best first.
async fn rankings_compare_the_children(app: TestApp) {
    let f = fixture(&app).await;
    let admin = app.token("demo-admin").await;
    let q = "query($r: ID!, $m: Month!, $n: IndicatorName!) { indicatorRanking(regionId: $r, month: $m, name: $n) {
        rank region { name } point { value suppressed } } }";
    let r = app.gql(Some(&admin), q, json!({ "r": gid(f.east), "m": "2025-03", "n": "REPORT_RESOLUTION_RATE" })).await;
    assert_eq!(
        r["data"]["indicatorRanking"],
        json!([
            { "rank": 1, "region": { "name": "柳巷社区" }, "point": { "value": 1.0, "suppressed": false } },
            { "rank": 2, "region": { "name": "桃园社区" }, "point": { "value": 0.5, "suppressed": false } },
        ]),
        "{r}"
    );
    // Lower is better for resolution hours: Willow's 4 h before Peach's 10 h.
    let r = app
        .gql(Some(&admin), q, json!({ "r": gid(f.east), "m": "2025-03", "n": "REPORT_RESOLUTION_HOURS_MEDIAN" }))
        .await;
    let names: Vec<&Value> =
        r["data"]["indicatorRanking"].as_array().unwrap().iter().map(|e| &e["region"]["name"]).collect();
    assert_eq!(names, [&json!("柳巷社区"), &json!("桃园社区")], "{r}");
    // The streets of the district.
    let r = app.gql(Some(&admin), q, json!({ "r": gid(f.district), "m": "2025-03", "n": "SATISFACTION_RATE" })).await;
    assert_eq!(
        r["data"]["indicatorRanking"],
        json!([
            { "rank": 1, "region": { "name": "东湖街道" }, "point": { "value": 0.8, "suppressed": false } },
            { "rank": 2, "region": { "name": "西山街道" }, "point": { "value": 0.0, "suppressed": false } },
        ]),
        "{r}"
    );
}

/// Bad input gets a clear error, and nothing is stored.
async fn bad_months_are_refused(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let peach = app.region_id("桃园社区").await;
    for (from, to, code) in [
        ("2025-13", "2025-12", "BAD_USER_INPUT"),
        ("2025-3", "2025-04", "BAD_USER_INPUT"),
        ("2025-04", "2025-03", "BAD_USER_INPUT"),
        ("2020-01", "2025-12", "BAD_USER_INPUT"),
    ] {
        let r = pull(&app, &admin, peach, from, to).await;
        assert_eq!(crate::common::code(&r), code, "{from}..{to}: {r}");
    }
    let r = app.gql(Some(&admin), SERIES, json!({ "r": "not-an-id", "from": "2025-01", "to": "2025-02" })).await;
    assert_eq!(crate::common::code(&r), "BAD_USER_INPUT", "{r}");
    let n = entity::indicator_value::Entity::find().all(&app.db.write).await.unwrap().len();
    assert_eq!(n, 0, "no figure stored by a refused request");
}

both!(each_indicator_matches_the_hand_computed_figures, rankings_compare_the_children, bad_months_are_refused);
