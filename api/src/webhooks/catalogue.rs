//! The event catalogue: every type of event a webhook endpoint may
//! subscribe to, with the object it is about, the part of the schema its
//! owner's kind must be shown to subscribe (`shown`: a type and a field of
//! it, as in `schema/<kind>.graphql`), and the JSON schema of its body.
//!
//! Names are `object.what`, lower-case, frozen once released (receivers
//! switch on them). A change that would break a receiver is a new name with
//! a version suffix (`report.status_changed.v2`); `VERSION` is the version
//! of the envelope (`type`, `timestamp`, `data`).

use serde_json::{Value, json};

/// Version of the envelope every event body has.
pub const VERSION: &str = "2026-12-04";

macro_rules! catalogue {
    ($($var:ident = $wire:literal, $object:literal, ($ty:literal, $field:literal), $desc:literal, { $($k:literal : $t:literal),* $(,)? };)*) => {
        /// A type of event.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventType { $($var,)* }

        impl EventType {
            /// Every type, in catalogue order.
            pub const ALL: &'static [Self] = &[$(Self::$var,)*];

            /// The frozen wire name.
            pub fn wire(self) -> &'static str {
                match self { $(Self::$var => $wire,)* }
            }

            /// The node type of the object the event is about.
            pub fn object(self) -> &'static str {
                match self { $(Self::$var => $object,)* }
            }

            /// The type and field the owner's kind must be shown to
            /// subscribe.
            pub fn shown(self) -> (&'static str, &'static str) {
                match self { $(Self::$var => ($ty, $field),)* }
            }

            /// What it means.
            pub fn description(self) -> &'static str {
                match self { $(Self::$var => $desc,)* }
            }

            /// `data`'s own fields beside `id` (the object's global id):
            /// name and JSON type.
            fn fields(self) -> &'static [(&'static str, &'static str)] {
                match self { $(Self::$var => &[$(($k, $t),)*],)* }
            }
        }
    };
}

catalogue! {
    ReportCreated = "report.created", "Report", ("Report", "status"),
        "A report was filed.", { "status": "string", "category": "string", "anonymous": "boolean" };
    ReportStatusChanged = "report.status_changed", "Report", ("Report", "status"),
        "A report moved to another status (accepted, assigned, in progress, resolved, closed, reopened...).",
        { "status": "string", "previousStatus": "string" };
    ReportRated = "report.rated", "Report", ("Report", "status"),
        "The reporter rated how a report was handled.", { "rating": "integer" };
    AlertPublished = "alert.published", "Notice", ("Notice", "title"),
        "An alert (a notice with a level) was published.", { "level": "string" };
    AlertUpdated = "alert.updated", "Notice", ("Notice", "title"),
        "An alert was edited.", { "level": "string" };
    AlertClosed = "alert.closed", "Notice", ("Notice", "title"),
        "An alert was closed.", { "level": "string" };
    AlertNeedHelp = "alert.need_help", "Household", ("Household", "id"),
        "A household answered an alert with NEED_HELP (only to those who may see the household).",
        { "alert": "string" };
    NoticePublished = "notice.published", "Notice", ("Notice", "title"),
        "A notice was published.", { "kind": "string" };
    ServiceRequestCreated = "service_request.created", "ServiceRequest", ("ServiceRequest", "status"),
        "A resident asked for a service.", { "status": "string", "service": "string" };
    ServiceRequestStatusChanged = "service_request.status_changed", "ServiceRequest", ("ServiceRequest", "status"),
        "A service request moved to another status.", { "status": "string", "previousStatus": "string" };
    DeliveryBatchProcessed = "delivery_batch.processed", "Service", ("DeliveryRecord", "id"),
        "A batch of delivery records of a service was stored.",
        { "created": "integer", "updated": "integer", "unchanged": "integer" };
    ProjectStatusChanged = "project.status_changed", "Project", ("Project", "status"),
        "A project moved to another status.", { "status": "string", "previousStatus": "string" };
    VotingOpened = "project.voting_opened", "Project", ("Project", "status"),
        "Voting on a project opened.", {};
    VotingClosed = "project.voting_closed", "Project", ("Project", "status"),
        "Voting on a project closed; the final tally.",
        { "status": "string", "yes": "integer", "no": "integer", "abstain": "integer", "eligible": "integer", "outcome": "string" };
    ProjectEndorsed = "project.endorsed", "Project", ("Project", "endorsement"),
        "The party organisation endorsed a project (the office may now approve it where the community requires that).",
        { "status": "string" };
    FundAllocationApproved = "fund.allocation_approved", "FundAllocation", ("FundAllocation", "amount"),
        "An allocation from a fund was approved.", { "amount": "string" };
    FundExpenditureApproved = "fund.expenditure_approved", "FundExpenditure", ("FundExpenditure", "amount"),
        "An expenditure from a fund was approved.", { "amount": "string" };
    VolunteerActivityStatusChanged = "volunteer_activity.status_changed", "VolunteerActivity", ("VolunteerActivity", "status"),
        "A volunteer activity was published, started, completed or cancelled.", { "status": "string", "previousStatus": "string" };
    SurveyStatusChanged = "survey.status_changed", "Survey", ("Survey", "status"),
        "A survey opened or closed.", { "status": "string", "previousStatus": "string" };
    IndicatorMonthFrozen = "indicators.month_frozen", "Region", ("Query", "indicators"),
        "A closed month's indicators were frozen for a district.", { "months": "array" };
    IndicatorMonthRevised = "indicators.month_revised", "Region", ("Query", "indicators"),
        "A frozen month's indicators were revised for a district.", { "months": "array" };
    Test = "webhook.test", "WebhookEndpoint", ("WebhookEndpoint", "id"),
        "A test event sent with sendTestWebhookEvent (to that endpoint only).", {};
}

