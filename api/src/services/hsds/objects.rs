//! The catalogue as HSDS 3 objects: identifiers, a service with its
//! organization, schedules, contacts, cost options, service areas and
//! category attribute, an organization, the category taxonomy and its
//! terms. The README's "HSDS" section says what each field holds.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::{OrganisationKind, ServiceCategory, ServiceStatus};
use entity::{organisation, region, service};
use sea_orm::Iterable;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::adapter::Row;

/// What an HSDS identifier names. HSDS 3 identifiers are UUIDs; ours are
/// made from the row's id (RFC 9562 version 8, "custom"), so they are
/// stable across exports and a path's id leads back to its row without a
/// lookup table: bytes 0–1 `gz`, byte 2 the kind, bytes 3–5 a second id
/// (a service area's community), bytes 12–15 the row's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Service = 1,
    Organization = 2,
    Taxonomy = 3,
    TaxonomyTerm = 4,
    Schedule = 5,
    Contact = 6,
    CostOption = 7,
    ServiceArea = 8,
    Attribute = 9,
}

pub fn uuid(kind: Kind, id: i32, second: i32) -> String {
    let mut b = [0u8; 16];
    b[0] = b'g';
    b[1] = b'z';
    b[2] = kind as u8;
    b[3..6].copy_from_slice(&second.to_be_bytes()[1..4]);
    b[12..16].copy_from_slice(&id.to_be_bytes());
    uuid::Builder::from_custom_bytes(b).into_uuid().hyphenated().to_string()
}

/// The row id an identifier of `kind` names (`None`: not one of ours).
pub fn id_of(kind: Kind, s: &str) -> Option<i32> {
    let u = Uuid::parse_str(s.trim()).ok()?;
    let b = u.as_bytes();
    let ours = b[0] == b'g' && b[1] == b'z' && b[2] == kind as u8 && u.get_version_num() == 8;
    ours.then(|| i32::from_be_bytes([b[12], b[13], b[14], b[15]]))
}

fn time(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// HSDS's four statuses: ACTIVE is active, PAUSED inactive, ENDED defunct.
pub fn status(s: ServiceStatus) -> &'static str {
    match s {
        ServiceStatus::Active => "active",
        ServiceStatus::Paused => "inactive",
        ServiceStatus::Ended => "defunct",
    }
}

const TAXONOMY_ID: i32 = 1;

/// Our one taxonomy: the service categories.
pub fn taxonomy() -> Row {
    Row(vec![
        ("id", json!(uuid(Kind::Taxonomy, TAXONOMY_ID, 0))),
        ("name", json!("Gongzhi service categories")),
        ("description", json!("What a community service is about, as the Gongzhi catalogue classifies it.")),
    ])
}

pub fn is_taxonomy(id: i32) -> bool {
    id == TAXONOMY_ID
}

fn category_words(c: ServiceCategory) -> (&'static str, &'static str) {
    match c {
        ServiceCategory::ElderlyCare => ("Elderly care", "Care and company for older residents."),
        ServiceCategory::Education => ("Education", "Classes and learning."),
        ServiceCategory::Culture => ("Culture", "Culture, sport and leisure."),
        ServiceCategory::Health => ("Health", "Health care and advice."),
        ServiceCategory::Children => ("Children", "Services for children and families."),
        ServiceCategory::Disability => ("Disability", "Support for people with disabilities."),
        ServiceCategory::Employment => ("Employment", "Work and training."),
        ServiceCategory::Legal => ("Legal", "Legal advice and aid."),
        ServiceCategory::Other => ("Other", "Other community services."),
    }
}

/// The categories in their order; a term's id is its position from 1.
pub fn categories() -> Vec<ServiceCategory> {
    ServiceCategory::iter().collect()
}

fn term_number(c: ServiceCategory) -> i32 {
    categories().iter().position(|x| *x == c).map_or(0, |i| i32::try_from(i + 1).unwrap_or(0))
}

/// The category of a term id.
pub fn category_of_term(id: i32) -> Option<ServiceCategory> {
    usize::try_from(id).ok().and_then(|i| i.checked_sub(1)).and_then(|i| categories().get(i).copied())
}

pub fn term(c: ServiceCategory) -> Row {
    let (name, description) = category_words(c);
    Row(vec![
        ("id", json!(uuid(Kind::TaxonomyTerm, term_number(c), 0))),
        ("code", json!(crate::lifecycle::wire_name(c))),
        ("name", json!(name)),
        ("description", json!(description)),
        ("taxonomy", json!(taxonomy())),
        ("language", json!("en")),
        ("taxonomy_id", json!(uuid(Kind::Taxonomy, TAXONOMY_ID, 0))),
    ])
}

