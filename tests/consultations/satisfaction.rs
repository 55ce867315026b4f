//! The standard satisfaction survey feeds SURVEYED_SATISFACTION_RATE: for
//! the month the survey closed, the indicator is the survey's own result.

use chrono::Datelike;
use sea_orm::EntityTrait;
use serde_json::json;

use super::{ANSWER, CREATE, RESULTS, close};
use crate::both;
use crate::common::TestApp;
use crate::projects::Actors;
use crate::volunteering::{ok, residents};

both!(the_satisfaction_indicator_is_the_survey_s_result);

async fn the_satisfaction_indicator_is_the_survey_s_result(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let peach = app.peach_garden().await;
    let d = ok(&app, committee, CREATE, json!({ "r": peach, "t": "COMMUNITY_SATISFACTION" })).await;
    let id = d["createSurvey"]["survey"]["id"].clone();
    assert_eq!(d["createSurvey"]["survey"]["questions"][0]["kind"], "RATING");
    ok(
        &app,
        committee,
        "mutation($s: ID!) { openSurvey(input: {surveyId: $s}) { survey { status } } }",
        json!({ "s": id }),
    )
    .await;
    let ratings = [5, 4, 4, 3, 2, 5];
    for ((_, token), rating) in residents(&app, "satisfied", 6).await.iter().zip(ratings) {
        ok(
            &app,
            token,
            ANSWER,
            json!({ "s": id, "a": [{ "position": 1, "rating": rating }, { "position": 2, "rating": 3 }] }),
        )
        .await;
    }
    close(&app, committee, &id).await;
    // The survey closed on the 15th of last month (Asia/Shanghai).
    let local = chrono::Utc::now() + chrono::Duration::hours(8);
    let prev = local.date_naive().with_day(1).unwrap() - chrono::Duration::days(1);
    let month = prev.format("%Y-%m").to_string();
    let closed = prev.with_day(15).unwrap().and_hms_opt(4, 0, 0).unwrap().and_utc();
    entity::survey::Entity::update_many()
        .col_expr(entity::survey::Column::ClosedAt, sea_orm::sea_query::Expr::value(Some(closed)))
        .exec(&app.db.write)
        .await
        .unwrap();

    let results = ok(&app, committee, RESULTS, json!({ "s": id })).await;
    let q1 = &results["survey"]["results"]["questions"][0];
    assert_eq!(q1["counts"], json!([0, 1, 1, 2, 2]));
    let good = q1["counts"][3].as_i64().unwrap() + q1["counts"][4].as_i64().unwrap();
    let vars = json!({ "r": peach, "from": month, "to": month, "n": ["SURVEYED_SATISFACTION_RATE"] });
    let d = ok(&app, committee, crate::indicators::SERIES, vars).await;
    let point = &d["indicators"][0]["points"][0];
    assert_eq!(point["numerator"], good as f64, "{d}");
    assert_eq!(point["denominator"], q1["answered"].as_i64().unwrap() as f64, "{d}");
    assert_eq!(point["suppressed"], false);
    assert!((point["value"].as_f64().unwrap() - 4.0 / 6.0).abs() < 1e-9, "{d}");
}
