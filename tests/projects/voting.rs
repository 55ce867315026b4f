//! Votes: rules, quorum and threshold edges, concurrency, and the secret ballot.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn quorum_and_threshold_edges(app: TestApp) {
    let a = Actors::login(&app).await;
    // Peach Garden has 2 registered residents (demo-resident, demo-building-head).
    // Quorum exactly reached (1 of 2 = 50 %), and a tie: exactly at the 50 %
    // threshold is not *more than* it, so the vote fails.
    set_rules(&app, &a, 50, 50, true).await;
    let id = deliberating(&app, &a, "平票项目").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "YES").await;
    // Live tallies are visible while open when the community wants them.
    let live = read(&app, a.t("demo-ngo"), &id).await;
    assert_eq!(live["data"]["node"]["tally"]["yes"], 1, "{live}");
    assert_eq!(live["data"]["node"]["tally"]["final"], false);
    vote(&app, a.t("demo-building-head"), &id, "NO").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "FAILED_THRESHOLD", "{closed}");

    // Quorum exactly at 50 % with one YES: passes.
    let id = deliberating(&app, &a, "刚好达到法定人数").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-building-head"), &id, "YES").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "PASSED", "{closed}");

    // Quorum just missed: 1 of 2 voted with a 51 % quorum.
    set_rules(&app, &a, 51, 50, false).await;
    let id = deliberating(&app, &a, "法定人数不足").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "YES").await;
    assert!(read(&app, a.t("demo-ngo"), &id).await["data"]["node"]["tally"].is_null(), "no live tally now");
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "FAILED_QUORUM", "{closed}");

    // Abstentions count for the quorum but not for the threshold.
    set_rules(&app, &a, 100, 50, false).await;
    let id = deliberating(&app, &a, "弃权项目").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    vote(&app, a.t("demo-resident"), &id, "ABSTAIN").await;
    vote(&app, a.t("demo-building-head"), &id, "YES").await;
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["outcome"], "PASSED", "{closed}");

    // Bad rules are refused; only the committee sets them.
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($c: ID!) { updateCommunitySettings(input: {communityId: $c, quorumPercent: 101, thresholdPercent: 50, liveTally: false}) { settings { quorumPercent } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "quorumPercent", "{r}");
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($c: ID!) { updateCommunitySettings(input: {communityId: $c, quorumPercent: 0, thresholdPercent: 0, liveTally: true}) { settings { quorumPercent } } }",
            json!({ "c": app.peach_garden().await }),
        )
        .await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
}

