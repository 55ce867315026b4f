//! `myData`: everything of the person, nothing of anyone else.

use serde_json::{Value, json};

use super::*;
use crate::both;
use crate::common::{HIDDEN, TestApp, code};

fn ids(doc: &Value, section: &str) -> Vec<i64> {
    doc[section]
        .as_array()
        .unwrap_or_else(|| panic!("no {section}"))
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

fn db_id(global: &Value) -> i64 {
    let id = async_graphql::ID(global.as_str().unwrap().to_owned());
    i64::from(api::graphql::ids::decode(&id).unwrap().1)
}

async fn my_data_holds_everything_of_mine_and_nothing_of_others(app: TestApp) {
    let a = Actors::login(&app).await;
    let (report, alert, project) = activity(&app, &a).await;
    let me = app.account_id("demo-resident").await;
    let doc = my_data(&app, a.t("demo-resident")).await;

    assert_eq!(doc["format"], "gongzhi.my-data/1");
    let account = &doc["account"];
    assert_eq!(
        (&account["username"], &account["displayName"], &account["realName"], &account["phone"]),
        (&json!("demo-resident"), &json!("小李"), &json!("李明"), &json!("13800000001")),
        "{account}"
    );
    assert!(account.get("passwordHash").is_none(), "never the password hash: {account}");
    assert_eq!(ids(&doc, "reports"), [db_id(&report)]);
    assert_eq!(doc["reports"][0]["description"], "路灯坏了（我的报告）");
    assert!(!doc["reportEvents"].as_array().unwrap().is_empty(), "the report's timeline");
    let photo = &doc["reportPhotos"][0];
    assert!(photo["url"].as_str().unwrap().starts_with("/photos/") && photo.get("storageKey").is_none(), "{photo}");
    // The photo link opens with the requester's token.
    let url = format!("{}{}", app.base, photo["url"].as_str().unwrap());
    let resp = app.client.get(&url).bearer_auth(a.t("demo-resident")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let comments = doc["projectComments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "only my comment: {comments:?}");
    assert_eq!(comments[0]["body"], "我的意见：多种树");
    assert_eq!(doc["projectVotes"].as_array().unwrap().len(), 1);
    assert_eq!(doc["projectVotes"][0]["choice"], "YES", "my secret ballot is not secret from me");
    assert_eq!(doc["projectVotes"][0]["projectId"].as_i64(), Some(db_id(&project)));
    assert_eq!(doc["alertAnswers"][0]["note"], "腿伤，需要帮忙转移");
    assert_eq!(doc["alertAnswers"][0]["noticeId"].as_i64(), Some(db_id(&alert)));
    assert_eq!(doc["readMarks"].as_array().unwrap().len(), 1);
    assert_eq!(doc["serviceRequests"].as_array().unwrap().len(), 1);
    assert_eq!(doc["deliveryRecords"][0]["externalId"], "visit-me");
    assert!(doc["memberships"].as_array().unwrap().iter().any(|m| m["role"] == "RESIDENT"));
    assert!(!doc["sessions"].as_array().unwrap().is_empty(), "my login sessions");
    assert!(doc["sessions"][0].get("tokenHash").is_none());

    // Nothing of anyone else: not the building head's comment, vote, name
    // or phone, nor any other account's id.
    let text = doc.to_string();
    for other in ["王阿姨的意见", "王阿姨", "王芳", "13800000002", "demo-building-head", "\"NO\""] {
        assert!(!text.contains(other), "{other} is in my export");
    }
    fn account_ids(v: &Value, me: i64, bad: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k.ends_with("AccountId") && x.as_i64().is_some_and(|id| id != me) {
                        bad.push(format!("{k}={x}"));
                    }
                    account_ids(x, me, bad);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| account_ids(x, me, bad)),
            _ => {}
        }
    }
    let mut bad = Vec::new();
    account_ids(&doc, i64::from(me), &mut bad);
    assert!(bad.is_empty(), "other accounts named: {bad:?}");

    // The readable page says the same, escaped.
    let r = app.gql(Some(a.t("demo-resident")), "{ myData { html } }", json!({})).await;
    let html = r["data"]["myData"]["html"].as_str().unwrap();
    assert!(html.contains("路灯坏了（我的报告）") && html.contains("<h2>reports</h2>"), "{html}");

    // Downloaded whole (no response cap), with the token in the header only.
    let r = app.gql(Some(a.t("demo-resident")), "{ myData { jsonUrl htmlUrl } }", json!({})).await;
    assert_eq!(r["data"]["myData"], json!({ "jsonUrl": "/my-data.json", "htmlUrl": "/my-data.html" }), "{r}");
    let url = format!("{}/my-data.json", app.base);
    let resp = app.client.get(&url).bearer_auth(a.t("demo-resident")).send().await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let mut downloaded: Value = resp.json().await.unwrap();
    let mut again = my_data(&app, a.t("demo-resident")).await;
    downloaded["generatedAt"] = Value::Null;
    again["generatedAt"] = Value::Null;
    assert_eq!(downloaded["reports"], again["reports"]);
    assert_eq!(downloaded["account"], again["account"]);
    let resp = app.client.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "no token, no data");
    let page =
        app.client.get(format!("{}/my-data.html", app.base)).bearer_auth(a.t("demo-resident")).send().await.unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("路灯坏了（我的报告）"));

    // Machines have no data of their own to export.
    let district = crate::services::district_token(&app).await;
    let r = app.gql(Some(&district), MY_DATA, json!({})).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
}

