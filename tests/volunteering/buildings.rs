//! Activities and surveys for some buildings of a community (issue 29):
//! the residents of those buildings see and take part; the rest of the
//! community does not; buildings of another community are refused.

use serde_json::{Value, json};

use super::{SIGN_UP, ok, residents};
use crate::both;
use crate::common::{TestApp, code};
use crate::projects::Actors;

fn building(id: i32) -> Value {
    json!(api::graphql::ids::encode("Building", id).0)
}

const ACTIVITY: &str = "mutation($c: ID!, $b: [ID!]) { createVolunteerActivity(input: {communityId: $c,
    title: \"1号楼楼道清扫\", description: \"只请1号楼的邻居\", startsAt: \"2026-12-20T01:00:00Z\",
    endsAt: \"2026-12-20T02:00:00Z\", capacity: 10, buildingIds: $b}) { activity { id buildings { name } } } }";
const SURVEY: &str = "mutation($r: ID!, $b: [ID!]) { createSurvey(input: {regionId: $r, title: \"电梯加装意见\",
    questions: [{kind: RATING, text: \"是否支持\", required: true}], buildingIds: $b}) { survey { id buildings { name } } } }";

async fn activities_and_surveys_for_some_buildings(app: TestApp) {
    let a = Actors::login(&app).await;
    let committee = a.t("demo-committee");
    let peach = app.peach_garden().await;
    let ours = crate::notices::peach_buildings(&app).await;
    let (one, two) = (building(ours[0]), building(ours[1]));
    let (_, elsewhere) = residents(&app, "no-flat", 1).await.remove(0);

    // An activity for building 1: its residents see and sign up, others not.
    let d = ok(&app, committee, ACTIVITY, json!({ "c": peach, "b": [one] })).await;
    let act = d["createVolunteerActivity"]["activity"].clone();
    assert_eq!(act["buildings"], json!([{ "name": "1号楼" }]));
    let publish = "mutation($a: ID!) { publishVolunteerActivity(input: {activityId: $a}) { activity { status } } }";
    ok(&app, committee, publish, json!({ "a": act["id"] })).await;
    ok(&app, a.t("demo-resident"), SIGN_UP, json!({ "a": act["id"] })).await;
    let r = app.gql(Some(&elsewhere), SIGN_UP, json!({ "a": act["id"] })).await;
    assert_eq!(code(&r), "NOT_FOUND", "not for their building: {r}");
    let list = "{ volunteerActivities(first: 50) { edges { node { id } } } }";
    let d = ok(&app, &elsewhere, list, json!({})).await;
    assert!(!d.to_string().contains(act["id"].as_str().unwrap()), "{d}");

    // A survey for building 2 only: demo-resident (building 1) does not see it.
    let d = ok(&app, committee, SURVEY, json!({ "r": peach, "b": [two] })).await;
    let survey = d["createSurvey"]["survey"]["id"].clone();
    ok(
        &app,
        committee,
        "mutation($s: ID!) { openSurvey(input: {surveyId: $s}) { survey { status } } }",
        json!({ "s": survey }),
    )
    .await;
    let answer = "mutation($s: ID!) { answerSurvey(input: {surveyId: $s, answers: [{position: 1, rating: 5}]}) { survey { id } } }";
    let r = app.gql(Some(a.t("demo-resident")), answer, json!({ "s": survey })).await;
    assert_eq!(code(&r), "NOT_FOUND", "not for their building: {r}");
    let d =
        ok(&app, committee, "query($s: ID!) { survey(id: $s) { buildings { name } } }", json!({ "s": survey })).await;
    assert_eq!(d["survey"]["buildings"], json!([{ "name": "2号楼" }]));

    // Another community's building, or buildings for a whole street: refused, nothing made.
    let audit = app.audit_count().await;
    let river = building(river_b_id(&app).await);
    let r = app.gql(Some(committee), ACTIVITY, json!({ "c": peach, "b": [river] })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("buildingIds")), "{r}");
    let east = api::graphql::ids::encode("Region", app.region_id("东湖街道").await).0;
    let r = app.gql(Some(a.t("demo-office")), SURVEY, json!({ "r": east, "b": [one] })).await;
    assert_eq!((code(&r), &r["errors"][0]["extensions"]["field"]), ("BAD_USER_INPUT", &json!("buildingIds")), "{r}");
    assert_eq!(app.audit_count().await, audit, "nothing changed");
}

async fn river_b_id(app: &TestApp) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let river = app.region_id("河湾社区").await;
    entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(river))
        .one(&app.db.read)
        .await
        .unwrap()
        .expect("a building of 河湾社区")
        .id
}

both!(activities_and_surveys_for_some_buildings);
