//! HSDS 3 under `/hsds/`: every object validates against the official
//! schemas, the paging envelope adds up, paused and ended services show
//! as inactive and defunct, `modified_after` returns exactly the changed
//! ones, and nothing personal is there.

use serde_json::{Value, json};

use super::{get, python};
use crate::both;
use crate::common::TestApp;
use crate::services::{publish, region};

/// Validates `objects` as `kind` with the official schema (where the
/// Python `jsonschema` package is installed).
fn validate(kind: &str, objects: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{kind}.json"));
    std::fs::write(&file, objects.to_string()).unwrap();
    if let Some(out) = python("hsds_validate.py", &[kind, file.to_str().unwrap()]) {
        assert!(out.contains(", 0 errors"), "{out}");
    }
}

async fn update_status(app: &TestApp, token: &str, id: &Value, name: &str, status: &str, community: &str) {
    let r = app
        .gql(
            Some(token),
            "mutation($id: ID!, $n: String!, $s: ServiceStatus!, $c: ID!) { updateService(input: {serviceId: $id, status: $s,
                service: {name: $n, description: \"每周两次\", category: CULTURE, serviceAreaIds: [$c]}}) {
                service { status } } }",
            json!({ "id": id, "n": name, "s": status, "c": community }),
        )
        .await;
    assert_eq!(r["data"]["updateService"]["service"]["status"], status, "{r}");
}

