//! Consultations and surveys through `/graphql` (issue 29): a survey from
//! draft to results equal to hand-computed figures; one answer per resident
//! under concurrency; 3 respondents suppressed; no path from an answer to a
//! person, as every kind of caller; what each role may not do.

use std::collections::{BTreeSet, HashSet};

use futures_util::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};
use crate::projects::Actors;
use crate::volunteering::{ok, residents};

mod satisfaction;

both!(
    a_survey_from_draft_to_results,
    one_answer_per_resident_under_concurrency,
    three_respondents_are_suppressed,
    results_of_a_list_cost_fixed_statements
);

/// A list of surveys with their results costs the same statements for 2
/// surveys as for 8: the regions, questions and responses come through
/// loaders (page and count, then one each), not per survey.
async fn results_of_a_list_cost_fixed_statements(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let q = "{ surveys(first: 50) { edges { node { id results { respondents questions { counts } } } } } }";
    let measure = || async {
        let before = app.db.statement_count();
        let d = ok(&app, committee, q, json!({})).await;
        (app.db.statement_count() - before, d["surveys"]["edges"].as_array().unwrap().len())
    };
    for _ in 0..2 {
        open_survey(&app, committee, false).await;
    }
    let (few, n_few) = measure().await;
    for _ in 0..6 {
        open_survey(&app, committee, false).await;
    }
    let (many, n_many) = measure().await;
    assert_eq!((n_few, n_many), (2, 8));
    assert_eq!(few, many, "statements for 2 and for 8 surveys");
}

const CREATE: &str = "mutation($r: ID!, $q: [SurveyQuestionInput!], $t: String, $s: Boolean) { createSurvey(input: {regionId: $r,
    title: \"停车管理意见征集\", questions: $q, template: $t, shareResults: $s}) { survey { id status questions { position kind } } } }";
const ANSWER: &str = "mutation($s: ID!, $a: [SurveyAnswerInput!]!) { answerSurvey(input: {surveyId: $s, answers: $a}) { survey { id viewerHasAnswered } } }";
const RESULTS: &str = "query($s: ID!) { survey(id: $s) { status results { respondents suppressed questions { position answered counts mean texts } } } }";

fn questions() -> Value {
    json!([
        { "kind": "SINGLE_CHOICE", "text": "是否同意划线停车", "required": true, "options": ["同意", "不同意", "无所谓"] },
        { "kind": "MULTIPLE_CHOICE", "text": "哪些时段车位紧张", "options": ["早上", "中午", "晚上"] },
        { "kind": "RATING", "text": "对现状的满意度", "required": true },
        { "kind": "TEXT", "text": "其他建议" },
    ])
}

/// An open survey of the committee of 桃园社区.
pub(crate) async fn open_survey(app: &TestApp, committee: &str, share: bool) -> Value {
    let peach = app.peach_garden().await;
    let d = ok(app, committee, CREATE, json!({ "r": peach, "q": questions(), "s": share })).await;
    let id = d["createSurvey"]["survey"]["id"].clone();
    let d = ok(
        app,
        committee,
        "mutation($s: ID!) { openSurvey(input: {surveyId: $s}) { survey { status } } }",
        json!({ "s": id }),
    )
    .await;
    assert_eq!(d["openSurvey"]["survey"]["status"], "OPEN");
    id
}

async fn close(app: &TestApp, committee: &str, id: &Value) {
    let d = ok(
        app,
        committee,
        "mutation($s: ID!) { closeSurvey(input: {surveyId: $s}) { survey { status } } }",
        json!({ "s": id }),
    )
    .await;
    assert_eq!(d["closeSurvey"]["survey"]["status"], "CLOSED");
}

