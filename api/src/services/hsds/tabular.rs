//! The catalogue as an HSDS tabular data package: `GET /hsds/tabular.zip`,
//! one CSV per HSDS table and a `datapackage.json` (Frictionless Data's
//! tabular data package) describing their fields, keys and links. The
//! rows are the API's objects (`objects.rs`) flattened: a service's nested
//! lists become rows of their own tables pointing back by `service_id`,
//! so the package and `/hsds/services` never disagree.

use std::io::Write;

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::http::adapter::Row;

/// A table: its name, its columns (name, Frictionless type) and the
/// columns that point at another table's `id`.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, &'static str)],
    links: &'static [(&'static str, &'static str)],
}

const S: &str = "string";

const TABLES: [Table; 9] = [
    Table {
        name: "organizations",
        columns: &[("id", S), ("name", S), ("description", S), ("legal_status", S)],
        links: &[],
    },
    Table {
        name: "services",
        columns: &[
            ("id", S),
            ("organization_id", S),
            ("name", S),
            ("description", S),
            ("status", S),
            ("fees_description", S),
            ("eligibility_description", S),
            ("assured_date", "date"),
            ("last_modified", "datetime"),
        ],
        links: &[("organization_id", "organizations")],
    },
    Table {
        name: "service_areas",
        columns: &[("id", S), ("service_id", S), ("name", S), ("description", S)],
        links: &[("service_id", "services")],
    },
    Table {
        name: "schedules",
        columns: &[("id", S), ("service_id", S), ("description", S)],
        links: &[("service_id", "services")],
    },
    Table {
        name: "contacts",
        columns: &[("id", S), ("service_id", S), ("name", S)],
        links: &[("service_id", "services")],
    },
    Table {
        name: "cost_options",
        columns: &[("id", S), ("service_id", S), ("currency", S), ("amount", "number"), ("amount_description", S)],
        links: &[("service_id", "services")],
    },
    Table {
        name: "attributes",
        columns: &[("id", S), ("link_id", S), ("link_type", S), ("link_entity", S), ("taxonomy_term_id", S)],
        links: &[("link_id", "services"), ("taxonomy_term_id", "taxonomy_terms")],
    },
    Table { name: "taxonomies", columns: &[("id", S), ("name", S), ("description", S)], links: &[] },
    Table {
        name: "taxonomy_terms",
        columns: &[("id", S), ("code", S), ("name", S), ("description", S), ("taxonomy_id", S), ("language", S)],
        links: &[("taxonomy_id", "taxonomies")],
    },
];

/// What goes in: the API's objects.
pub struct Contents {
    pub organizations: Vec<Row>,
    pub services: Vec<Row>,
    pub taxonomies: Vec<Row>,
    pub terms: Vec<Row>,
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The rows of each table, by table name.
fn rows(c: &Contents) -> Vec<(&'static str, Vec<Value>)> {
    let as_json = |rows: &[Row]| rows.iter().map(|r| json!(r)).collect::<Vec<Value>>();
    let nested = |key: &str| -> Vec<Value> {
        c.services.iter().filter_map(|s| s.get(key)).filter_map(Value::as_array).flatten().cloned().collect()
    };
    vec![
        ("organizations", as_json(&c.organizations)),
        ("services", as_json(&c.services)),
        ("service_areas", nested("service_areas")),
        ("schedules", nested("schedules")),
        ("contacts", nested("contacts")),
        ("cost_options", nested("cost_options")),
        ("attributes", nested("attributes")),
        ("taxonomies", as_json(&c.taxonomies)),
        ("taxonomy_terms", as_json(&c.terms)),
    ]
}

fn csv_of(table: &Table, rows: &[Value]) -> ApiResult<Vec<u8>> {
    let fail = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(table.columns.iter().map(|(name, _)| *name)).map_err(fail)?;
    for r in rows {
        w.write_record(table.columns.iter().map(|(name, _)| cell(r.get(*name)))).map_err(fail)?;
    }
    w.into_inner().map_err(|e| ApiError::internal(format!("csv: {e}")))
}

/// `datapackage.json`: every table's fields, primary key and foreign keys.
pub fn datapackage(created: &str) -> Value {
    let resources: Vec<Value> = TABLES
        .iter()
        .map(|t| {
            let fields: Vec<Value> = t
                .columns
                .iter()
                .map(|(name, ty)| {
                    let mut f = json!({ "name": name, "type": ty });
                    if *name == "id" {
                        f["constraints"] = json!({ "required": true, "unique": true });
                    }
                    f
                })
                .collect();
            let keys: Vec<Value> = t
                .links
                .iter()
                .map(|(col, to)| json!({ "fields": [col], "reference": { "resource": to, "fields": ["id"] } }))
                .collect();
            json!({
                "name": t.name, "path": format!("{}.csv", t.name), "profile": "tabular-data-resource",
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "schema": { "fields": fields, "primaryKey": ["id"], "foreignKeys": keys },
            })
        })
        .collect();
    json!({
        "name": "gongzhi-hsds",
        "title": "Gongzhi community services (HSDS 3)",
        "profile": "tabular-data-package",
        "created": created,
        "resources": resources,
    })
}

/// The zip: `datapackage.json` and one CSV per table.
pub fn package(c: &Contents, created: &str) -> ApiResult<Vec<u8>> {
    let fail = |e: zip::result::ZipError| ApiError::internal(format!("zip: {e}"));
    let io = |e: std::io::Error| ApiError::internal(format!("zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("datapackage.json", options).map_err(fail)?;
    zip.write_all(datapackage(created).to_string().as_bytes()).map_err(io)?;
    for (table, (name, rows)) in TABLES.iter().zip(rows(c)) {
        debug_assert_eq!(table.name, name);
        zip.start_file(format!("{name}.csv"), options).map_err(fail)?;
        zip.write_all(&csv_of(table, &rows)?).map_err(io)?;
    }
    Ok(zip.finish().map_err(fail)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_points_at_a_table_with_that_column() {
        for t in &TABLES {
            for (col, to) in t.links {
                assert!(t.columns.iter().any(|(c, _)| c == col), "{}.{col}", t.name);
                assert!(TABLES.iter().any(|x| x.name == *to), "{}.{col} → {to}", t.name);
            }
        }
    }
}
