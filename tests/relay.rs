//! Relay completeness: every type implementing `Node` resolves through
//! `node(id:)` (one object of each, made through the API).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::both;
use crate::common::TestApp;
use crate::funds::{ALLOCATE, NGO, RECORD, add_participant, approved_project, create_fund};
use crate::projects::{Actors, create_draft, organisation_id, step_ok};

fn first_id(r: &Value, list: &str) -> Value {
    r["data"][list]["edges"][0]["node"]["id"].clone()
}

async fn every_node_type_resolves_through_node(app: TestApp) {
    let a = Actors::login(&app).await;
    let admin = a.t("demo-admin");
    let mut ids: BTreeMap<&str, Value> = BTreeMap::new();

    let r = app
        .gql(
            Some(admin),
            "{ regions(first: 1) { edges { node { id } } } buildings(first: 1) { edges { node { id } } }
               organisations(first: 1) { edges { node { id } } } apiClients(first: 1) { edges { node { id } } }
               accounts(first: 1) { edges { node { id memberships(first: 1) { edges { node { id } } } } } } }",
            json!({}),
        )
        .await;
    for (ty, list) in [
        ("Region", "regions"),
        ("Building", "buildings"),
        ("Organisation", "organisations"),
        ("ApiClient", "apiClients"),
        ("Account", "accounts"),
    ] {
        ids.insert(ty, first_id(&r, list));
    }
    ids.insert(
        "Membership",
        r["data"]["accounts"]["edges"][0]["node"]["memberships"]["edges"][0]["node"]["id"].clone(),
    );

    // Projects and their parts.
    let project = approved_project(&app, &a, "路灯改造").await;
    add_participant(&app, &a, &project, NGO, "LEAD").await;
    ids.insert("Project", project.clone());
    let ngo = organisation_id(&app, admin, NGO).await;
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($p: ID!, $o: ID!) { createProjectTask(input: {projectId: $p, title: \"采购\", assigneeOrganisationId: $o}) { task { id } } }",
            json!({ "p": project, "o": ngo }),
        )
        .await;
    ids.insert("ProjectTask", r["data"]["createProjectTask"]["task"]["id"].clone());
    step_ok(&app, a.t("demo-office"), "startProject", &project, "IN_PROGRESS").await;
    let r = app
        .gql(
            Some(a.t("demo-ngo")),
            "mutation($p: ID!) { postProjectUpdate(input: {projectId: $p, body: \"已开工\", percentComplete: 10}) { update { id } } }",
            json!({ "p": project }),
        )
        .await;
    ids.insert("ProjectUpdate", r["data"]["postProjectUpdate"]["update"]["id"].clone());
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($p: ID!) { addComment(input: {projectId: $p, body: \"好\"}) { comment { id } } }",
            json!({ "p": project }),
        )
        .await;
    ids.insert("ProjectComment", r["data"]["addComment"]["comment"]["id"].clone());
    let proposal = create_draft(&app, a.t("demo-resident"), "议题").await;
    step_ok(&app, a.t("demo-resident"), "submitProject", &proposal, "PROPOSED").await;
    let r = app
        .gql(
            Some(a.t("demo-committee")),
            "mutation($c: ID!, $p: ID!, $at: DateTime!) { scheduleCouncilMeeting(input: {communityId: $c, title: \"议事会\",
                scheduledAt: $at, place: \"活动室\", projectIds: [$p]}) { meeting { id } } }",
            json!({ "c": app.peach_garden().await, "p": proposal, "at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() }),
        )
        .await;
    ids.insert("CouncilMeeting", r["data"]["scheduleCouncilMeeting"]["meeting"]["id"].clone());

    // Money.
    let fund = create_fund(&app, &a, "100000").await;
    ids.insert("Fund", fund.clone());
    let r = app.gql(Some(a.t("demo-office")), ALLOCATE, json!({ "f": fund, "p": project, "a": "1000" })).await;
    let alloc = r["data"]["allocateFunds"]["allocation"]["id"].clone();
    ids.insert("FundAllocation", alloc.clone());
    let r =
        app.gql(Some(a.t("demo-ngo")), RECORD, json!({ "a": alloc, "m": "10", "n": "王师傅", "t": "PERSON" })).await;
    ids.insert("FundExpenditure", r["data"]["recordExpenditure"]["expenditure"]["id"].clone());
    let r = app
        .gql(
            Some(a.t("demo-office")),
            "mutation($f: ID!, $c: ID!) { openBudgetRound(input: {fundId: $f, communityId: $c, title: \"微预算\", amount: \"100\"}) { round { id } } }",
            json!({ "f": fund, "c": app.peach_garden().await }),
        )
        .await;
    ids.insert("BudgetRound", r["data"]["openBudgetRound"]["round"]["id"].clone());

    // Reports and notices.
    let r = crate::reports::submit(
        &app,
        a.t("demo-resident"),
        json!({ "categoryCode": "OTHER", "description": "路灯不亮" }),
    )
    .await;
    ids.insert("Report", r["data"]["submitReport"]["report"]["id"].clone());
    let r = crate::notices::publish(
        &app,
        a.t("demo-committee"),
        json!({ "category": "GENERAL", "title": "通知", "body": "内容" }),
    )
    .await;
    ids.insert("Notice", r["data"]["publishNotice"]["notice"]["id"].clone());
    // Services: the seeded one, its session, a request, a delivery record.
    let (service, session) = crate::services::demo_service(&app, a.t("demo-ngo")).await;
    ids.insert("Service", service.clone());
    ids.insert("ServiceSession", session);
    let r = crate::services::request(&app, a.t("demo-resident"), &service, None).await;
    ids.insert("ServiceRequest", r["data"]["requestService"]["request"]["id"].clone());
    let rec = crate::services::record("relay-1", &service, &app.peach_garden().await, 1);
    let r = app.gql(Some(a.t("demo-ngo")), crate::services::UPSERT, json!({ "r": [rec] })).await;
    ids.insert("DeliveryRecord", r["data"]["upsertDeliveryRecords"]["results"][0]["deliveryRecordId"].clone());
    let r = app.gql(Some(admin), "{ auditLog(first: 1) { edges { node { id } } } }", json!({})).await;
    ids.insert("AuditEntry", first_id(&r, "auditLog"));

    // Residency: a join request, an invitation, a household with a flag and
    // a visit (care data: resolved as the committee, not the admin).
    let r = crate::residency::sign_up(&app, "relay-person", json!({ "join": { "communityId": app.peach_garden().await,
        "buildingId": crate::residency::building(&crate::residency::buildings(&app, admin).await, "桃园社区", "1号楼") } })).await;
    ids.insert("JoinRequest", r["data"]["signUp"]["joinRequest"]["id"].clone());
    let committee = a.t("demo-committee");
    let b1 = crate::residency::building(&crate::residency::buildings(&app, committee).await, "桃园社区", "1号楼");
    let r = app
        .gql(
            Some(committee),
            "mutation($b: ID!) { createInvitation(input: {buildingId: $b}) { invitation { id } } }",
            json!({ "b": b1 }),
        )
        .await;
    ids.insert("Invitation", r["data"]["createInvitation"]["invitation"]["id"].clone());
    let r = app.gql(Some(a.t("demo-resident")), "{ households(first: 1) { edges { node { id } } } }", json!({})).await;
    let flat = first_id(&r, "households");
    ids.insert("Household", flat.clone());
    let r = app.gql(Some(committee), "mutation($h: ID!) { setHouseholdFlag(input: {householdId: $h, kind: OTHER, consentNote: \"本人同意\"}) { household { vulnerabilities { id } } } }", json!({ "h": flat })).await;
    ids.insert("HouseholdFlag", r["data"]["setHouseholdFlag"]["household"]["vulnerabilities"][0]["id"].clone());
    let r = app.gql(Some(committee), "mutation($h: ID!) { recordHouseholdVisit(input: {householdId: $h, visitedOn: \"2026-12-01\", note: \"正常\"}) { visit { id } } }", json!({ "h": flat })).await;
    ids.insert("HouseholdVisit", r["data"]["recordHouseholdVisit"]["visit"]["id"].clone());
    let r = app
        .gql(
            Some(admin),
            "mutation { createWebhookEndpoint(input: {url: \"https://hooks.example.org/x\", eventTypes: [\"report.created\"], enabled: false}) { endpoint { id } } }",
            json!({}),
        )
        .await;
    let hook = r["data"]["createWebhookEndpoint"]["endpoint"]["id"].clone();
    ids.insert("WebhookEndpoint", hook.clone());
    let r = app
        .gql(
            Some(admin),
            "mutation($e: ID!) { sendTestWebhookEvent(endpointId: $e) { delivery { id } } }",
            json!({ "e": hook }),
        )
        .await;
    ids.insert("WebhookDelivery", r["data"]["sendTestWebhookEvent"]["delivery"]["id"].clone());

    // Volunteering: an activity, a sign-up, a store item and a redemption.
    let activity = crate::volunteering::published(&app, committee, 3).await;
    ids.insert("VolunteerActivity", activity.clone());
    let r = app.gql(Some(a.t("demo-resident")), crate::volunteering::SIGN_UP, json!({ "a": activity })).await;
    ids.insert("VolunteerSignup", r["data"]["signUpForActivity"]["signup"]["id"].clone());
    let peach = app.peach_garden().await;
    let r = app.gql(Some(committee), "mutation($c: ID!) { offerPointsItem(input: {communityId: $c, title: \"毛巾\", cost: 1, stock: 1}) { item { id } } }", json!({ "c": peach })).await;
    let item = r["data"]["offerPointsItem"]["item"]["id"].clone();
    ids.insert("PointsItem", item.clone());
    let resident_id = app.account_id("demo-resident").await;
    crate::volunteering::grant(&app, resident_id, app.region_id("桃园社区").await, 5).await;
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation($i: ID!) { redeemPointsItem(input: {itemId: $i}) { redemption { id } } }",
            json!({ "i": item }),
        )
        .await;
    ids.insert("PointsRedemption", r["data"]["redeemPointsItem"]["redemption"]["id"].clone());

    ids.insert("Survey", crate::consultations::open_survey(&app, committee, false).await);
    // The party register: its person's and the party organisation's only.
    let r = app
        .gql(
            Some(a.t("demo-resident")),
            "mutation { registerAsPartyMember(input: {}) { registration { id } } }",
            json!({}),
        )
        .await;
    ids.insert("PartyMemberRegistration", r["data"]["registerAsPartyMember"]["registration"]["id"].clone());

    // Every type implementing Node is covered, and each resolves to itself.
    let r = app.gql(Some(admin), "{ __type(name: \"Node\") { possibleTypes { name } } }", json!({})).await;
    let mut types: Vec<String> = r["data"]["__type"]["possibleTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    assert_eq!(types, ids.keys().map(|k| (*k).to_owned()).collect::<Vec<_>>());
    // And every object type with an `id: ID!` implements Node.
    let r = app
        .gql(
            Some(admin),
            "{ __schema { types { name kind fields { name type { kind ofType { name } } } } } }",
            json!({}),
        )
        .await;
    let with_id: Vec<String> =
        r["data"]["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "OBJECT" && !t["name"].as_str().unwrap().starts_with("__"))
            .filter(|t| {
                t["fields"].as_array().into_iter().flatten().any(|f| {
                    f["name"] == "id" && f["type"]["kind"] == "NON_NULL" && f["type"]["ofType"]["name"] == "ID"
                })
            })
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
    for t in &with_id {
        assert!(types.contains(t), "{t} has an id but is not a Node");
    }
    for (ty, id) in &ids {
        assert!(id.is_string(), "no {ty} was made");
        // Care data is the committee's and the building head's, not the admin's.
        // Sign-ups and redemptions are their person's and the organiser's.
        // Party members are their party organisation's, nobody else's.
        let who = if matches!(*ty, "HouseholdFlag" | "HouseholdVisit" | "VolunteerSignup" | "PointsRedemption") {
            committee
        } else if *ty == "PartyMemberRegistration" {
            a.t("demo-party")
        } else {
            admin
        };
        let r = app.gql(Some(who), "query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(r["data"]["node"], json!({ "__typename": ty, "id": id }), "{ty}: {r}");
    }
}

both!(every_node_type_resolves_through_node);
