//! Each kind of caller sees its own schema, and hidden means unusable
//! (issue 24).

mod documents;
mod walk;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{TestApp, code};
use crate::projects::Actors;

/// Root fields and type names of the schema a token introspects.
async fn seen(app: &TestApp, token: Option<&str>) -> (BTreeSet<String>, BTreeSet<String>) {
    let q = "{ __schema { queryType { fields { name } } mutationType { fields { name } }
               subscriptionType { fields { name } } types { name } } }";
    let r = app.gql(token, q, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let s = &r["data"]["__schema"];
    let mut roots = BTreeSet::new();
    for (op, key) in [("query", "queryType"), ("mutation", "mutationType"), ("subscription", "subscriptionType")] {
        for f in s[key]["fields"].as_array().into_iter().flatten() {
            roots.insert(format!("{op} {}", f["name"].as_str().unwrap()));
        }
    }
    let types = s["types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
    (roots, types)
}

/// What `schema/<kind>.graphql` (the kind's surface) lists as roots.
async fn expected(kind: &str) -> BTreeSet<String> {
    let a = api::audience::Audience::parse(kind).unwrap();
    let surfaces = api::schema::surfaces().await.unwrap();
    let s = surfaces.get(a).unwrap();
    ["query", "mutation", "subscription"]
        .into_iter()
        .flat_map(|op| s.roots(op).into_iter().map(move |f| format!("{op} {f}")))
        .collect()
}

async fn introspection_shows_each_kind_its_own_schema(app: TestApp) {
    let a = Actors::login(&app).await;
    let district = crate::services::district_token(&app).await;
    let ngo_system = crate::services::ngo_client_token(&app).await;
    let callers: Vec<(&str, Option<&str>)> = vec![
        ("anonymous", None),
        ("resident", Some(a.t("demo-resident"))),
        ("building-head", Some(a.t("demo-building-head"))),
        ("committee", Some(a.t("demo-committee"))),
        ("office", Some(a.t("demo-office"))),
        ("ngo-staff", Some(a.t("demo-ngo"))),
        ("property-staff", Some(a.t("demo-property"))),
        ("party-organisation", Some(a.t("demo-party"))),
        ("platform-admin", Some(a.t("demo-admin"))),
        ("district-system", Some(&district)),
        ("ngo-system", Some(&ngo_system)),
    ];
    // (A join request is the one object anonymous callers see: signing up makes one.)
    let domain_types = ["Project", "Report", "Fund", "Notice", "Service", "Household", "AuditEntry", "Invitation"];
    for (kind, token) in callers {
        let (roots, types) = seen(&app, token).await;
        assert_eq!(roots, expected(kind).await, "{kind}");
        match kind {
            "anonymous" => {
                let want: BTreeSet<String> = [
                    "mutation changePassword",
                    "mutation login",
                    "mutation logout",
                    "mutation refreshToken",
                    "mutation signUp",
                    "query buildings",
                    "query communities",
                    "query regions",
                ]
                .into_iter()
                .map(str::to_owned)
                .collect();
                assert_eq!(roots, want);
                for t in domain_types {
                    assert!(!types.contains(t), "anonymous sees {t}");
                }
            }
            "platform-admin" => {
                let sdl = std::fs::read_to_string("schema.graphql").unwrap();
                let full = async_graphql::parser::parse_schema(&sdl).unwrap();
                let mut all = 0;
                for def in full.definitions {
                    if let async_graphql::parser::types::TypeSystemDefinition::Type(t) = def {
                        all += 1;
                        assert!(types.contains(t.node.name.node.as_str()), "admin misses {}", t.node.name.node);
                    }
                }
                assert!(all > 300, "{all}");
                assert!(roots.contains("mutation createFund") && roots.contains("query auditLog"));
            }
            "resident" => {
                for hidden in [
                    "mutation createAccount",
                    "mutation createApiClient",
                    "mutation createFund",
                    "mutation approveExpenditure",
                    "mutation upsertDeliveryRecords",
                    "query auditLog",
                    "query apiClients",
                ] {
                    assert!(!roots.contains(hidden), "a resident sees {hidden}");
                }
                for shown in ["mutation submitReport", "mutation castVote", "mutation respondToAlert", "query notices"]
                {
                    assert!(roots.contains(shown), "a resident misses {shown}");
                }
                assert!(!types.contains("AuditEntry") && !types.contains("Invitation"));
            }
            "district-system" => {
                assert!(roots.contains("query indicators") && roots.contains("query deliveryTotals"));
                // Its only mutations are its webhook endpoints'.
                let writes: Vec<&String> = roots.iter().filter(|r| r.starts_with("mutation ")).collect();
                assert!(writes.iter().all(|r| r.contains("Webhook")), "{writes:?}");
                assert!(roots.contains("mutation createWebhookEndpoint"), "{roots:?}");
                assert!(!types.contains("Report") && !types.contains("Project"));
            }
            "ngo-system" => {
                assert!(roots.contains("mutation upsertDeliveryRecords"));
                assert!(!roots.contains("mutation login") && !roots.contains("mutation createProject"));
            }
            _ => {}
        }
    }
}

/// The error a document gets, with the field's name taken out: a hidden
/// field and one that does not exist must read alike.
async fn refusal(app: &TestApp, token: Option<&str>, query: &str, name: &str) -> (u16, Value) {
    let (status, body) = app.post_json(token, &json!({ "query": query })).await;
    let text = body.to_string().replace(name, "NAME");
    (status, serde_json::from_str(&text).unwrap())
}

async fn hidden_fields_are_unknown_fields(app: TestApp) {
    let a = Actors::login(&app).await;
    let resident = a.t("demo-resident");
    let funds_before = app.gql(Some(a.t("demo-office")), "{ funds(first: 100) { totalCount } }", json!({})).await;
    for (hidden, doc) in [
        (
            "createFund",
            "mutation { NAME(input: {name: \"x\", regionId: \"x\", fiscalYear: 2026, budgetFen: \"1\"}) { fund { id } } }",
        ),
        ("upsertDeliveryRecords", "mutation { NAME(input: {serviceId: \"x\", records: []}) { created } }"),
        ("auditLog", "{ NAME(first: 1) { totalCount } }"),
        ("apiClients", "{ NAME(first: 1) { totalCount } }"),
    ] {
        let (status, body) = refusal(&app, Some(resident), &doc.replace("NAME", hidden), hidden).await;
        let (status_unknown, unknown) =
            refusal(&app, Some(resident), &doc.replace("NAME", "noSuchField"), "noSuchField").await;
        assert_eq!((status, &body), (status_unknown, &unknown), "{hidden}");
        assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("Unknown field \"NAME\""), "{body}");
        assert!(body["errors"][0]["locations"].is_array(), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    // Nothing ran: the office sees the same funds.
    let funds_after = app.gql(Some(a.t("demo-office")), "{ funds(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(funds_before, funds_after);

    // A hidden argument and a hidden type read as unknown too.
    let r = app.gql(Some(resident), "{ me { ... on Invitation { id } } }", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert_eq!(r["errors"][0]["message"], "Unknown type \"Invitation\"", "{r}");
    let r = app.gql(Some(resident), "{ regions(first: 1, secret: 1) { totalCount } }", json!({})).await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");

    // The same document is refused to one kind and runs for another
    // (the document cache keeps the kinds apart).
    let q = "{ auditLog(first: 1) { totalCount } }";
    assert_eq!(code(&app.gql(Some(resident), q, json!({})).await), "GRAPHQL_VALIDATION_FAILED");
    let ok = app.gql(Some(a.t("demo-committee")), q, json!({})).await;
    assert!(ok["errors"].is_null(), "{ok}");
    assert_eq!(code(&app.gql(Some(resident), q, json!({})).await), "GRAPHQL_VALIDATION_FAILED");

    // Without a token: 401 whether the field exists or not.
    for name in ["me", "noSuchField"] {
        let (status, body) = app.post_json(None, &json!({ "query": format!("{{ {name} {{ role }} }}") })).await;
        assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"), "{name}: {body}");
    }
    // The public reads work without one.
    let r = app
        .gql(None, "{ communities(first: 5) { nodes { name buildings(first: 3) { nodes { name } } } } }", json!({}))
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert!(r["data"]["communities"]["nodes"].as_array().unwrap().len() > 1, "{r}");
}

crate::both!(introspection_shows_each_kind_its_own_schema, hidden_fields_are_unknown_fields);

/// The README's table of who sees which root field is the one the
/// per-kind schemas make.
#[tokio::test]
async fn the_readme_table_is_generated() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let table = api::schema::roles_table().await.unwrap();
    let regenerated = api::schema::with_roles_table(&readme, &table).expect("the README has the table's markers");
    assert!(regenerated == readme, "the README's roles table is stale: run `cargo run -- export-schema --write`");
}