async fn the_catalogue_as_hsds(app: TestApp) {
    let ngo = app.token("demo-ngo").await;
    let peach = region(&app, "桃园社区").await;
    let willow = region(&app, "柳巷社区").await;
    let mut ids = Vec::new();
    for name in ["书法班", "合唱团", "象棋角"] {
        let r = publish(&app, &ngo, name, vec![peach.clone(), willow.clone()]).await;
        ids.push(r["data"]["publishService"]["service"]["id"].clone());
    }
    update_status(&app, &ngo, &ids[1], "合唱团", "PAUSED", &peach).await;
    update_status(&app, &ngo, &ids[2], "象棋角", "ENDED", &peach).await;
    let total = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::service::Entity::find().count(&app.db.read).await.unwrap()
    };

    // Anonymous, the whole catalogue on one page.
    let got = get(&app, "/hsds/services?per_page=100", None).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let all = got.json();
    assert_eq!(
        (
            &all["total_items"],
            &all["total_pages"],
            &all["page_number"],
            &all["first_page"],
            &all["last_page"],
            &all["empty"]
        ),
        (&json!(total), &json!(1), &json!(1), &json!(true), &json!(true), &json!(false)),
        "{all}"
    );
    assert_eq!(all["size"], json!(total));
    validate("service", &all["contents"]);
    let by_name = |name: &str| {
        all["contents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(by_name("书法班")["status"], "active");
    assert_eq!(by_name("合唱团")["status"], "inactive", "paused");
    assert_eq!(by_name("象棋角")["status"], "defunct", "ended");
    let s = by_name("书法班");
    assert_eq!(s["organization"]["name"], "阳光社工服务中心", "{s}");
    let areas: Vec<&Value> = s["service_areas"].as_array().unwrap().iter().map(|a| &a["name"]).collect();
    assert_eq!(areas, [&json!("桃园社区"), &json!("柳巷社区")], "{s}");
    assert_eq!((&s["cost_options"][0]["amount"], &s["cost_options"][0]["currency"]), (&json!(15.0), &json!("CNY")));
    assert_eq!(s["attributes"][0]["taxonomy_term"]["code"], "CULTURE", "{s}");
    assert_eq!(s["schedules"][0]["description"], "周二、周四 14:00–16:00");
    // No resident anywhere in the public catalogue.
    for secret in ["13800000001", "demo-resident", "realName"] {
        assert!(!got.body.contains(secret), "{secret} in {}", got.body);
    }

    // One by one: the same object; an unknown id is 404.
    let one = get(&app, &format!("/hsds/services/{}", s["id"].as_str().unwrap()), None).await.json();
    assert_eq!(one, s);
    assert_eq!(get(&app, "/hsds/services/ac148810-d857-441c-9679-408f346de14b", None).await.status, 404);

    // Paging: one per page.
    let p2 = get(&app, "/hsds/services?per_page=1&page=2", None).await.json();
    assert_eq!(
        (&p2["total_items"], &p2["total_pages"], &p2["page_number"], &p2["size"], &p2["first_page"]),
        (&json!(total), &json!(total), &json!(2), &json!(1), &json!(false)),
        "{p2}"
    );
    assert_eq!(p2["contents"][0], all["contents"][1], "page 2 holds the second");
    let last = get(&app, &format!("/hsds/services?per_page=1&page={total}"), None).await.json();
    assert_eq!(last["last_page"], true, "{last}");
    let beyond = get(&app, &format!("/hsds/services?per_page=1&page={}", total + 1), None).await.json();
    assert_eq!((&beyond["empty"], &beyond["contents"]), (&json!(true), &json!([])), "{beyond}");
    assert_eq!(get(&app, "/hsds/services?per_page=0", None).await.status, 400);
    assert_eq!(get(&app, "/hsds/services?per_page=501", None).await.status, 400);

    // modified_after: exactly the services changed since.
    let newest = all["contents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["last_modified"].as_str())
        .max()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    update_status(&app, &ngo, &ids[0], "书法班", "PAUSED", &peach).await;
    let changed =
        get(&app, &format!("/hsds/services?modified_after={}", newest.replace('+', "%2B")), None).await.json();
    let names: Vec<&Value> = changed["contents"].as_array().unwrap().iter().map(|s| &s["name"]).collect();
    assert_eq!((names, &changed["total_items"]), (vec![&json!("书法班")], &json!(1)), "{changed}");
    assert_eq!(changed["contents"][0]["status"], "inactive");
    assert_eq!(get(&app, "/hsds/services?modified_after=yesterday", None).await.status, 400);

    // Organizations, the taxonomy and its terms, also valid HSDS.
    let orgs = get(&app, "/hsds/organizations", None).await.json();
    assert!(orgs["contents"].as_array().unwrap().iter().any(|o| o["name"] == "阳光社工服务中心"), "{orgs}");
    validate("organization", &orgs["contents"]);
    let terms = get(&app, "/hsds/taxonomy_terms", None).await.json();
    assert_eq!(terms["total_items"], 9, "{terms}");
    validate("taxonomy_term", &terms["contents"]);
    let taxonomies = get(&app, "/hsds/taxonomies", None).await.json();
    validate("taxonomy", &taxonomies["contents"]);
    let culture = terms["contents"].as_array().unwrap().iter().find(|t| t["code"] == "CULTURE").unwrap().clone();
    let by_term =
        get(&app, &format!("/hsds/services?taxonomy_term_id={}", culture["id"].as_str().unwrap()), None).await.json();
    assert!(
        by_term["contents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["attributes"][0]["taxonomy_term"]["code"] == "CULTURE")
    );
    assert!(by_term["total_items"].as_u64().unwrap() >= 3, "{by_term}");
    let term = get(&app, &format!("/hsds/taxonomy_terms/{}", culture["id"].as_str().unwrap()), None).await.json();
    assert_eq!(term, culture);

    // The tabular data package: the same catalogue, valid for Frictionless.
    let resp = app.client.get(format!("{}/hsds/tabular.zip", app.base)).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let package: Value = serde_json::from_str(&read("datapackage.json")).unwrap();
    assert_eq!(package["resources"].as_array().map(Vec::len), Some(9), "{package}");
    let lines = |text: String| text.lines().count() - 1;
    let now = get(&app, "/hsds/services?per_page=500", None).await.json();
    assert_eq!(lines(read("services.csv")), now["contents"].as_array().unwrap().len());
    let areas: usize =
        now["contents"].as_array().unwrap().iter().map(|s| s["service_areas"].as_array().unwrap().len()).sum();
    assert_eq!(lines(read("service_areas.csv")), areas);
    assert_eq!(lines(read("taxonomy_terms.csv")), 9);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hsds.zip");
    std::fs::write(&file, &bytes).unwrap();
    if let Some(out) = python("hsds_tabular_validate.py", &[file.to_str().unwrap()]) {
        assert!(out.contains("valid: True, tables: 9"), "{out}");
    }
}

both!(the_catalogue_as_hsds);

/// Adapter requests without a token pass the anonymous rate limit, as
/// anonymous GraphQL requests do; with a token they do not.
async fn anonymous_adapter_requests_are_rate_limited(engine: crate::common::Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        c.anon_rate_per_sec = 1;
        c.anon_burst = 2;
    })
    .await;
    let token = app.token("demo-resident").await;
    // Quick requests beyond the burst (1 a second refills): some are 429,
    // with `Retry-After`, whatever the machine's speed.
    let mut limited = None;
    for _ in 0..6 {
        let resp = app.client.get(format!("{}/hsds/taxonomies", app.base)).send().await.unwrap();
        if resp.status().as_u16() == 429 {
            limited = Some(resp.headers().get("retry-after").is_some());
        }
    }
    assert_eq!(limited, Some(true), "anonymous requests beyond the limit are 429 with Retry-After");
    assert_eq!(get(&app, "/hsds/taxonomies", Some(&token)).await.status, 200, "a token is not limited here");
    let mut open311 = Vec::new();
    for _ in 0..6 {
        let got = get(&app, "/open311/v2/services.json?jurisdiction_id=1101990101", None).await;
        if got.status == 429 {
            open311.push(got.json()[0]["code"].clone());
        }
    }
    assert!(!open311.is_empty() && open311.iter().all(|c| *c == json!(429)), "in Open311's format: {open311:?}");
}

mod rate_limit {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::anonymous_adapter_requests_are_rate_limited(crate::common::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::anonymous_adapter_requests_are_rate_limited(crate::common::Engine::Postgres).await;
    }
}
