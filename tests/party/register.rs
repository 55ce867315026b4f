//! The register of party members (党员报到): the person and the party
//! organisation see it, nobody else reaches it by any path, and the person
//! erases it leaving nothing behind (no audit row is ever written for it).

use std::collections::{BTreeSet, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use super::ok;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};
use crate::projects::Actors;

const REGISTER: &str = "mutation($h: String) { registerAsPartyMember(input: {homeBranch: $h}) {
    registration { id name homeBranch community { name } } } }";
pub(crate) const ERASE: &str =
    "mutation($r: ID!) { eraseMyPartyMemberRegistration(input: {registrationId: $r}) { registrationId } }";
const LIST: &str = "{ partyMemberRegistrations(first: 50) { totalCount edges { node { id name homeBranch } } } }";
const MINE: &str = "{ myPartyMemberRegistration { id homeBranch } }";

/// `token` registers; the registration's id.
pub(crate) async fn register(app: &TestApp, token: &str, home: Option<&str>) -> Value {
    let d = ok(app, token, REGISTER, json!({ "h": home })).await;
    d["registerAsPartyMember"]["registration"]["id"].clone()
}

async fn stored(app: &TestApp) -> (u64, u64) {
    let rows = entity::party_member_registration::Entity::find().count(&app.db.read).await.unwrap();
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::ObjectType.eq("PartyMemberRegistration"))
        .count(&app.db.read)
        .await
        .unwrap();
    (rows, audit)
}

/// Every caller but the person and the party organisation, with a name.
async fn others(app: &TestApp, a: &Actors) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = [
        "demo-building-head",
        "demo-committee",
        "demo-office",
        "demo-ngo",
        "demo-property",
        "demo-admin",
        "demo-resident-river",
    ]
    .into_iter()
    .map(|w| (w, a.t(w).to_owned()))
    .collect();
    let person = crate::residency::sign_up(app, "no-community-yet", json!({})).await;
    let person = person["data"]["signUp"]["session"]["accessToken"].as_str().expect("signed up").to_owned();
    out.push(("a person", person));
    out.push(("demo-district", crate::services::district_token(app).await));
    out.push(("demo-ngo-sync", crate::services::ngo_client_token(app).await));
    out
}

