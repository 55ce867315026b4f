//! The household register: who sees which households, vulnerability flags
//! only for the building head and the committee (walked as every role and
//! both API clients), routine visits and the overdue list.

use serde_json::{Value, json};

use super::{households, ok};
use crate::both;
use crate::common::{TestApp, code, schema_types, selection};
use crate::projects::Actors;

const CONSENT: &str = "本人同意，入户时口头确认";

fn find<'a>(list: &'a [(String, String, String, String)], b: &str, number: &str) -> &'a str {
    &list.iter().find(|h| h.1 == b && h.3 == number).unwrap_or_else(|| panic!("no {b} {number} in {list:?}")).0
}

async fn the_register_follows_buildings_and_care(app: TestApp) {
    let a = Actors::login(&app).await;
    let (head, committee, resident) = (a.t("demo-building-head"), a.t("demo-committee"), a.t("demo-resident"));

    let mine = households(&app, head, "").await;
    assert_eq!(mine.len(), 6, "the six flats of 1号楼: {mine:?}");
    assert!(mine.iter().all(|h| h.1 == "1号楼"), "none of another building: {mine:?}");
    let all = households(&app, committee, "").await;
    assert_eq!(all.len(), 18, "three buildings of 桃园社区: {all:?}");
    let own = households(&app, resident, "").await;
    assert_eq!(own.len(), 1, "{own:?}");
    // Offices and organisations are not shown the register at all (issue 24).
    for who in ["demo-office", "demo-ngo", "demo-property"] {
        let r = app.gql(Some(a.t(who)), "{ households(first: 1) { totalCount } }", json!({})).await;
        assert_eq!(code(&r), crate::common::HIDDEN, "{who}: {r}");
    }
    for who in ["demo-resident-river"] {
        let seen = households(&app, a.t(who), "").await;
        assert!(seen.iter().all(|h| !all.iter().any(|x| x.0 == h.0)), "{who} sees 桃园社区's register: {seen:?}");
    }
    let flat101 = find(&all, "1号楼", "101").to_owned();
    let other_building = find(&all, "2号楼", "101").to_owned();

    // Members and phones: the resident sees their own number; the building
    // head those of 1号楼 its residents chose to share (`setPhoneSharing`).
    let members =
        "query($h: ID!) { node(id: $h) { ... on Household { members { person { username } phone isContact } } } }";
    let d = ok(&app, Some(head), members, json!({ "h": flat101 })).await;
    assert_eq!(d["node"]["members"][0]["phone"], Value::Null, "not shared: {d}");
    let share = "mutation { setPhoneSharing(input: {sharedWithBuildingHead: true}) { account { id } } }";
    ok(&app, Some(resident), share, json!({})).await;
    let d = ok(&app, Some(head), members, json!({ "h": flat101 })).await;
    assert_eq!(
        d["node"]["members"],
        json!([{ "person": { "username": "demo-resident" }, "phone": "13800000001", "isContact": true }])
    );

    // Flags: with consent, by the building head or committee only.
    let flag = "mutation($h: ID!, $n: String!) { setHouseholdFlag(input: {householdId: $h, kind: ELDERLY_ALONE, consentNote: $n}) {
        household { vulnerabilities { id kind consentNote } } } }";
    let r = app.gql(Some(resident), flag, json!({ "h": flat101, "n": CONSENT })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = app.gql(Some(head), flag, json!({ "h": other_building, "n": CONSENT })).await;
    assert_eq!(code(&r), "NOT_FOUND", "another building's household: {r}");
    let r = app.gql(Some(head), flag, json!({ "h": flat101, "n": " " })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "consent is noted: {r}");
    let d = ok(&app, Some(head), flag, json!({ "h": flat101, "n": CONSENT })).await;
    let flags = &d["setHouseholdFlag"]["household"]["vulnerabilities"];
    assert_eq!(flags[0]["kind"], "ELDERLY_ALONE", "{d}");
    let flag_id = flags[0]["id"].clone();

    // Every demo account and both API clients walk the household, the
    // flag by id and the register: only the building head and the
    // committee ever see the flag.
    let types = schema_types(&app, committee).await;
    let q = format!(
        "query($h: ID!, $f: ID!) {{ h: node(id: $h) {{ ... on Household {{ {} }} }} f: node(id: $f) {{ ... on HouseholdFlag {{ kind consentNote }} }}
           households(first: 100) {{ edges {{ node {{ vulnerabilities {{ kind consentNote }} }} }} }} }}",
        selection(&types, "Household", 3)
    );
    let mut tokens: Vec<(String, String)> = [
        "demo-resident",
        "demo-building-head",
        "demo-committee",
        "demo-office",
        "demo-ngo",
        "demo-property",
        "demo-admin",
        "demo-resident-river",
    ]
    .iter()
    .map(|u| ((*u).to_owned(), a.t(u).to_owned()))
    .collect();
    tokens.push(("demo-district".into(), app.client_token("demo-district", "demo-district-secret").await));
    tokens.push(("demo-ngo-sync".into(), app.client_token("demo-ngo-sync", "demo-ngo-sync-secret").await));
    for (who, token) in &tokens {
        let r = app.gql(Some(token), &q, json!({ "h": flat101, "f": flag_id })).await;
        let text = r.to_string();
        let sees = text.contains("ELDERLY_ALONE") || text.contains(CONSENT);
        let may = who == "demo-building-head" || who == "demo-committee";
        assert_eq!(sees, may, "{who}: {text}");
        if !may && r["data"]["h"].is_object() {
            assert!(r["data"]["h"]["vulnerabilities"].is_null() && r["data"]["h"]["visits"].is_null(), "{who}: {r}");
        }
    }

    // Routine visits: not in the future; the committee reads them; the overdue list shrinks.
    let overdue = households(&app, head, ", visitOverdue: true").await;
    let numbers: Vec<&str> = overdue.iter().map(|h| h.3.as_str()).collect();
    assert_eq!(numbers, ["101", "201"], "lived-in flats of 1号楼 nobody visited: {overdue:?}");
    let visit = "mutation($h: ID!, $d: Date!) { recordHouseholdVisit(input: {householdId: $h, visitedOn: $d, note: \"身体尚可，需要送药\", followUpNeeded: true}) { visit { id followUpNeeded } } }";
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive().to_string();
    let r = app.gql(Some(head), visit, json!({ "h": flat101, "d": tomorrow })).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("visitedOn")));
    let r = app.gql(Some(resident), visit, json!({ "h": flat101, "d": "2026-12-01" })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let today = chrono::Utc::now().date_naive().to_string();
    ok(&app, Some(head), visit, json!({ "h": flat101, "d": today })).await;
    let seen =
        "query($h: ID!) { node(id: $h) { ... on Household { visits { note followUpNeeded visitor { username } } } } }";
    let d = ok(&app, Some(committee), seen, json!({ "h": flat101 })).await;
    assert_eq!(
        d["node"]["visits"],
        json!([{ "note": "身体尚可，需要送药", "followUpNeeded": true, "visitor": { "username": "demo-building-head" } }])
    );
    let d = ok(&app, Some(resident), seen, json!({ "h": flat101 })).await;
    assert!(d["node"]["visits"].is_null(), "{d}");
    let overdue: Vec<String> = households(&app, head, ", visitOverdue: true").await.into_iter().map(|h| h.3).collect();
    assert_eq!(overdue, ["201"]);

    // Clearing a flag: gone for everyone.
    let clear = "mutation($h: ID!) { clearHouseholdFlag(input: {householdId: $h, kind: ELDERLY_ALONE}) { household { vulnerabilities { kind } } } }";
    let d = ok(&app, Some(committee), clear, json!({ "h": flat101 })).await;
    assert_eq!(d["clearHouseholdFlag"]["household"]["vulnerabilities"], json!([]));
    let r = app.gql(Some(committee), clear, json!({ "h": flat101 })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
}

/// The committee adds flats; others cannot; duplicates are refused.
async fn flats_are_the_committee_s_to_add(app: TestApp) {
    let a = Actors::login(&app).await;
    let all = super::buildings(&app, a.t("demo-committee")).await;
    let b3 = super::building(&all, "桃园社区", "3号楼");
    let river = super::building(&all, "河湾社区", "1号楼");
    let add = "mutation($b: ID!, $n: [String!]!) { addHouseholds(input: {buildingId: $b, unit: \"2\", numbers: $n}) { households { unit number } } }";
    let r = app.gql(Some(a.t("demo-building-head")), add, json!({ "b": b3, "n": ["101"] })).await;
    assert_eq!(code(&r), crate::common::HIDDEN, "{r}");
    let r = app.gql(Some(a.t("demo-committee")), add, json!({ "b": river, "n": ["101"] })).await;
    assert_eq!(code(&r), "FORBIDDEN", "another community's building: {r}");
    let d = ok(&app, Some(a.t("demo-committee")), add, json!({ "b": b3, "n": ["101", "102"] })).await;
    assert_eq!(d["addHouseholds"]["households"].as_array().map(Vec::len), Some(2));
    let r = app.gql(Some(a.t("demo-committee")), add, json!({ "b": b3, "n": ["103", "101"] })).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("numbers")));
    let after: Vec<Value> = households(&app, a.t("demo-committee"), "")
        .await
        .into_iter()
        .filter(|h| h.1 == "3号楼" && h.2 == "2")
        .map(|h| json!(h.3))
        .collect();
    assert_eq!(after, [json!("101"), json!("102")], "the refused call added nothing");
}

both!(the_register_follows_buildings_and_care, flats_are_the_committee_s_to_add);
