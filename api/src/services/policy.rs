//! Who may do what with community services, and which services, sessions,
//! requests and delivery records each principal may see.
//!
//! - Services: people of a community browse the ACTIVE services offered in
//!   it; the committee and the office see every service offered in their
//!   communities; an organisation sees its own (any state) and the active
//!   ones in communities it serves; district systems none (aggregates only).
//! - Requests are personal: the resident (and who asked for them), the
//!   organisation of the service and the committee of the community. The
//!   office sees aggregates only.
//! - Delivery records: the organisation, the committee and the office of
//!   the community, and the resident a record names. Only the organisation,
//!   the committee and that resident see who it names.
//!
//! "The organisation" is its staff or its machine client (an NGO system),
//! both with the SOCIAL_ORGANIZATION role scoped to it.

use entity::enums::{Role, ServiceStatus};
use entity::{delivery_record, service, service_area, service_request, service_session};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::Described;
use crate::policy::{Permission, communities_filter, is_committee_of, is_person, is_resident_of, never, require};

/// What may be done to a service request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestAction {
    Accept,
    Schedule,
    Decline,
    Complete,
    Cancel,
    Rate,
}

impl crate::lifecycle::Described for RequestAction {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Self::Accept => t!("services.action.accept"),
            Self::Schedule => t!("services.action.schedule"),
            Self::Decline => t!("services.action.decline"),
            Self::Complete => t!("services.action.complete"),
            Self::Cancel => t!("services.action.cancel"),
            Self::Rate => t!("services.action.rate"),
        }
    }
}

/// The role-level half of each step: could a principal of this role take
/// it on some request in its scope? [`authorize`] starts from it, and the
/// schema shows each step's mutation to exactly these roles.
impl Permission for RequestAction {
    fn action(&self) -> crate::i18n::Msg {
        use crate::lifecycle::Described;
        self.words()
    }

    fn allowed(&self, p: &Principal) -> bool {
        let resident = is_person(p) && matches!(p.role, Role::Resident | Role::BuildingHead);
        match self {
            Self::Accept | Self::Schedule | Self::Decline | Self::Complete => ServicesPermission::Provide.allowed(p),
            Self::Cancel => resident || (is_person(p) && p.role == Role::CommunityCommittee),
            Self::Rate => resident,
        }
    }
}

/// Reading and providing services, asking for them, their records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServicesPermission {
    /// The catalogue: everyone but district systems (who read aggregates).
    ReadServices,
    /// Publish services and sessions, answer requests, push delivery
    /// records: a social organisation (its staff or its machine client).
    Provide,
    /// Ask for a service: residents and building heads (for themselves),
    /// building heads and the committee for a resident.
    Request,
    /// Service requests: the residents who asked, the committee, the
    /// organisation, platform admins.
    ReadRequests,
    /// Delivery records: everyone but people of no community and district
    /// systems (who read the totals).
    ReadRecords,
    /// Delivery totals: offices, district systems, committees, organisations.
    Totals,
}

impl Permission for ServicesPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadServices => t!("services.perm.read"),
            Self::Provide => t!("services.perm.provide"),
            Self::Request => t!("services.perm.request"),
            Self::ReadRequests => t!("services.perm.requests"),
            Self::ReadRecords => t!("services.perm.records"),
            Self::Totals => t!("services.perm.totals"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        let person = is_person(p);
        match self {
            Self::ReadServices => p.role != Role::DistrictSystem,
            Self::Provide => p.role == Role::SocialOrganization && p.scope.organisation_id.is_some(),
            Self::Request => person && matches!(p.role, Role::Resident | Role::BuildingHead | Role::CommunityCommittee),
            Self::ReadRequests => {
                (person
                    && matches!(
                        p.role,
                        Role::Resident | Role::BuildingHead | Role::CommunityCommittee | Role::PlatformAdmin
                    ))
                    || p.role == Role::SocialOrganization
            }
            // The party organisation reads the totals, not who received what.
            Self::ReadRecords => {
                !matches!(p.role, Role::Person | Role::DistrictSystem | Role::PartyOrganisation)
                    && (person || p.role == Role::SocialOrganization)
            }
            Self::Totals => !matches!(p.role, Role::Resident | Role::BuildingHead | Role::Person),
        }
    }
}