/// Corrections: the person's own, and staff's on their behalf, which the
/// person sees in the export; bad input changes nothing.
async fn corrections_are_audited_and_shown_to_the_person(app: TestApp) {
    let a = Actors::login(&app).await;
    let resident = a.t("demo-resident");
    let correct =
        "mutation($i: CorrectionInput!) { correctMyData(input: $i) { account { displayName realName phone } } }";
    let r = app.gql(Some(resident), correct, json!({ "i": { "phone": "13900000009", "realName": "李明明" } })).await;
    assert_eq!(
        r["data"]["correctMyData"]["account"],
        json!({ "displayName": "小李", "realName": "李明明", "phone": "13900000009" }),
        "{r}"
    );
    let audits = app.audit_count().await;
    for (bad, field) in [(json!({ "phone": "call me" }), "phone"), (json!({ "displayName": " " }), "displayName")] {
        let r = app.gql(Some(resident), correct, json!({ "i": bad })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
    }
    let r = app.gql(Some(resident), correct, json!({ "i": { "phone": "13900000009" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "nothing to correct: {r}");
    let other = crate::notices::gid("Account", app.account_id("demo-building-head").await);
    let r = app.gql(Some(resident), correct, json!({ "i": { "accountId": other, "phone": "13900000010" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "only one's own: {r}");
    assert_eq!(app.audit_count().await, audits, "refused corrections write nothing");

    // The committee corrects the phone it was given wrongly; a neighbour may not.
    let staff = "mutation($i: CorrectionInput!) { correctAccount(input: $i) { account { phone } } }";
    let me = crate::notices::gid("Account", app.account_id("demo-resident").await);
    let r = app.gql(Some(a.t("demo-building-head")), staff, json!({ "i": { "accountId": me, "phone": "1" } })).await;
    assert_eq!(code(&r), HIDDEN, "{r}");
    let river = crate::notices::gid("Account", app.account_id("demo-resident-river").await);
    let r = app
        .gql(Some(a.t("demo-committee")), staff, json!({ "i": { "accountId": river, "phone": "13900000011" } }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "another community's resident: {r}");
    let r =
        app.gql(Some(a.t("demo-committee")), staff, json!({ "i": { "accountId": me, "phone": "13900000012" } })).await;
    assert_eq!(r["data"]["correctAccount"]["account"]["phone"], "13900000012", "{r}");

    let doc = my_data(&app, resident).await;
    let history: Vec<(Value, Value, Value)> = doc["accountHistory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "account.correct")
        .map(|h| (h["details"]["fields"].clone(), h["details"]["byStaff"].clone(), h["byThemself"].clone()))
        .collect();
    assert_eq!(
        history,
        [(json!(["realName", "phone"]), json!(false), json!(true)), (json!(["phone"]), json!(true), json!(false))],
        "{doc}"
    );
    assert!(!doc["accountHistory"].to_string().contains("1390000"), "the audit names fields, never values");
}

/// Consent: a building head sees a resident's phone in the household
/// register only while the resident shares it.
async fn phone_sharing_is_the_residents_choice(app: TestApp) {
    let a = Actors::login(&app).await;
    let members = "{ households(first: 10) { edges { node { number members { person { username } phone } } } } }";
    let phone_of_resident = |r: &Value| {
        r["data"]["households"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["node"]["members"].as_array().unwrap().clone())
            .find(|m| m["person"]["username"] == "demo-resident")
            .map(|m| m["phone"].clone())
    };
    let head = a.t("demo-building-head");
    let r = app.gql(Some(head), members, json!({})).await;
    assert_eq!(phone_of_resident(&r), Some(Value::Null), "not shared by default: {r}");
    let share = "mutation($s: Boolean!) { setPhoneSharing(input: {sharedWithBuildingHead: $s}) { account { phoneSharedWithBuildingHead } } }";
    let r = app.gql(Some(a.t("demo-resident")), share, json!({ "s": true })).await;
    assert_eq!(r["data"]["setPhoneSharing"]["account"]["phoneSharedWithBuildingHead"], true, "{r}");
    let r = app.gql(Some(head), members, json!({})).await;
    assert_eq!(phone_of_resident(&r), Some(json!("13800000001")), "{r}");
    let r = app.gql(Some(a.t("demo-resident")), share, json!({ "s": false })).await;
    assert!(r["errors"].is_null(), "{r}");
    let r = app.gql(Some(head), members, json!({})).await;
    assert_eq!(phone_of_resident(&r), Some(Value::Null), "withdrawn at once: {r}");
    // The committee keeps it for its work.
    let r = app.gql(Some(a.t("demo-committee")), members, json!({})).await;
    assert_eq!(phone_of_resident(&r), Some(json!("13800000001")), "{r}");
}

both!(
    my_data_holds_everything_of_mine_and_nothing_of_others,
    corrections_are_audited_and_shown_to_the_person,
    phone_sharing_is_the_residents_choice
);