fn kind_words(k: OrganisationKind) -> &'static str {
    match k {
        OrganisationKind::GovernmentOffice => "a government office",
        OrganisationKind::CommunityCommittee => "a community residents' committee",
        OrganisationKind::SocialOrganization => "a social organisation",
        OrganisationKind::PropertyCompany => "a property-management company",
        OrganisationKind::MediationCommittee => "a people's mediation committee",
        OrganisationKind::PartyOrganisation => "a community party organisation",
    }
}

pub fn organization(o: &organisation::Model) -> Row {
    Row(vec![
        ("id", json!(uuid(Kind::Organization, o.id, 0))),
        ("name", json!(o.name)),
        ("description", json!(format!("{}: {} serving communities on Gongzhi.", o.name, kind_words(o.kind)))),
        ("legal_status", json!(crate::lifecycle::wire_name(o.kind))),
    ])
}

/// A service with what it links to: its organisation and the communities
/// it serves (`None`/empty when they are gone). HSDS fields are strings
/// where present, so a field we have no value for is left out, not null.
pub fn service(s: &service::Model, org: Option<&organisation::Model>, areas: &[&region::Model]) -> Row {
    let sid = uuid(Kind::Service, s.id, 0);
    let fee = s.fee_fen.filter(|f| *f > 0);
    let fees_description = match fee {
        // Money is fen; HSDS amounts are in the currency's unit.
        Some(f) => format!("CNY {}.{:02} per session", f / 100, f % 100),
        None => "Free of charge".to_owned(),
    };
    let schedules: Vec<Value> = s
        .schedule
        .iter()
        .map(|text| json!({ "id": uuid(Kind::Schedule, s.id, 0), "service_id": sid, "description": text }))
        .collect();
    let contacts: Vec<Value> = s
        .contact
        .iter()
        .map(|text| json!({ "id": uuid(Kind::Contact, s.id, 0), "service_id": sid, "name": text }))
        .collect();
    let cost_options: Vec<Value> = fee
        .map(|f| {
            #[allow(clippy::cast_precision_loss)] // fen of one session: far below 2^52
            let amount = f as f64 / 100.0;
            json!({ "id": uuid(Kind::CostOption, s.id, 0), "service_id": sid, "currency": "CNY",
                "amount": amount, "amount_description": "per session" })
        })
        .into_iter()
        .collect();
    let service_areas: Vec<Value> = areas
        .iter()
        .map(|c| {
            json!({ "id": uuid(Kind::ServiceArea, s.id, c.id), "service_id": sid, "name": c.name,
                "description": format!("Residential community {} ({})", c.name, c.code) })
        })
        .collect();
    let term = term(s.category);
    let attribute = json!({
        "id": uuid(Kind::Attribute, s.id, 0), "link_id": sid, "link_type": "service_category",
        "link_entity": "service", "taxonomy_term_id": term.get("id"),
        "taxonomy_term": term,
    });
    Row(vec![
        ("id", json!(sid)),
        ("organization_id", json!(uuid(Kind::Organization, s.organisation_id, 0))),
        ("name", json!(s.name)),
        ("description", json!(s.description)),
        ("status", json!(status(s.status))),
        ("fees_description", json!(fees_description)),
        ("eligibility_description", json!(s.eligibility_description)),
        ("assured_date", json!(s.updated_at.date_naive().to_string())),
        ("last_modified", time(s.updated_at)),
        ("organization", org.map_or(Value::Null, |o| json!(organization(o)))),
        ("schedules", json!(schedules)),
        ("contacts", json!(contacts)),
        ("cost_options", json!(cost_options)),
        ("service_areas", json!(service_areas)),
        ("attributes", json!([attribute])),
    ])
    .compact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_uuids_that_lead_back() {
        let s = uuid(Kind::Service, 42, 0);
        let parsed = Uuid::parse_str(&s).map(|u| u.get_version_num());
        assert_eq!(parsed.ok(), Some(8), "{s}");
        assert_eq!(id_of(Kind::Service, &s), Some(42));
        assert_eq!(id_of(Kind::Organization, &s), None, "another kind's id");
        assert_eq!(id_of(Kind::Service, "ac148810-d857-441c-9679-408f346de14b"), None);
        assert_ne!(uuid(Kind::ServiceArea, 1, 2), uuid(Kind::ServiceArea, 1, 3));
    }

    #[test]
    fn statuses_and_terms() {
        assert_eq!(status(ServiceStatus::Paused), "inactive");
        assert_eq!(status(ServiceStatus::Ended), "defunct");
        for c in categories() {
            assert_eq!(category_of_term(term_number(c)), Some(c));
        }
        assert_eq!(category_of_term(0), None);
    }
}
