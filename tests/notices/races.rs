//! Answers, closes and reports racing each other (issue 35, N1 and N2):
//! one NEED_HELP answer makes one report however many calls race; the
//! counts an alert freezes when it closes hold every answer acknowledged
//! before, and agree with the lists for good.

use entity::enums::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

const TO_REPORT: &str =
    "mutation($n: ID!, $a: ID!) { reportFromAlertResponse(input: {noticeId: $n, accountId: $a}) { report { id } } }";
const CLOSE: &str = "mutation($n: ID!) { closeAlert(input: {noticeId: $n}) { notice { status } } }";

fn alert(title: &str, building: i32) -> Value {
    json!({ "category": "EMERGENCY", "level": "ORANGE", "title": title, "body": "今夜大风",
        "instructions": "请关好门窗", "targetBuildingIds": [gid("Building", building)] })
}

async fn twenty_calls_make_one_report_from_one_answer(app: TestApp) {
    let a = Actors::login(&app).await;
    let b = peach_buildings(&app).await;
    let resident = gid("Account", app.account_id("demo-resident").await);
    for round in 0..5 {
        let r = publish(&app, a.t("demo-committee"), alert(&format!("大风橙色预警 {round}"), b[0])).await;
        let n = r["data"]["publishNotice"]["notice"]["id"].clone();
        let r = respond(&app, a.t("demo-resident"), &n, "NEED_HELP", Some("窗户被吹坏")).await;
        assert!(r["errors"].is_null(), "{r}");
        let before = entity::report::Entity::find().count(&app.db.write).await.unwrap();
        let all = futures_util::future::join_all(
            (0..20).map(|_| app.gql(Some(a.t("demo-committee")), TO_REPORT, json!({ "n": n, "a": resident }))),
        )
        .await;
        let ids: std::collections::HashSet<String> = all
            .iter()
            .map(|r| {
                r["data"]["reportFromAlertResponse"]["report"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("round {round}: {r}"))
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "round {round}: every call answers the one report");
        let after = entity::report::Entity::find().count(&app.db.write).await.unwrap();
        assert_eq!(after, before + 1, "round {round}: one report stored");
    }
}

async fn answers_racing_a_close_are_counted_or_refused(app: TestApp) {
    let a = Actors::login(&app).await;
    let b = peach_buildings(&app).await;
    let mut people = Vec::new();
    for i in 0..20 {
        people.push(resident_of(&app, &format!("race-{i}"), Role::Resident, b[1]).await);
    }
    for round in 0..5 {
        let r = publish(&app, a.t("demo-committee"), alert(&format!("大风橙色预警 {round}"), b[1])).await;
        let n = r["data"]["publishNotice"]["notice"]["id"].clone();
        let answers = futures_util::future::join_all(people.iter().enumerate().map(|(i, t)| {
            let state = if i % 2 == 0 { "NEED_HELP" } else { "SAFE" };
            respond(&app, t, &n, state, Some("需要帮助"))
        }));
        let close = async {
            tokio::time::sleep(std::time::Duration::from_millis(5 + round * 5)).await;
            app.gql(Some(a.t("demo-committee")), CLOSE, json!({ "n": n })).await
        };
        let (answers, closed) = tokio::join!(answers, close);
        assert_eq!(closed["data"]["closeAlert"]["notice"]["status"], "CLOSED", "{closed}");
        let mut acknowledged = (0, 0);
        for (i, r) in answers.iter().enumerate() {
            if r["errors"].is_null() {
                if i % 2 == 0 {
                    acknowledged.0 += 1;
                } else {
                    acknowledged.1 += 1;
                }
            } else {
                assert_eq!(code(r), "BAD_USER_INPUT", "refused only because the alert closed: {r}");
            }
        }
        let c = counts(&app, a.t("demo-committee"), &n).await;
        let (responded, need): (i64, i64) =
            c.iter().map(|(_, x)| (x[1], x[3])).fold((0, 0), |s, x| (s.0 + x.0, s.1 + x.1));
        assert_eq!(
            responded,
            acknowledged.0 + acknowledged.1,
            "round {round}: frozen counts hold every acknowledged answer"
        );
        assert_eq!(need, acknowledged.0, "round {round}");
        let r = app
            .gql(
                Some(a.t("demo-committee")),
                "query($n: ID!) { notice(id: $n) { needHelp { displayName } } }",
                json!({ "n": n }),
            )
            .await;
        assert_eq!(r["data"]["notice"]["needHelp"].as_array().map(Vec::len), Some(need as usize), "round {round}: {r}");
    }
}

both!(twenty_calls_make_one_report_from_one_answer, answers_racing_a_close_are_counted_or_refused);
