//! The kinds of caller the schema is shown to (issue 24): anonymous, each
//! membership role, and each API-client role. A principal's kind, not the
//! principal, decides what it sees, so that every caller of one kind gets
//! the same schema (and one cached view per kind is enough).
//!
//! A kind's rules are asked of its [`Audience::representative`]: a
//! principal of that role with a scope of the usual shape (a community and
//! building for community roles, a region and office for offices, an
//! organisation for organisations). A domain's role-level permission (its
//! `impl Permission`) answers for it exactly as it answers for a real
//! principal of that role, and the object-level checks start from the same
//! permission (see each domain's `policy.rs`), so what a kind is shown and
//! what it may do come from one rule.

use entity::enums::Role;

use crate::auth::{Actor, Principal, Scope};

/// A kind of caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    Anonymous,
    Person,
    Resident,
    BuildingHead,
    Committee,
    Office,
    NgoStaff,
    PropertyStaff,
    PartyOrganisation,
    PlatformAdmin,
    DistrictSystem,
    NgoSystem,
}

impl Audience {
    /// Every kind, in the order the README's table lists them.
    pub const ALL: [Audience; 12] = [
        Audience::Anonymous,
        Audience::Person,
        Audience::Resident,
        Audience::BuildingHead,
        Audience::Committee,
        Audience::Office,
        Audience::NgoStaff,
        Audience::PropertyStaff,
        Audience::PartyOrganisation,
        Audience::PlatformAdmin,
        Audience::DistrictSystem,
        Audience::NgoSystem,
    ];

    /// The kind of a request's principal (none: anonymous).
    pub fn of(p: Option<&Principal>) -> Self {
        let Some(p) = p else { return Self::Anonymous };
        let client = p.api_client_id().is_some();
        match p.role {
            Role::Person => Self::Person,
            Role::Resident => Self::Resident,
            Role::BuildingHead => Self::BuildingHead,
            Role::CommunityCommittee => Self::Committee,
            Role::GovernmentOffice => Self::Office,
            Role::SocialOrganization if client => Self::NgoSystem,
            Role::SocialOrganization => Self::NgoStaff,
            Role::PropertyCompany => Self::PropertyStaff,
            Role::PlatformAdmin => Self::PlatformAdmin,
            Role::PartyOrganisation => Self::PartyOrganisation,
            Role::DistrictSystem => Self::DistrictSystem,
        }
    }

    /// The name used for files (`schema/<name>.graphql`) and the command
    /// line (`gongzhi export-schema --role <name>`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Person => "person",
            Self::Resident => "resident",
            Self::BuildingHead => "building-head",
            Self::Committee => "committee",
            Self::Office => "office",
            Self::NgoStaff => "ngo-staff",
            Self::PropertyStaff => "property-staff",
            Self::PartyOrganisation => "party-organisation",
            Self::PlatformAdmin => "platform-admin",
            Self::DistrictSystem => "district-system",
            Self::NgoSystem => "ngo-system",
        }
    }

    /// The kind with this [`name`](Self::name), or with this role's wire
    /// name (`RESIDENT`, `COMMUNITY_COMMITTEE`, ...; `SOCIAL_ORGANIZATION`
    /// is the staff, `ngo-system` the API client).
    pub fn parse(s: &str) -> Option<Self> {
        let lower = s.to_ascii_lowercase().replace('_', "-");
        let alias = match lower.as_str() {
            "community-committee" => "committee",
            "government-office" => "office",
            "social-organization" => "ngo-staff",
            "property-company" => "property-staff",
            other => other,
        };
        Self::ALL.into_iter().find(|a| a.name() == alias)
    }

    /// A principal of this kind (see the module docs); none for anonymous.
    pub fn representative(self) -> Option<Principal> {
        let person = Actor::Account { account_id: REPRESENTATIVE_ID, membership_id: REPRESENTATIVE_ID };
        let client = Actor::Client { api_client_id: REPRESENTATIVE_ID };
        let community = Scope {
            community_id: Some(REPRESENTATIVE_ID),
            region_id: Some(REPRESENTATIVE_ID),
            region_path: Some(format!("/{REPRESENTATIVE_ID}/")),
            building_id: Some(REPRESENTATIVE_ID),
            organisation_id: None,
        };
        let region = Scope {
            region_id: Some(REPRESENTATIVE_ID),
            region_path: Some(format!("/{REPRESENTATIVE_ID}/")),
            organisation_id: Some(REPRESENTATIVE_ID),
            ..Scope::default()
        };
        let organisation = Scope { organisation_id: Some(REPRESENTATIVE_ID), ..Scope::default() };
        let (actor, role, scope) = match self {
            Self::Anonymous => return None,
            Self::Person => (person, Role::Person, Scope::default()),
            Self::Resident => (person, Role::Resident, community),
            Self::BuildingHead => (person, Role::BuildingHead, community),
            Self::Committee => (person, Role::CommunityCommittee, community),
            Self::Office => (person, Role::GovernmentOffice, region),
            Self::NgoStaff => (person, Role::SocialOrganization, organisation),
            Self::PropertyStaff => (person, Role::PropertyCompany, organisation),
            Self::PartyOrganisation => (person, Role::PartyOrganisation, region.clone()),
            Self::PlatformAdmin => (person, Role::PlatformAdmin, Scope::default()),
            Self::DistrictSystem => (client, Role::DistrictSystem, Scope { organisation_id: None, ..region }),
            Self::NgoSystem => (client, Role::SocialOrganization, organisation),
        };
        Some(Principal { actor, role, scope })
    }
}

/// The ids in a representative's scope: no row has them in mind, and the
/// role-level rules never compare them with a row.
const REPRESENTATIVE_ID: i32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_its_representative() {
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.name()), Some(a));
            assert_eq!(Audience::of(a.representative().as_ref()), a, "{a:?}");
        }
        assert_eq!(Audience::parse("COMMUNITY_COMMITTEE"), Some(Audience::Committee));
        assert_eq!(Audience::parse("RESIDENT"), Some(Audience::Resident));
        assert_eq!(Audience::parse("nobody"), None);
    }
}