/// Acting for the organisation: its staff or its machine client.
pub fn acts_for(p: &Principal, organisation_id: i32) -> bool {
    ServicesPermission::Provide.allowed(p) && p.scope.organisation_id == Some(organisation_id)
}

/// The organisation the principal acts for, or FORBIDDEN.
pub fn own_organisation(p: &Principal) -> ApiResult<i32> {
    match (p.role, p.scope.organisation_id) {
        (Role::SocialOrganization, Some(o)) => Ok(o),
        _ => Err(ApiError::forbidden(t!("services.social_organisation_publishes_services_records"))),
    }
}

/// May the principal ask for the service for `resident` in `community_id`?
/// A resident for themself; a building head for a resident of their
/// building (the caller checks the building); the committee for a resident
/// of its community.
pub fn may_request(p: &Principal, community_id: i32, for_self: bool) -> ApiResult<()> {
    let ok = ServicesPermission::Request.allowed(p)
        && if for_self {
            is_resident_of(p, community_id)
        } else {
            (p.role == Role::BuildingHead && is_resident_of(p, community_id)) || is_committee_of(p, community_id)
        };
    require(ok, t!("services.residents_ask_themselves_building_head"))
}

/// May the principal do `action` to the request of a service owned by
/// `organisation_id`? The state is the lifecycle table's business.
pub fn authorize(
    p: &Principal,
    action: RequestAction,
    r: &service_request::Model,
    organisation_id: i32,
) -> ApiResult<()> {
    use RequestAction::*;
    let me = p.account_id();
    let allowed = action.allowed(p)
        && match action {
            Accept | Schedule | Decline | Complete => acts_for(p, organisation_id),
            Cancel => is_person(p) && (me == Some(r.resident_account_id) || me == Some(r.requested_by_account_id)),
            Rate => is_person(p) && me == Some(r.resident_account_id),
        };
    if allowed { Ok(()) } else { Err(crate::policy::refusal_on(p, action.words(), t!("services.this_request"))) }
}

/// `service_id IN (services offered in the communities of this condition)`.
fn offered_in(communities: Condition) -> Condition {
    Condition::all().add(
        service::Column::Id.in_subquery(
            Query::select()
                .column(service_area::Column::ServiceId)
                .from(service_area::Entity)
                .cond_where(communities)
                .to_owned(),
        ),
    )
}

/// The condition of [`visible_services`].
pub fn services_condition(p: &Principal) -> Condition {
    let area = || communities_filter(p, service_area::Column::CommunityId);
    let active = || service::Column::Status.eq(ServiceStatus::Active);
    match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::Resident | Role::BuildingHead if is_person(p) => Condition::all().add(active()).add(offered_in(area())),
        Role::CommunityCommittee | Role::GovernmentOffice | Role::PartyOrganisation if is_person(p) => {
            offered_in(area())
        }
        // The public catalogue, before a person has joined a community.
        Role::Person if is_person(p) => Condition::all().add(active()),
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => Condition::any()
                .add(service::Column::OrganisationId.eq(o))
                .add(Condition::all().add(active()).add(offered_in(area()))),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    }
}

/// Services the principal may see (see the module docs).
pub fn visible_services(p: &Principal) -> Select<service::Entity> {
    service::Entity::find().filter(services_condition(p))
}

/// The public catalogue: every published service, in whatever state (a
/// directory must learn that a service paused or ended), for anyone, with
/// or without a token. What of a service is public is the HSDS adapter's
/// choice of fields (`services/hsds/`): the catalogue's own words, its
/// organisation and the communities served; never a request, a record or
/// a resident.
pub fn catalogue_services() -> Select<service::Entity> {
    service::Entity::find()
}

/// Sessions of the services the principal may see.
pub fn visible_sessions(p: &Principal) -> Select<service_session::Entity> {
    let ids = visible_services(p).select_only().column(service::Column::Id).into_query();
    service_session::Entity::find().filter(service_session::Column::ServiceId.in_subquery(ids))
}