async fn a_survey_from_draft_to_results(app: TestApp) {
    let a = Actors::login(&app).await;
    let (committee, resident, river, ngo, office) =
        (a.t("demo-committee"), a.t("demo-resident"), a.t("demo-resident-river"), a.t("demo-ngo"), a.t("demo-office"));
    let peach = app.peach_garden().await;
    // Bad input changes nothing: a choice question without options; an unknown template.
    let before = app.audit_count().await;
    let bad = json!([{ "kind": "SINGLE_CHOICE", "text": "选一个", "options": ["唯一"] }]);
    assert_eq!(code(&app.gql(Some(committee), CREATE, json!({ "r": peach, "q": bad })).await), "BAD_USER_INPUT");
    assert_eq!(code(&app.gql(Some(committee), CREATE, json!({ "r": peach, "t": "NO_SUCH" })).await), "BAD_USER_INPUT");
    assert_eq!(app.audit_count().await, before);
    // Residents and NGOs write no surveys (the mutation is not theirs).
    assert!(!app.gql(Some(resident), CREATE, json!({ "r": peach, "q": questions() })).await["errors"].is_null());
    assert!(!app.gql(Some(ngo), CREATE, json!({ "r": peach, "q": questions() })).await["errors"].is_null());

    let d = ok(&app, committee, CREATE, json!({ "r": peach, "q": questions() })).await;
    let id = d["createSurvey"]["survey"]["id"].clone();
    // A draft is its author's side's alone.
    assert_eq!(code(&app.gql(Some(resident), RESULTS, json!({ "s": id })).await), "NOT_FOUND");
    ok(
        &app,
        committee,
        "mutation($s: ID!) { openSurvey(input: {surveyId: $s}) { survey { status } } }",
        json!({ "s": id }),
    )
    .await;
    // Another community's resident does not see it; the office over the region does.
    assert_eq!(code(&app.gql(Some(river), RESULTS, json!({ "s": id })).await), "NOT_FOUND");
    assert_eq!(code(&app.gql(Some(river), ANSWER, json!({ "s": id, "a": [] })).await), "NOT_FOUND");
    assert!(ok(&app, office, RESULTS, json!({ "s": id })).await["survey"]["status"] == "OPEN");
    // Answers that do not fit: a missing required question, an option out of range, a rating of 6.
    for bad in [
        json!([{ "position": 1, "choice": 0 }]),
        json!([{ "position": 1, "choice": 3 }, { "position": 3, "rating": 4 }]),
        json!([{ "position": 1, "choice": 0 }, { "position": 3, "rating": 6 }]),
    ] {
        let r = app.gql(Some(resident), ANSWER, json!({ "s": id, "a": bad })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    }

    // Twelve residents answer; choice i % 3, rating (i % 5) + 1, morning always, evening when even.
    let people = residents(&app, "survey", 12).await;
    for (i, (_, token)) in people.iter().enumerate() {
        let mut choices = vec![0];
        if i % 2 == 0 {
            choices.push(2);
        }
        let mut answers = vec![
            json!({ "position": 1, "choice": i % 3 }),
            json!({ "position": 2, "choices": choices }),
            json!({ "position": 3, "rating": i % 5 + 1 }),
        ];
        if i < 2 {
            answers.push(json!({ "position": 4, "text": format!("建议{}", 2 - i) }));
        }
        let d = ok(&app, token, ANSWER, json!({ "s": id, "a": answers })).await;
        assert_eq!(d["answerSurvey"]["survey"]["viewerHasAnswered"], true);
    }
    // The last one changes their mind: choice 2 → 1, rating 2 → 5.
    let last = &people[11].1;
    ok(&app, last, ANSWER, json!({ "s": id, "a": [{ "position": 1, "choice": 1 }, { "position": 2, "choices": [0] }, { "position": 3, "rating": 5 }] })).await;
    // Answering leaves no audit row.
    let audit = app.audit_count().await;
    ok(&app, last, ANSWER, json!({ "s": id, "a": [{ "position": 1, "choice": 1 }, { "position": 2, "choices": [0] }, { "position": 3, "rating": 5 }] })).await;
    assert_eq!(app.audit_count().await, audit);
    // Residents do not see results the committee did not share.
    assert!(ok(&app, &people[0].1, RESULTS, json!({ "s": id })).await["survey"]["results"].is_null());

    // By hand: choices of i = 0..10 are i % 3 (4, 4, 3 of 0, 1, 2), then 1 → [4, 5, 3].
    // Morning 12, evening for even i = 6. Ratings i % 5 + 1 for 0..10: 1,2,3,4,5,1,2,3,4,5,1 then 5:
    // counts [3, 2, 2, 2, 3], mean 36 / 12 = 3.
    let d = ok(&app, committee, RESULTS, json!({ "s": id })).await;
    let r = &d["survey"]["results"];
    assert_eq!(r["respondents"], 12);
    assert_eq!(r["suppressed"], false);
    let q = r["questions"].as_array().unwrap();
    assert_eq!(q[0]["counts"], json!([4, 5, 3]), "{r}");
    assert_eq!(q[1]["counts"], json!([12, 0, 6]), "{r}");
    assert_eq!(q[2]["counts"], json!([3, 2, 2, 2, 3]), "{r}");
    assert_eq!(q[2]["mean"], 3.0);
    assert_eq!(q[3]["answered"], 2);
    assert_eq!(q[3]["texts"], json!(["建议1", "建议2"]), "sorted, not in the order given");

    close(&app, committee, &id).await;
    let r = app
        .gql(
            Some(last),
            ANSWER,
            json!({ "s": id, "a": [{ "position": 1, "choice": 0 }, { "position": 3, "rating": 1 }] }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "closed: {r}");
    assert_eq!(
        ok(&app, committee, RESULTS, json!({ "s": id })).await["survey"]["results"]["questions"][0]["counts"],
        json!([4, 5, 3])
    );
    // Webhook events: opened, closed.
    let events = entity::webhook_event::Entity::find().all(&app.db.write).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.event_type == "survey.status_changed").count(), 2);
    // A resident cannot close it.
    assert!(
        !app.gql(
            Some(resident),
            "mutation($s: ID!) { closeSurvey(input: {surveyId: $s}) { survey { status } } }",
            json!({ "s": id })
        )
        .await["errors"]
            .is_null()
    );
}

