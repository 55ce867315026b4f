//! Hostile input: nesting on every transport, control characters in every text input, dates, search text, introspection floods.

use serde_json::{Map, Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::*;
use crate::both;
use crate::common::{TestApp, code};

async fn deeply_nested_values_are_answered_by_every_transport(app: TestApp) {
    for depth in [10, 100, 1_000, 100_000] {
        // A shallow one reaches validation as a wrong value; deeper ones
        // are refused as documents over the nesting limit.
        let expected = if depth <= 10 { "BAD_USER_INPUT" } else { "GRAPHQL_VALIDATION_FAILED" };
        let q = nested_value(depth);
        let (status, r) = app.post_json(None, &json!({ "query": q })).await;
        assert!(status == 200 || status == 400, "POST {depth}: {status}");
        assert_eq!(code(&r), expected, "POST {depth}: {r}");
        alive(&app).await;

        // HTTP clients refuse URLs over 64 KiB: GET goes to 10,000 deep.
        let get_q = nested_value(depth.min(10_000));
        let resp = app.client.get(format!("{}/graphql", app.base)).query(&[("query", &get_q)]).send().await.unwrap();
        assert!(resp.status().is_client_error() || resp.status() == 200, "GET {depth}: {}", resp.status());
        alive(&app).await;

        let msg = ws_send_query(&app, &q).await;
        if let Some(Message::Text(t)) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            let errors = if v["payload"].is_array() { &v["payload"] } else { &v["payload"]["errors"] };
            assert_eq!(errors[0]["extensions"]["code"], expected, "WS {depth}: {v}");
        }
        alive(&app).await;
    }
}

/// The bound itself: at the limit the parser runs (and the query fails
/// validation for its unknown argument); one past it the text never reaches
/// the parser.
async fn nesting_bound_at_the_limit_and_just_past(app: TestApp) {
    let limit = app.config.max_nesting;
    // `{` and `(` are two of the levels.
    assert_eq!(nested_value(limit - 2).matches('[').count() + 2, limit);
    let (_, at) = app.post_json(None, &json!({ "query": nested_value(limit - 2) })).await;
    assert_eq!(code(&at), "BAD_USER_INPUT", "{at}");
    assert!(!at["errors"][0]["message"].as_str().unwrap().contains("nested deeper"), "{at}");
    let (status, past) = app.post_json(None, &json!({ "query": nested_value(limit - 1) })).await;
    assert_eq!(status, 400);
    assert!(past["errors"][0]["message"].as_str().unwrap().contains("nested deeper"), "{past}");
    alive(&app).await;
}

// ---------------------------------------------------------------------------
// Control characters in every text input of the schema
// ---------------------------------------------------------------------------

const INTROSPECT: &str = "{ __schema {
    queryType { name } mutationType { name }
    types { name kind enumValues { name }
        fields { name type { ...T } args { name type { ...T } } }
        inputFields { name type { ...T } } } } }
    fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

struct Schema {
    types: Map<String, Value>,
}

fn named(t: &Value) -> &Value {
    if t["ofType"].is_null() { t } else { named(&t["ofType"]) }
}

fn render(t: &Value) -> String {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", render(&t["ofType"])),
        "LIST" => format!("[{}]", render(&t["ofType"])),
        _ => t["name"].as_str().unwrap().to_owned(),
    }
}

