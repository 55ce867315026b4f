//! SDL from an introspection answer: what one kind of caller sees, as a
//! schema file code generators read (`schema/<kind>.graphql`).
//!
//! async-graphql's own `sdl()` prints the whole registry and cannot ask the
//! `visible` functions (they need a request), so the per-kind files are
//! printed from the kind's introspection instead, in the same layout as
//! `schema.graphql` (tabs, block descriptions, types sorted by name).

use serde_json::Value;
use std::fmt::Write;

/// Built-in scalars and directives, never printed.
const BUILT_IN: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// The SDL of `__schema` (see [`super::INTROSPECTION`]).
pub fn print(schema: &Value) -> String {
    let mut types: Vec<&Value> = schema["types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["name"].as_str().is_some_and(|n| !n.starts_with("__") && !BUILT_IN.contains(&n)))
        .collect();
    types.sort_by_key(|t| t["name"].as_str().unwrap_or_default().to_owned());
    let mut out = String::new();
    for t in types {
        print_type(&mut out, t);
    }
    out.push_str("schema {\n");
    for (op, key) in [("query", "queryType"), ("mutation", "mutationType"), ("subscription", "subscriptionType")] {
        if let Some(n) = schema[key]["name"].as_str() {
            let _ = writeln!(out, "\t{op}: {n}");
        }
    }
    out.push_str("}\n");
    out
}

fn print_type(out: &mut String, t: &Value) {
    let name = t["name"].as_str().unwrap_or_default();
    description(out, &t["description"], "");
    match t["kind"].as_str().unwrap_or_default() {
        "SCALAR" => {
            let _ = writeln!(out, "scalar {name}\n");
        }
        "ENUM" => {
            let _ = writeln!(out, "enum {name} {{");
            for v in t["enumValues"].as_array().into_iter().flatten() {
                description(out, &v["description"], "\t");
                let _ = writeln!(out, "\t{}{}", v["name"].as_str().unwrap_or_default(), deprecated(v));
            }
            out.push_str("}\n\n");
        }
        "UNION" => {
            let members: Vec<String> = refs(&t["possibleTypes"]);
            let _ = writeln!(out, "union {name} = {}\n", members.join(" | "));
        }
        "INPUT_OBJECT" => {
            let _ = writeln!(out, "input {name} {{");
            for f in t["inputFields"].as_array().into_iter().flatten() {
                description(out, &f["description"], "\t");
                let _ = writeln!(out, "\t{}", input_value(f));
            }
            out.push_str("}\n\n");
        }
        kind => {
            let keyword = if kind == "INTERFACE" { "interface" } else { "type" };
            let interfaces = refs(&t["interfaces"]);
            let implements =
                if interfaces.is_empty() { String::new() } else { format!(" implements {}", interfaces.join(" & ")) };
            let _ = writeln!(out, "{keyword} {name}{implements} {{");
            for f in t["fields"].as_array().into_iter().flatten() {
                description(out, &f["description"], "\t");
                let args: Vec<String> = f["args"].as_array().into_iter().flatten().map(input_value).collect();
                let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
                let _ = writeln!(
                    out,
                    "\t{}{args}: {}{}",
                    f["name"].as_str().unwrap_or_default(),
                    type_ref(&f["type"]),
                    deprecated(f)
                );
            }
            out.push_str("}\n\n");
        }
    }
}

fn refs(list: &Value) -> Vec<String> {
    list.as_array().into_iter().flatten().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect()
}

fn input_value(v: &Value) -> String {
    let default = match v["defaultValue"].as_str() {
        Some(d) => format!(" = {d}"),
        None => String::new(),
    };
    format!("{}: {}{default}", v["name"].as_str().unwrap_or_default(), type_ref(&v["type"]))
}

fn type_ref(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn deprecated(v: &Value) -> String {
    if v["isDeprecated"].as_bool() != Some(true) {
        return String::new();
    }
    match v["deprecationReason"].as_str() {
        Some(r) => format!(" @deprecated(reason: {})", Value::String(r.to_owned())),
        None => " @deprecated".to_owned(),
    }
}

fn description(out: &mut String, d: &Value, indent: &str) {
    let Some(d) = d.as_str().filter(|d| !d.is_empty()) else { return };
    let _ = writeln!(out, "{indent}\"\"\"");
    for line in d.replace("\"\"\"", "\\\"\"\"").lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    let _ = writeln!(out, "{indent}\"\"\"");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn prints_what_the_introspection_holds() {
        let schema = json!({
            "queryType": { "name": "Query" }, "mutationType": null, "subscriptionType": null,
            "types": [
                { "kind": "OBJECT", "name": "Query", "description": "The root.", "interfaces": [],
                  "fields": [{ "name": "me", "description": null, "isDeprecated": false,
                      "args": [{ "name": "first", "description": null, "defaultValue": "10",
                                 "type": { "kind": "SCALAR", "name": "Int" } }],
                      "type": { "kind": "NON_NULL", "name": null, "ofType": { "kind": "LIST", "name": null,
                                "ofType": { "kind": "SCALAR", "name": "String" } } } }] },
                { "kind": "SCALAR", "name": "String" },
                { "kind": "OBJECT", "name": "__Type", "fields": [] }
            ]
        });
        assert_eq!(
            super::print(&schema),
            "\"\"\"\nThe root.\n\"\"\"\ntype Query {\n\tme(first: Int = 10): [String]!\n}\n\nschema {\n\tquery: Query\n}\n"
        );
    }
}