async fn fifty_concurrent_votes_count_once(app: TestApp) {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "并发投票").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let token = a.t("demo-resident").to_owned();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (client, base, token, id) = (app.client.clone(), app.base.clone(), token.clone(), id.clone());
        let choice = if i % 2 == 0 { "YES" } else { "NO" };
        tasks.push(tokio::spawn(async move {
            let body = json!({
                "query": "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { viewerVote } } }",
                "variables": { "id": id, "c": choice },
            });
            let r: Value = client.post(format!("{base}/graphql")).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap();
            assert!(r["errors"].is_null(), "{r}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ballots = entity::vote::Entity::find().count(&app.db.read).await.unwrap();
    assert_eq!(ballots, 1, "one ballot per resident, however many requests");
    let closed = step_ok(&app, a.t("demo-committee"), "closeVoting", &id, "VOTING").await;
    assert_eq!(closed["tally"]["turnout"], 1, "{closed}");
}

/// A ballot costs two statements: the project with its community's path
/// (one read, the policy's facts) and the upsert of the ballot. Counted by
/// the server's statement counter; the least of three votes, so a
/// background sweep running at the same moment cannot add to it.
async fn a_vote_costs_two_statements(app: TestApp) {
    let a = Actors::login(&app).await;
    let id = deliberating(&app, &a, "投票的代价").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let token = a.t("demo-resident").to_owned();
    let mut fewest = u64::MAX;
    for choice in ["YES", "NO", "ABSTAIN"] {
        let before = app.db.statement_count();
        let r = app
            .gql(
                Some(&token),
                "mutation($id: ID!, $c: VoteChoice!) { castVote(input: {projectId: $id, choice: $c}) { project { id viewerVote } } }",
                json!({ "id": id, "c": choice }),
            )
            .await;
        assert!(r["errors"].is_null(), "{r}");
        // The ballot just written, without reading it back.
        assert_eq!(r["data"]["castVote"]["project"]["viewerVote"], choice, "{r}");
        fewest = fewest.min(app.db.statement_count() - before);
    }
    assert_eq!(fewest, 2, "statements per castVote");
}

/// Loaded rows are kept for a query, never across the mutations of one
/// request: the second vote's payload shows the second choice.
async fn a_request_of_two_votes_shows_the_second(app: TestApp) {
    let a = Actors::login(&app).await;
    set_rules(&app, &a, 20, 50, true).await;
    let id = deliberating(&app, &a, "两次投票").await;
    open_voting(&app, a.t("demo-committee"), &id).await;
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($id: ID!) {
                first: castVote(input: {projectId: $id, choice: YES}) { project { viewerVote tally { yes no } } }
                second: castVote(input: {projectId: $id, choice: NO}) { project { viewerVote tally { yes no } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r["data"]["first"]["project"]["viewerVote"], "YES", "{r}");
    assert_eq!(r["data"]["second"]["project"]["viewerVote"], "NO", "{r}");
    // The live tally is loaded, not primed: with rows kept across the
    // mutations, the second payload would repeat the first count.
    assert_eq!(r["data"]["first"]["project"]["tally"], json!({ "yes": 1, "no": 0 }), "{r}");
    assert_eq!(r["data"]["second"]["project"]["tally"], json!({ "yes": 0, "no": 1 }), "{r}");
}

#[test]
fn vote_outcome_rule() {
    use api::projects::voting::{Tally, outcome};
    use entity::enums::VoteOutcome::*;
    let t = |yes, no, abstain| Tally { yes, no, abstain };
    // No votes: quorum fails; with a 0 % quorum, the threshold fails.
    assert_eq!(outcome(t(0, 0, 0), 10, 20, 50), FailedQuorum);
    assert_eq!(outcome(t(0, 0, 0), 10, 0, 50), FailedThreshold);
    // Quorum "at least": 2 of 10 at 20 % is enough, 1 of 10 is not.
    assert_eq!(outcome(t(2, 0, 0), 10, 20, 50), Passed);
    assert_eq!(outcome(t(1, 0, 0), 10, 20, 50), FailedQuorum);
    // Threshold "more than": a tie at 50 % fails; 2 of 3 passes at 66, fails at 67.
    assert_eq!(outcome(t(3, 3, 0), 10, 20, 50), FailedThreshold);
    assert_eq!(outcome(t(2, 1, 0), 10, 20, 66), Passed);
    assert_eq!(outcome(t(2, 1, 0), 10, 20, 67), FailedThreshold);
    // Abstentions count for turnout only.
    assert_eq!(outcome(t(1, 0, 9), 10, 100, 50), Passed);
    assert_eq!(outcome(t(0, 0, 10), 10, 100, 0), FailedThreshold);
}

/// The ballot is secret: walking every output type reachable from `Query`
/// and `Subscription` in the parsed schema (by introspection), the only
/// field that shows a ballot choice is `Project.viewerVote` (the viewer's
/// own), and no reachable type represents a ballot, which could then lead to
/// a voter.
#[tokio::test]
async fn no_schema_path_from_a_vote_to_a_person() {
    let schema = api::schema::builder().finish();
    let r = schema
        .execute(
            async_graphql::Request::new(
                "{ __schema { queryType { name } subscriptionType { name }
               types { name kind fields { name type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }",
            )
            // The whole schema, as the platform admin is shown it.
            .data(api::audience::Audience::PlatformAdmin),
        )
        .await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let v = r.data.into_json().unwrap();
    let types: std::collections::HashMap<String, Value> = v["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    fn named(t: &Value) -> &str {
        if t["ofType"].is_null() { t["name"].as_str().unwrap() } else { named(&t["ofType"]) }
    }
    let roots = [&v["__schema"]["queryType"]["name"], &v["__schema"]["subscriptionType"]["name"]];
    let mut queue: Vec<String> = roots.iter().map(|n| n.as_str().unwrap().to_owned()).collect();
    let mut seen = std::collections::HashSet::new();
    let mut shows_choice = Vec::new();
    while let Some(ty) = queue.pop() {
        if !seen.insert(ty.clone()) || ty.starts_with("__") {
            continue;
        }
        let t = &types[&ty];
        assert!(!["Vote", "Ballot", "VoteConnection", "BallotConnection"].contains(&ty.as_str()), "{ty} is reachable");
        for f in t["fields"].as_array().into_iter().flatten() {
            let target = named(&f["type"]).to_owned();
            if target == "VoteChoice" {
                shows_choice.push(format!("{ty}.{}", f["name"].as_str().unwrap()));
            }
            assert!(!f["name"].as_str().unwrap().to_lowercase().contains("voter"), "{ty}.{} names voters", f["name"]);
            queue.push(target);
        }
    }
    assert!(seen.contains("Project") && seen.contains("Account"), "the walk reaches the schema: {seen:?}");
    assert_eq!(shows_choice, ["Project.viewerVote"]);
}

both!(
    quorum_and_threshold_edges,
    fifty_concurrent_votes_count_once,
    a_vote_costs_two_statements,
    a_request_of_two_votes_shows_the_second
);