impl Schema {
    /// A valid-looking value of type `t`. `target` is `Some(path)` on the
    /// way to the one text leaf that gets a NUL, `None` elsewhere.
    fn value(&self, t: &Value, target: Option<&[String]>) -> Value {
        match t["kind"].as_str().unwrap() {
            "NON_NULL" => self.value(&t["ofType"], target),
            "LIST" => json!([self.value(&t["ofType"], target)]),
            _ => {
                let name = t["name"].as_str().unwrap();
                let ty = &self.types[name];
                match ty["kind"].as_str().unwrap() {
                    "ENUM" => ty["enumValues"][0]["name"].clone(),
                    "INPUT_OBJECT" => {
                        let mut obj = Map::new();
                        for f in ty["inputFields"].as_array().unwrap() {
                            let fname = f["name"].as_str().unwrap();
                            match target {
                                Some(path) if path.first().is_some_and(|p| p == fname) => {
                                    obj.insert(fname.into(), self.value(&f["type"], Some(&path[1..])));
                                }
                                _ if f["type"]["kind"] == "NON_NULL" => {
                                    obj.insert(fname.into(), self.value(&f["type"], None));
                                }
                                _ => {}
                            }
                        }
                        Value::Object(obj)
                    }
                    _ if target.is_some_and(<[String]>::is_empty) => json!("a\u{0}b"),
                    _ => match name {
                        "Int" => json!(1),
                        "Float" => json!(1.0),
                        "Boolean" => json!(false),
                        "DateTime" => json!("2030-01-01T00:00:00Z"),
                        "NaiveDate" | "Date" => json!("2030-01-01"),
                        _ => json!("x"),
                    },
                }
            }
        }
    }
}

