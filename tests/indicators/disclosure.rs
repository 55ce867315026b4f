//! One suppression pattern for every audience (issue 34): the district
//! system, residents and the stored month all hide the same cells, so what
//! one audience sees cannot be combined with what another sees to recover
//! a hidden figure; a revision only grows the pattern; months frozen before
//! patterns were stored get theirs on first read.

use chrono::{Duration, Utc};
use entity::indicator_pattern;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::TestApp;
use crate::services::district_token;

const RATE: &str = "REPORT_RESOLUTION_RATE";

/// `n` reports in `community` filed at `when`, `resolved` of them resolved.
async fn reports(app: &TestApp, community: i32, n: usize, resolved: usize, when: chrono::DateTime<Utc>) {
    let category = report_category::Entity::find().one(&app.db.write).await.unwrap().expect("a category");
    let reporter = resident(app, &format!("r{community}-{n}-{}", when.timestamp()), community).await;
    let (created, due) = (when.to_rfc3339(), (when + Duration::days(3)).to_rfc3339());
    let fixed = (when + Duration::hours(5)).to_rfc3339();
    for i in 0..n {
        let resolved = (i < resolved).then_some(fixed.as_str());
        report(app, &category, Filed { community, reporter, created: &created, due: &due, resolved, rating: None })
            .await;
    }
}

/// (suppressed, numerator, denominator) of the rate in `month`.
fn cell(r: &Value, month: &str) -> (Value, Value, Value) {
    let p = point(r, RATE, month);
    (p["suppressed"].clone(), p["numerator"].clone(), p["denominator"].clone())
}

fn hidden() -> (Value, Value, Value) {
    (json!(true), Value::Null, Value::Null)
}

