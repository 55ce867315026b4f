//! Reports and categories as GeoReport v2 fields: the status mapping, a
//! service (a category), a service request (a report). What a field holds
//! is the README's "Open311" table.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::ReportStatus;
use entity::{report, report_category};
use serde_json::{Value, json};

use crate::graphql::ids;
use crate::http::adapter::Row;
use crate::reports::graphql::Report;
use crate::reports::policy::DISPUTE;

/// GeoReport v2 has two statuses; ours map to them as the README's table
/// says: still being worked on is `open`, everything else `closed`.
pub fn status(s: ReportStatus) -> &'static str {
    if crate::reports::policy::is_open(s) { "open" } else { "closed" }
}

/// Our statuses of an Open311 status (the `status` filter).
pub fn statuses_of(open311: &str) -> Option<Vec<ReportStatus>> {
    use sea_orm::Iterable;
    match open311 {
        "open" | "closed" => Some(ReportStatus::iter().filter(|s| status(*s) == open311).collect()),
        _ => None,
    }
}

/// RFC 3339 in UTC, to the second (W3C datetime, as the spec asks).
pub fn time(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A category as a GeoReport service.
pub fn service(c: &report_category::Model) -> Row {
    let group = if c.code == DISPUTE { "disputes" } else { "reports" };
    Row(vec![
        ("service_code", json!(c.code)),
        ("service_name", json!(c.name)),
        ("description", json!(c.name)),
        // No attributes: nothing beyond the request's own fields is asked.
        ("metadata", json!(false)),
        // A report exists the moment it is posted.
        ("type", json!("realtime")),
        ("keywords", json!(c.code.to_lowercase())),
        ("group", json!(group)),
    ])
}

/// A category's service definition: no attributes.
pub fn definition(c: &report_category::Model) -> Row {
    Row(vec![("service_code", json!(c.code)), ("attributes", json!([]))])
}

/// What a request row needs besides the report.
pub struct Names<'a> {
    pub service_name: Option<&'a str>,
    pub agency: Option<&'a str>,
    pub media_url: Option<String>,
}

/// Notes on the status: our own status (GeoReport's two are coarse) and,
/// once there is one, the note it was resolved, rejected or mediated with.
fn status_notes(r: &report::Model) -> String {
    let ours = crate::reports::lifecycle::status_name(r.status);
    match r.resolution_note.as_deref().or(r.mediation_outcome.as_deref()) {
        Some(note) if !crate::reports::policy::is_open(r.status) => format!("{ours}: {note}"),
        _ => ours,
    }
}

/// A report as a GeoReport service request. Never the reporter: GeoReport
/// has no field for who filed, and the rows are the ones `visible_reports`
/// gives the caller.
pub fn request(r: &report::Model, n: Names<'_>) -> Row {
    Row(vec![
        ("service_request_id", json!(ids::encode(<Report as crate::graphql::node::NodeType>::NAME, r.id).0)),
        ("status", json!(status(r.status))),
        ("status_notes", json!(status_notes(r))),
        ("service_name", json!(n.service_name)),
        ("service_code", json!(r.category_code)),
        ("description", json!(r.description)),
        ("agency_responsible", json!(n.agency)),
        ("service_notice", Value::Null),
        ("requested_datetime", time(r.created_at)),
        ("updated_datetime", time(r.updated_at)),
        ("expected_datetime", time(r.expected_completion_at.unwrap_or(r.due_at))),
        ("address", json!(r.location_text)),
        ("address_id", Value::Null),
        ("zipcode", Value::Null),
        ("lat", json!(r.latitude)),
        ("long", json!(r.longitude)),
        ("media_url", json!(n.media_url)),
    ])
}

/// The answer to a POST: the new request's id.
pub fn created(r: &report::Model) -> Row {
    Row(vec![
        ("service_request_id", json!(ids::encode(<Report as crate::graphql::node::NodeType>::NAME, r.id).0)),
        ("service_notice", Value::Null),
        ("account_id", Value::Null),
    ])
}

/// An error in GeoReport's format: the HTTP status as `code`.
pub fn error(status: u16, description: String) -> Row {
    Row(vec![("code", json!(status)), ("description", json!(description))])
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    /// The README's table lists every status with its GeoReport status.
    #[test]
    fn readme_table_is_the_mapping() {
        let readme = include_str!("../../../../README.md");
        let table = readme
            .split("<!-- open311-status -->")
            .nth(1)
            .unwrap_or_else(|| panic!("README: no <!-- open311-status --> table"));
        for s in ReportStatus::iter() {
            let ours = crate::reports::lifecycle::status_name(s);
            let line = format!("| `{ours}` | `{}` |", status(s));
            assert!(table.contains(&line), "README's Open311 table lacks {line}");
        }
        assert_eq!(statuses_of("open").map(|s| s.len()), Some(crate::reports::lifecycle::OPEN_STATES.len()));
        assert!(statuses_of("pending").is_none());
    }
}