impl EventType {
    /// The type of a wire name.
    pub fn parse(wire: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.wire() == wire)
    }

    /// The JSON schema (draft 2020-12) of a body of this type.
    pub fn schema(self) -> Value {
        let mut data = serde_json::Map::new();
        data.insert("id".into(), json!({ "type": "string", "description": "The object's global id." }));
        for (k, t) in self.fields() {
            let ty = if *t == "array" {
                json!({ "type": "array", "items": { "type": "string" } })
            } else {
                json!({ "type": t })
            };
            data.insert((*k).into(), ty);
        }
        let required: Vec<&str> = std::iter::once("id").chain(self.fields().iter().map(|(k, _)| *k)).collect();
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("https://gongzhi.example/webhooks/{VERSION}/{}.json", self.wire()),
            "title": self.wire(),
            "description": self.description(),
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": { "const": self.wire() },
                "timestamp": { "type": "string", "format": "date-time" },
                "data": { "type": "object", "required": required, "properties": data },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for t in EventType::ALL {
            assert!(seen.insert(t.wire()), "{} twice", t.wire());
            assert_eq!(EventType::parse(t.wire()), Some(*t));
            assert_eq!(t.schema()["properties"]["type"]["const"], t.wire());
        }
        assert_eq!(EventType::parse("report.deleted"), None);
    }

    /// The README's table lists every type, with its object and fields.
    #[test]
    fn the_readme_table_is_the_catalogue() {
        let readme = include_str!("../../../README.md");
        let table = readme
            .split("<!-- webhook-events -->")
            .nth(1)
            .and_then(|t| t.split("<!-- /webhook-events -->").next())
            .expect("README markers");
        let rows: Vec<Vec<String>> = table
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| l.split('|').map(|c| c.trim().trim_matches('`').to_owned()).collect())
            .collect();
        assert_eq!(rows.len(), EventType::ALL.len());
        for (row, t) in rows.iter().zip(EventType::ALL) {
            assert_eq!((row[1].as_str(), row[2].as_str()), (t.wire(), t.object()));
            let fields: Vec<&str> = t.fields().iter().map(|(k, _)| *k).collect();
            let listed: Vec<&str> = row[3].split(", ").filter(|f| !f.is_empty()).collect();
            assert_eq!(listed, fields, "{}", t.wire());
        }
    }
}