async fn the_register_is_the_person_s_and_the_party_organisation_s(app: TestApp) {
    let a = Actors::login(&app).await;
    let (me, party) = (a.t("demo-resident"), a.t("demo-party"));
    let audit = app.audit_count().await;
    let d = ok(&app, me, REGISTER, json!({ "h": "市委机关第三党支部" })).await;
    let reg = &d["registerAsPartyMember"]["registration"];
    assert_eq!(
        (&reg["name"], &reg["homeBranch"], &reg["community"]["name"]),
        (&json!("小李"), &json!("市委机关第三党支部"), &json!("桃园社区"))
    );
    let id = reg["id"].clone();
    // No audit row: the log is append-only, and the person may erase this.
    assert_eq!(app.audit_count().await, audit, "no audit row names a party member");
    let r = app.gql(Some(me), REGISTER, json!({})).await;
    assert_eq!(code(&r), "CONFLICT", "once per community: {r}");
    assert_eq!(stored(&app).await, (1, 0), "nothing changed");
    for who in ["demo-committee", "demo-office", "demo-party", "demo-admin"] {
        let r = app.gql(Some(a.t(who)), REGISTER, json!({})).await;
        assert!(matches!(code(&r), "FORBIDDEN" | HIDDEN), "{who} registers nobody: {r}");
    }
    assert_eq!(ok(&app, me, MINE, json!({})).await["myPartyMemberRegistration"]["id"], id);

    // The party organisation reads it, and the person sees that it did.
    let d = ok(&app, party, LIST, json!({})).await;
    assert_eq!(
        d["partyMemberRegistrations"],
        json!({ "totalCount": 1, "edges": [{ "node": { "id": id, "name": "小李", "homeBranch": "市委机关第三党支部" } }] })
    );
    let log = crate::privacy::access_log(&app, me).await;
    assert!(
        log.iter().any(|r| r["fields"] == json!(["partyMembership"]) && r["viewerRole"] == "PARTY_ORGANISATION"),
        "{log:?}"
    );
    let node = "query($i: ID!) { node(id: $i) { id } }";
    assert_eq!(ok(&app, party, node, json!({ "i": id })).await["node"]["id"], id);

    // Nobody else: not by id, not in a list, not in the audit log.
    for (who, token) in others(&app, &a).await {
        let r = app.gql(Some(&token), node, json!({ "i": id })).await;
        assert_eq!(r["data"]["node"], Value::Null, "{who} reaches it by id: {r}");
        let r = app.gql(Some(&token), LIST, json!({})).await;
        assert!(matches!(code(&r), "FORBIDDEN" | HIDDEN), "{who} lists the register: {r}");
        let r = app.gql(Some(&token), MINE, json!({})).await;
        assert!(r["data"]["myPartyMemberRegistration"].is_null() && !r.to_string().contains("市委机关"), "{who}: {r}");
        let r = app.gql(Some(&token), "{ auditLog(first: 100) { edges { node { objectType } } } }", json!({})).await;
        assert!(!r.to_string().contains("PartyMemberRegistration"), "{who} reads its audit entry: {r}");
    }
    // In the person's own export, in nobody else's; never in a webhook.
    let doc = crate::privacy::my_data(&app, me).await;
    assert_eq!(doc["partyMemberRegistrations"][0]["homeBranch"], "市委机关第三党支部", "{doc}");
    let doc = crate::privacy::my_data(&app, a.t("demo-building-head")).await;
    assert_eq!(doc["partyMemberRegistrations"], json!([]));
    let events = entity::webhook_event::Entity::find().all(&app.db.read).await.unwrap();
    assert!(events.iter().all(|e| !format!("{e:?}").contains("PartyMember")), "{events:?}");

    // Only the person erases it; then it is gone, records and all, and the
    // erasure leaves no row of its own.
    for who in ["demo-party", "demo-building-head", "demo-admin"] {
        let r = app.gql(Some(a.t(who)), ERASE, json!({ "r": id })).await;
        assert!(matches!(code(&r), "NOT_FOUND" | HIDDEN), "{who} erases another's: {r}");
    }
    assert_eq!(stored(&app).await, (1, 0));
    let audit = app.audit_count().await;
    let d = ok(&app, me, ERASE, json!({ "r": id })).await;
    assert_eq!(d["eraseMyPartyMemberRegistration"]["registrationId"], id);
    assert_eq!(stored(&app).await, (0, 0), "the row is gone");
    assert_eq!(app.audit_count().await, audit, "and the erasure wrote no row about it");
    assert_eq!(ok(&app, party, LIST, json!({})).await["partyMemberRegistrations"]["totalCount"], 0);
    assert_eq!(ok(&app, me, MINE, json!({})).await["myPartyMemberRegistration"], Value::Null);
    let r = app.gql(Some(me), ERASE, json!({ "r": id })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");

    // Moving out of the community takes a person off its register.
    let (_, mover) = crate::volunteering::residents(&app, "mover", 1).await.remove(0);
    register(&app, &mover, None).await;
    let m = ok(&app, &mover, "{ me { membership { id } } }", json!({})).await;
    ok(
        &app,
        a.t("demo-committee"),
        "mutation($m: ID!) { removeMembership(input: {membershipId: $m}) { membership { id } } }",
        json!({ "m": m["me"]["membership"]["id"] }),
    )
    .await;
    assert_eq!(stored(&app).await, (0, 0), "off the register with the move");

    // Erasing the account takes it too.
    register(&app, a.t("demo-building-head"), None).await;
    assert_eq!(stored(&app).await, (1, 0));
    ok(
        &app,
        a.t("demo-building-head"),
        "mutation($p: String!) { deleteMyAccount(input: {password: $p}) { accountId } }",
        json!({ "p": api::seed::DEMO_PASSWORD }),
    )
    .await;
    assert_eq!(stored(&app).await, (0, 0), "gone with the account");
}

both!(the_register_is_the_person_s_and_the_party_organisation_s);

/// The register's type, as each kind's introspection shows it: absent for
/// every kind but the residents' and the party organisation's (and the
/// operator's manual, the platform admin's full schema), and reached only
/// from the root (the person's own, the list, `node`), never from another
/// object (an account, a membership, a community).
#[tokio::test]
async fn no_path_reaches_the_register_but_the_person_s_and_the_party_organisation_s() {
    let app = TestApp::spawn(crate::common::Engine::Sqlite).await;
    let a = Actors::login(&app).await;
    let mut callers: Vec<(&str, String)> = others(&app, &a).await;
    callers.push(("demo-resident", a.t("demo-resident").to_owned()));
    callers.push(("demo-party", a.t("demo-party").to_owned()));
    for (who, token) in callers {
        let types = crate::common::schema_types(&app, &token).await;
        let shown = types.contains_key("PartyMemberRegistration");
        let expected =
            matches!(who, "demo-resident" | "demo-building-head" | "demo-resident-river" | "demo-party" | "demo-admin");
        assert_eq!(shown, expected, "{who}");
        // Which fields of which types lead to it, anywhere in the schema.
        let mut holders = BTreeSet::new();
        for (name, t) in &types {
            for f in t["fields"].as_array().into_iter().flatten() {
                let mut ty = &f["type"];
                while ty["name"].is_null() && !ty["ofType"].is_null() {
                    ty = &ty["ofType"];
                }
                let target = ty["name"].as_str().unwrap_or_default();
                if target == "PartyMemberRegistration" || target.starts_with("PartyMemberRegistration") {
                    holders.insert(format!("{name}.{}", f["name"].as_str().unwrap()));
                }
            }
        }
        let allowed: HashSet<&str> = [
            "Query.myPartyMemberRegistration",
            "Query.partyMemberRegistrations",
            "PartyMemberRegistrationConnection.edges",
            "PartyMemberRegistrationConnection.nodes",
            "PartyMemberRegistrationEdge.node",
            "RegisterAsPartyMemberPayload.registration",
        ]
        .into_iter()
        .collect();
        for h in &holders {
            assert!(allowed.contains(h.as_str()), "{who}: {h} leads to the register");
        }
        if !expected {
            assert!(holders.is_empty(), "{who}: {holders:?}");
        }
    }
}