async fn dong_hu_liu_xiang_tao_yuan_one_pattern_for_everyone(app: TestApp) {
    let tz = app.config.indicator_time_zone;
    let current = api::indicators::months::YearMonth::of(Utc::now(), tz);
    let closed = current.prev();
    let month = closed.to_string();
    let (peach, willow, river) =
        (app.region_id("桃园社区").await, app.region_id("柳巷社区").await, app.region_id("河湾社区").await);
    let (east, west, district_id) =
        (app.region_id("东湖街道").await, app.region_id("西山街道").await, app.region_id("和平区").await);
    // Last month: 柳巷 3 reports (none resolved), 桃园 74 (7 resolved).
    let when = closed.start(tz) + Duration::days(2);
    reports(&app, willow, 3, 0, when).await;
    reports(&app, peach, 74, 7, when).await;

    let district = district_token(&app).await;
    let resident = app.token("demo-resident").await;
    // The district system: 东湖 77 (7 resolved) shown; 柳巷 below k, and
    // 桃园 with it, else 77 − 74 would give 柳巷 away.
    let r = pull(&app, &district, east, &month, &month).await;
    assert_eq!(cell(&r, &month), (json!(false), json!(7.0), json!(77.0)), "{r}");
    for c in [willow, peach] {
        let r = pull(&app, &district, c, &month, &month).await;
        assert_eq!(cell(&r, &month), hidden(), "{c}: {r}");
    }
    // A resident of 桃园 gets the same pattern: their own community's
    // figure is hidden too (before, it was shown to them, and 77 − 74 = 3).
    let r = pull(&app, &resident, peach, &month, &month).await;
    assert_eq!(cell(&r, &month), hidden(), "{r}");
    // Roles that read figures unsuppressed keep reading them.
    let r = pull(&app, &app.token("demo-committee").await, peach, &month, &month).await;
    assert_eq!(cell(&r, &month), (json!(false), json!(7.0), json!(74.0)), "{r}");
    let r = pull(&app, &app.token("demo-office").await, willow, &month, &month).await;
    assert_eq!(cell(&r, &month), (json!(false), json!(0.0), json!(3.0)), "{r}");

    // The pattern is stored with the frozen month.
    let stored = indicator_pattern::Entity::find()
        .filter(indicator_pattern::Column::Month.eq(month.clone()))
        .filter(indicator_pattern::Column::Indicator.eq(RATE))
        .all(&app.db.write)
        .await
        .unwrap();
    let mut want = vec![peach, willow];
    want.sort_unstable();
    assert_eq!(
        stored.iter().map(|p| (p.revision, p.hidden.clone())).collect::<Vec<_>>(),
        [(1, json!(want).to_string())]
    );

    // A late correction: 2 reports in 河湾, the only community of 西山.
    // The revision hides 河湾 (below k), 西山 (equal to it) and 东湖 (the
    // district less 西山); 柳巷 and 桃园 stay hidden, and so do the earlier
    // revisions of every hidden figure.
    reports(&app, river, 2, 1, when).await;
    let revised = api::indicators::jobs::run(&app.state).await.unwrap();
    assert!(revised > 0, "the job records the correction");
    for c in [willow, peach, river, west, east] {
        let r = pull(&app, &district, c, &month, &month).await;
        let p = point(&r, RATE, &month);
        assert_eq!(p["suppressed"], true, "{c}: {r}");
        for e in p["earlierRevisions"].as_array().unwrap() {
            assert_eq!((&e["suppressed"], &e["numerator"]), (&json!(true), &Value::Null), "{c}: {r}");
        }
    }
    let r = pull(&app, &district, district_id, &month, &month).await;
    assert_eq!(cell(&r, &month), (json!(false), json!(8.0), json!(79.0)), "{r}");
    let latest = indicator_pattern::Entity::find()
        .filter(indicator_pattern::Column::Month.eq(month.clone()))
        .filter(indicator_pattern::Column::Indicator.eq(RATE))
        .filter(indicator_pattern::Column::Revision.eq(2))
        .one(&app.db.write)
        .await
        .unwrap()
        .expect("revision 2 of the pattern");
    let mut want = vec![peach, willow, river, east, west];
    want.sort_unstable();
    assert_eq!(latest.hidden, json!(want).to_string());

    // A month frozen before patterns were stored gets its pattern on first
    // read (derived from the stored figures, once), and every audience
    // reads that one.
    indicator_pattern::Entity::delete_many()
        .filter(indicator_pattern::Column::Month.eq(month.clone()))
        .exec(&app.db.write)
        .await
        .unwrap();
    let mine = pull(&app, &resident, peach, &month, &month).await;
    let theirs = pull(&app, &district, peach, &month, &month).await;
    assert_eq!(cell(&mine, &month), cell(&theirs, &month), "{mine} {theirs}");
    let r = pull(&app, &district, willow, &month, &month).await;
    assert_eq!(cell(&r, &month), hidden(), "{r}");
    let again = indicator_pattern::Entity::find()
        .filter(indicator_pattern::Column::Month.eq(month.clone()))
        .filter(indicator_pattern::Column::Indicator.eq(RATE))
        .all(&app.db.write)
        .await
        .unwrap();
    assert_eq!(again.iter().map(|p| p.revision).collect::<Vec<_>>(), [1], "derived once");
    assert!(again[0].hidden.contains(&willow.to_string()), "{again:?}");
}

async fn the_current_month_shows_every_audience_the_same_cells(app: TestApp) {
    let tz = app.config.indicator_time_zone;
    let month = api::indicators::months::YearMonth::of(Utc::now(), tz).to_string();
    let (peach, willow) = (app.region_id("桃园社区").await, app.region_id("柳巷社区").await);
    reports(&app, willow, 2, 0, Utc::now() - Duration::seconds(5)).await;
    reports(&app, peach, 30, 3, Utc::now() - Duration::seconds(5)).await;
    let district = district_token(&app).await;
    let resident = app.token("demo-resident").await;
    let a = pull(&app, &district, peach, &month, &month).await;
    let b = pull(&app, &resident, peach, &month, &month).await;
    let mut compared = 0;
    for series in b["data"]["indicators"].as_array().unwrap_or_else(|| panic!("{b}")) {
        let name = series["name"].as_str().unwrap();
        let (x, y) = (point(&a, name, &month), point(&b, name, &month));
        assert_eq!(
            (&x["suppressed"], &x["value"], &x["count"]),
            (&y["suppressed"], &y["value"], &y["count"]),
            "{name}"
        );
        compared += 1;
    }
    assert!(compared >= 10, "{b}");
    // 柳巷 is small: hidden, and 桃园 with it, for both.
    assert_eq!(point(&b, RATE, &month)["suppressed"], true, "{b}");
    let r = pull(&app, &district, willow, &month, &month).await;
    assert_eq!(point(&r, RATE, &month)["suppressed"], true, "{r}");
}

both!(dong_hu_liu_xiang_tao_yuan_one_pattern_for_everyone, the_current_month_shows_every_audience_the_same_cells);