/// Every path to a String or ID leaf below type `t` (input objects walked,
/// cycles cut at depth 4).
fn text_paths(types: &Map<String, Value>, t: &Value, depth: usize) -> Vec<Vec<String>> {
    let n = named(t);
    let name = n["name"].as_str().unwrap();
    match types[name]["kind"].as_str().unwrap() {
        "SCALAR" if matches!(name, "String" | "ID") => vec![vec![]],
        "INPUT_OBJECT" if depth < 4 => types[name]["inputFields"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| {
                text_paths(types, &f["type"], depth + 1).into_iter().map(|mut p| {
                    p.insert(0, f["name"].as_str().unwrap().to_owned());
                    p
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// NUL in every text input of every query and mutation field, found by
/// walking the schema's input types: BAD_USER_INPUT naming the field, and
/// nothing changed, even for a platform admin who could otherwise do it.
async fn nul_in_every_text_input_is_refused(app: TestApp) {
    let admin = app.token("demo-admin").await;
    let r = app.gql(Some(&admin), INTROSPECT, json!({})).await;
    let types: Map<String, Value> = r["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    let before = app.audit_count().await;
    let schema = Schema { types: types.clone() };
    let mut checked = 0;
    let roots = [
        (r["data"]["__schema"]["queryType"]["name"].as_str().unwrap().to_owned(), "query"),
        (r["data"]["__schema"]["mutationType"]["name"].as_str().unwrap().to_owned(), "mutation"),
    ];
    for (root, op) in &roots {
        let root = root.as_str();
        for field in types[root]["fields"].as_array().unwrap() {
            let fname = field["name"].as_str().unwrap();
            let args = field["args"].as_array().unwrap();
            for (ai, arg) in args.iter().enumerate() {
                for path in text_paths(&types, &arg["type"], 0) {
                    let mut vars = Map::new();
                    let mut decls = vec![];
                    let mut uses = vec![];
                    for (bi, other) in args.iter().enumerate() {
                        let required = other["type"]["kind"] == "NON_NULL";
                        if bi != ai && !required {
                            continue;
                        }
                        let aname = other["name"].as_str().unwrap();
                        let target = (bi == ai).then_some(path.as_slice());
                        vars.insert(aname.into(), schema.value(&other["type"], target));
                        decls.push(format!("${aname}: {}", render(&other["type"])));
                        uses.push(format!("{aname}: ${aname}"));
                    }
                    let ret = named(&field["type"]);
                    let sel =
                        if matches!(types[ret["name"].as_str().unwrap()]["kind"].as_str(), Some("SCALAR" | "ENUM")) {
                            ""
                        } else {
                            "{ __typename }"
                        };
                    let q = format!("{op}({}) {{ {fname}({}) {sel} }}", decls.join(", "), uses.join(", "));
                    let (status, r) = app.post_json(Some(&admin), &json!({ "query": q, "variables": vars })).await;
                    let at = format!("{fname}.{}.{}", arg["name"].as_str().unwrap(), path.join("."));
                    assert_eq!(status, 400, "{at}: {r}");
                    assert_eq!(code(&r), "BAD_USER_INPUT", "{at}: {r}");
                    assert!(r["errors"][0]["message"].as_str().unwrap().contains("control characters"), "{at}: {r}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} text inputs found");
    assert_eq!(app.audit_count().await, before, "nothing changed");
    // A literal in the query text is refused the same way.
    let (status, r) = app
        .post_json(
            None,
            &json!({ "query": "mutation { login(input: {username: \"demo\\u0000admin\", password: \"x\"}) { accessToken } }" }),
        )
        .await;
    assert_eq!((status, code(&r)), (400, "BAD_USER_INPUT"), "{r}");
}

/// Dates outside 1900–9999 are refused with BAD_USER_INPUT (PostgreSQL used
/// to answer INTERNAL for some), and nothing is created.
async fn out_of_range_dates_are_refused(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let before = app.audit_count().await;
    let q = "mutation($d: Date!) { createProject(input: {title: \"日期\", description: \"\", category: OTHER,
        budgetFen: 1, plannedStart: $d}) { project { id } } }";
    for d in ["0001-01-01", "-5000-01-01", "1899-12-31", "+10000-01-01", "262142-01-01"] {
        let r = app.gql(Some(&resident), q, json!({ "d": d })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{d}: {r}");
    }
    assert_eq!(app.audit_count().await, before);
    let r = app.gql(Some(&resident), q, json!({ "d": "2027-03-01" })).await;
    assert!(r["errors"].is_null(), "{r}");
}

/// Search text: capped, and `%` / `_` match literally.
async fn search_text_is_capped_and_literal(app: TestApp) {
    let resident = app.token("demo-resident").await;
    let q = "query($t: String) { projects(filter: {titleContains: $t}) { totalCount } }";
    let r = app.gql(Some(&resident), q, json!({ "t": "x".repeat(60_000) })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "titleContains");
    for title in ["绿化 50% 计划", "绿化 A_B", "普通项目"] {
        crate::projects::create_draft(&app, &resident, title).await;
    }
    for (text, expected) in [("绿化", 2), ("%", 1), ("_", 1), ("%%", 0), ("\\", 0), ("50%", 1)] {
        let r = app.gql(Some(&resident), q, json!({ "t": text })).await;
        assert_eq!(r["data"]["projects"]["totalCount"], expected, "{text:?} matches literally: {r}");
    }
}

// ---------------------------------------------------------------------------
// Introspection and aliases
// ---------------------------------------------------------------------------

async fn introspection_floods_are_refused_before_execution(app: TestApp) {
    let fields: String = (0..50).map(|i| format!("s{i}: __schema {{ types {{ name fields {{ name }} }} }} ")).collect();
    let (status, r) = app.post_json(None, &json!({ "query": format!("{{ {fields} }}") })).await;
    assert_eq!(status, 400);
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("introspection"), "{r}");
    // Aliases of any field are capped too.
    let fields: String = (0..(app.config.max_aliases + 1)).map(|i| format!("t{i}: __typename ")).collect();
    let (status, r) = app.post_json(None, &json!({ "query": format!("{{ {fields} }}") })).await;
    assert_eq!((status, code(&r)), (400, "GRAPHQL_VALIDATION_FAILED"), "{r}");
    // One ordinary introspection query still works.
    let (status, r) = app.post_json(None, &json!({ "query": "{ __schema { types { name } } }" })).await;
    assert_eq!(status, 200);
    assert!(r["data"]["__schema"]["types"].as_array().unwrap().len() > 20, "{r}");
}

both!(
    deeply_nested_values_are_answered_by_every_transport,
    nesting_bound_at_the_limit_and_just_past,
    nul_in_every_text_input_is_refused,
    out_of_range_dates_are_refused,
    search_text_is_capped_and_literal,
    introspection_floods_are_refused_before_execution,
);