/// Requests the principal may see (see the module docs).
pub fn visible_requests(p: &Principal) -> Select<service_request::Entity> {
    use service_request::Column as R;
    let cond = match (p.role, p.account_id()) {
        (Role::PlatformAdmin, _) => Condition::all(),
        (Role::Resident | Role::BuildingHead, Some(me)) => {
            Condition::any().add(R::ResidentAccountId.eq(me)).add(R::RequestedByAccountId.eq(me))
        }
        (Role::CommunityCommittee, Some(_)) => communities_filter(p, R::CommunityId),
        (Role::SocialOrganization, _) => match p.scope.organisation_id {
            Some(o) => Condition::all().add(
                R::ServiceId.in_subquery(
                    Query::select()
                        .column(service::Column::Id)
                        .from(service::Entity)
                        .and_where(service::Column::OrganisationId.eq(o))
                        .to_owned(),
                ),
            ),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    };
    service_request::Entity::find().filter(cond)
}

/// Delivery records the principal may see (see the module docs).
pub fn visible_records(p: &Principal) -> Select<delivery_record::Entity> {
    use delivery_record::Column as D;
    let cond = match (p.role, p.account_id()) {
        (Role::PlatformAdmin, _) => Condition::all(),
        (Role::Resident | Role::BuildingHead, Some(me)) => Condition::all().add(D::ResidentAccountId.eq(me)),
        (Role::CommunityCommittee | Role::GovernmentOffice, Some(_)) => communities_filter(p, D::CommunityId),
        // An organisation its own records (a property company that
        // delivers services records them as any organisation does).
        (Role::SocialOrganization | Role::PropertyCompany, _) => match p.scope.organisation_id {
            Some(o) => Condition::all().add(D::OrganisationId.eq(o)),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    };
    delivery_record::Entity::find().filter(cond)
}

/// May the principal see which resident a record names?
pub fn sees_resident(p: &Principal, r: &delivery_record::Model) -> bool {
    p.role == Role::PlatformAdmin && is_person(p)
        || acts_for(p, r.organisation_id)
        || is_committee_of(p, r.community_id)
        || (r.resident_account_id.is_some() && p.account_id() == r.resident_account_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    /// The public catalogue (HSDS) is every service in any state: a
    /// directory must learn that one paused or ended. What of it is shown
    /// is the adapter's choice of fields.
    #[test]
    fn the_catalogue_is_every_service() {
        let s = sql(catalogue_services());
        assert!(unrestricted(&s) && !s.contains("ACTIVE"), "{s}");
    }

    #[test]
    fn visible_services_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_services(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::Resident | Role::BuildingHead => {
                    assert!(s.contains("'ACTIVE'") && s.contains(r#""community_id" = 4"#), "{s}")
                }
                Role::CommunityCommittee => {
                    assert!(!s.contains("'ACTIVE'") && s.contains(r#""community_id" = 4"#), "{s}")
                }
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::PartyOrganisation => assert!(s.contains("LIKE '/1/2/4/%'"), "{s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#), "{s}")
                }
                Role::DistrictSystem => assert!(s.contains("1 = 0"), "{s}"),
                // The catalogue: active services anywhere.
                Role::Person => assert_eq!(s, r#""services"."status" = 'ACTIVE'"#),
            }
        }
    }

    #[test]
    fn requests_are_personal() {
        for role in ALL_ROLES {
            let s = sql(visible_requests(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::Resident | Role::BuildingHead => {
                    assert!(s.contains(r#""resident_account_id" = 7"#) && !s.contains("community_id"), "{s}")
                }
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{s}"),
                Role::SocialOrganization => assert!(s.contains(r#""organisation_id" = 2"#), "{s}"),
                Role::GovernmentOffice
                | Role::PropertyCompany
                | Role::PartyOrganisation
                | Role::DistrictSystem
                | Role::Person => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }

    #[test]
    fn records_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_records(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::Resident | Role::BuildingHead => assert!(s.contains(r#""resident_account_id" = 7"#), "{s}"),
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{s}"),
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#), "{s}")
                }
                Role::DistrictSystem | Role::PartyOrganisation | Role::Person => {
                    assert!(s.contains("1 = 0"), "{role:?}: {s}")
                }
            }
        }
    }
}