async fn one_answer_per_resident_under_concurrency(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = open_survey(&app, a.t("demo-committee"), true).await;
    let resident = a.t("demo-resident");
    let answer =
        |rating: i64| json!({ "s": id, "a": [{ "position": 1, "choice": 0 }, { "position": 3, "rating": rating }] });
    let rs = join_all((1..=10).map(|i| app.gql(Some(resident), ANSWER, answer(i % 5 + 1)))).await;
    for r in &rs {
        assert!(r["errors"].is_null() || code(r) == "CONFLICT", "{r}");
    }
    let people = residents(&app, "concurrent", 20).await;
    let rs = join_all(people.iter().map(|(_, t)| app.gql(Some(t), ANSWER, answer(4)))).await;
    assert!(rs.iter().all(|r| r["errors"].is_null()), "{rs:?}");
    let responses = entity::survey_response::Entity::find().count(&app.db.write).await.unwrap();
    let participants = entity::survey_participant::Entity::find().count(&app.db.write).await.unwrap();
    assert_eq!((responses, participants), (21, 21));
    // Shared results: the residents see them, live.
    let d = ok(&app, resident, RESULTS, json!({ "s": id })).await;
    assert_eq!(d["survey"]["results"]["respondents"], 21);
    // After the server secret changed, a person who answered cannot answer again: refused, not counted twice.
    let mut config = app.config.clone();
    config.jwt_secret = Some("another-secret-another-secret-0123456789".into());
    let peer = app.spawn_peer_with(config).await;
    let token = peer.token("demo-resident").await;
    assert_eq!(code(&peer.gql(Some(&token), ANSWER, answer(1)).await), "CONFLICT");
    assert_eq!(entity::survey_response::Entity::find().count(&app.db.write).await.unwrap(), 21);
}

async fn three_respondents_are_suppressed(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let id = open_survey(&app, committee, false).await;
    for (_, t) in residents(&app, "few", 3).await {
        ok(&app, &t, ANSWER, json!({ "s": id, "a": [{ "position": 1, "choice": 1 }, { "position": 3, "rating": 2 }, { "position": 4, "text": "只有我们三个" }] })).await;
    }
    let d = ok(&app, committee, RESULTS, json!({ "s": id })).await;
    assert_eq!(d["survey"]["results"], json!({ "respondents": 3, "suppressed": true, "questions": [] }));
    assert!(!d.to_string().contains("只有我们三个"));
}

/// No field of any kind's schema leads from a survey's results to a
/// person, and no type holds a single response.
#[tokio::test]
async fn no_path_links_an_answer_to_a_person() {
    let app = TestApp::spawn(crate::common::Engine::Sqlite).await;
    let a = Actors::login(&app).await;
    let district = crate::services::district_token(&app).await;
    let ngo_system = crate::services::ngo_client_token(&app).await;
    let mut tokens: Vec<String> = [
        "demo-resident",
        "demo-building-head",
        "demo-committee",
        "demo-office",
        "demo-ngo",
        "demo-property",
        "demo-admin",
        "demo-party",
    ]
    .iter()
    .map(|w| a.t(w).to_owned())
    .collect();
    tokens.extend([district, ngo_system]);
    for token in tokens {
        let types = crate::common::schema_types(&app, &token).await;
        for name in types.keys().filter(|n| n.contains("Survey") && !n.ends_with("Input")) {
            assert!(!name.contains("Response") && !name.contains("Answer"), "a survey type holding answers: {name}");
        }
        // Everything reachable from the results and the questions.
        let mut seen = HashSet::new();
        let mut todo = vec!["SurveyResults".to_owned(), "QuestionResult".to_owned(), "SurveyQuestion".to_owned()];
        while let Some(t) = todo.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            for f in types.get(&t).and_then(|t| t["fields"].as_array()).into_iter().flatten() {
                let mut ty = &f["type"];
                while ty["name"].is_null() && !ty["ofType"].is_null() {
                    ty = &ty["ofType"];
                }
                if let Some(n) = ty["name"].as_str() {
                    todo.push(n.to_owned());
                }
            }
        }
        let reached: BTreeSet<_> = seen.into_iter().filter(|t| types.contains_key(t)).collect();
        assert!(!reached.contains("Account") && !reached.contains("Membership"), "{reached:?}");
        // The survey itself names no person either.
        if let Some(fields) = types.get("Survey").and_then(|t| t["fields"].as_array()) {
            for f in fields {
                let text = f.to_string();
                assert!(!text.contains("\"Account\"") && !text.contains("\"Membership\""), "{f}");
            }
        }
    }
}

/// Every survey mutation once as each kind shown it (the audit and surface walks).
pub(crate) async fn perform(app: &TestApp, a: &Actors) {
    for author in ["demo-committee", "demo-office", "demo-party"] {
        let id = open_survey(app, a.t(author), false).await;
        for who in ["demo-resident", "demo-building-head"] {
            let answers = json!([{ "position": 1, "choice": 0 }, { "position": 3, "rating": 4 }]);
            ok(app, a.t(who), ANSWER, json!({ "s": id, "a": answers })).await;
        }
        close(app, a.t(author), &id).await;
    }
}
