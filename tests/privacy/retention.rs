//! Retention: NEED_HELP answers, visit notes and rosters are purged after
//! an alert closes; access records expire; the alert's counts stay.

use serde_json::json;

use super::*;
use crate::common::{Engine, TestApp};

async fn answers_lose_their_person_after_retention(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        c.retention_alert_answers_days = 0;
        c.retention_access_log_days = 0;
    })
    .await;
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let alert = alert_to_building_one(&app, committee).await;
    let r = crate::notices::respond(&app, a.t("demo-resident"), &alert, "NEED_HELP", Some("心脏不好")).await;
    assert!(r["errors"].is_null(), "{r}");
    let roster = "query($n: ID!) { notice(id: $n) { roster { displayName state note } } }";
    let r = app.gql(Some(committee), roster, json!({ "n": alert })).await;
    assert!(r["data"]["notice"]["roster"].to_string().contains("心脏不好"), "{r}");
    assert!(!access_log(&app, a.t("demo-resident")).await.is_empty(), "the committee's read is recorded");
    let close = "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { status } } }";
    let r = app.gql(Some(committee), close, json!({ "n": alert })).await;
    assert!(r["errors"].is_null(), "{r}");
    let counts = crate::notices::counts(&app, committee, &alert).await;
    let stats = "{ alertStats { month level alerts households reachedWithinHourShare } }";
    let stats_before = app.gql(Some(a.t("demo-office")), stats, json!({})).await;

    let swept = api::privacy::service::retention::sweep(&app.state).await.unwrap();
    assert_eq!(swept.alerts_purged, 1, "{swept:?}");
    assert!(swept.access_records >= 1, "{swept:?}");
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let left = entity::alert_response::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(left, 0, "answers (and their notes) are gone");
    let n = entity::notice::Entity::find()
        .filter(entity::notice::Column::Title.eq("暴雨红色预警"))
        .one(&app.db.read)
        .await
        .unwrap()
        .unwrap();
    assert!(n.answers_purged_at.is_some());
    assert_eq!(crate::notices::counts(&app, committee, &alert).await, counts, "the alert's counts stay");
    assert_eq!(app.gql(Some(a.t("demo-office")), stats, json!({})).await, stats_before, "statistics stay");
    let r = app.gql(Some(committee), roster, json!({ "n": alert })).await;
    assert_eq!(r["data"]["notice"]["roster"], json!([]), "rosters are not kept: {r}");
    let doc = my_data(&app, a.t("demo-resident")).await;
    assert_eq!(doc["alertAnswers"], json!([]));
    assert_eq!(doc["accessLog"], json!([]), "access records expired");
    // Twice is once.
    let again = api::privacy::service::retention::sweep(&app.state).await.unwrap();
    assert_eq!(again.alerts_purged, 0);
}

mod answers_lose_their_person {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::answers_lose_their_person_after_retention(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::answers_lose_their_person_after_retention(crate::common::Engine::Postgres).await;
    }
}
