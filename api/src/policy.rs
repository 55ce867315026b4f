//! The shared core of authorisation: who a principal is in relation to a
//! community, a region or an organisation, as Rust predicates and as SQL
//! conditions. It names no domain. Each domain has its own `policy.rs` with
//! its permissions and, for each entity, one `visible(principal)` query used
//! by its lists, loaders, `node` and the row a mutation loads before acting.
//! Anything not explicitly allowed is denied.

use entity::enums::Role;
use entity::{organisation_community, region};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;

/// A coarse permission ("may this principal do X at all?"), declared by a
/// domain as an enum and checked before touching any object.
pub trait Permission: Copy + std::fmt::Debug + Send + Sync + 'static {
    fn allowed(&self, p: &Principal) -> bool;

    /// What it permits, in words for a refusal ("read the audit log").
    fn action(&self) -> Msg;
}

/// FORBIDDEN unless the permission allows the principal.
pub fn authorize(p: &Principal, perm: impl Permission) -> ApiResult<()> {
    if perm.allowed(p) { Ok(()) } else { Err(refusal(p, perm.action())) }
}

/// "A property company may not read the audit log": a refusal naming the
/// principal's role and the action as the schema and README do.
pub fn refusal(p: &Principal, action: Msg) -> ApiError {
    ApiError::forbidden(t!("policy.may_not", role = role_name(p.role), action = action))
}

/// "A resident may not approve this project": a refusal of an action on
/// one object (`object`: "this project").
pub fn refusal_on(p: &Principal, action: Msg, object: Msg) -> ApiError {
    ApiError::forbidden(t!("policy.may_not_on", role = role_name(p.role), action = action, object = object))
}

/// A role in words ("a property company").
pub fn role_name(role: Role) -> Msg {
    match role {
        Role::Resident => t!("role.RESIDENT"),
        Role::BuildingHead => t!("role.BUILDING_HEAD"),
        Role::CommunityCommittee => t!("role.COMMUNITY_COMMITTEE"),
        Role::GovernmentOffice => t!("role.GOVERNMENT_OFFICE"),
        Role::SocialOrganization => t!("role.SOCIAL_ORGANIZATION"),
        Role::PropertyCompany => t!("role.PROPERTY_COMPANY"),
        Role::DistrictSystem => t!("role.DISTRICT_SYSTEM"),
        Role::PlatformAdmin => t!("role.PLATFORM_ADMIN"),
        Role::PartyOrganisation => t!("role.PARTY_ORGANISATION"),
        Role::Person => t!("role.PERSON"),
    }
}

/// FORBIDDEN with `why` unless `allowed`.
pub fn require(allowed: bool, why: Msg) -> ApiResult<()> {
    if allowed { Ok(()) } else { Err(ApiError::forbidden(why)) }
}

pub const COMMUNITY_ROLES: [Role; 3] = [Role::Resident, Role::BuildingHead, Role::CommunityCommittee];

pub fn is_community_role(role: Role) -> bool {
    COMMUNITY_ROLES.contains(&role)
}

/// Region ids on a materialised path (`/1/2/4/` → 1, 2, 4): the region
/// and its ancestors.
pub fn path_ids(path: &str) -> Vec<i32> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// A condition that matches nothing (deny).
pub fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

/// Is the principal a person (not a machine client)?
pub fn is_person(p: &Principal) -> bool {
    p.account_id().is_some()
}

/// A person holding a community role in this community.
pub fn in_community(p: &Principal, community_id: i32) -> bool {
    is_community_role(p.role) && p.scope.community_id == Some(community_id) && is_person(p)
}

/// A resident or building head of this community.
pub fn is_resident_of(p: &Principal, community_id: i32) -> bool {
    matches!(p.role, Role::Resident | Role::BuildingHead) && in_community(p, community_id)
}

/// The committee of this community.
pub fn is_committee_of(p: &Principal, community_id: i32) -> bool {
    p.role == Role::CommunityCommittee && in_community(p, community_id)
}

/// A government office whose region contains the community (by path).
pub fn office_over(p: &Principal, community_path: &str) -> bool {
    p.role == Role::GovernmentOffice
        && is_person(p)
        && p.scope.region_path.as_deref().is_some_and(|r| community_path.starts_with(r))
}

/// The party organisation whose community or street contains the
/// community (by path): it convenes the council, publishes activities and
/// surveys, endorses projects and reads the community's overview.
pub fn party_over(p: &Principal, community_path: &str) -> bool {
    p.role == Role::PartyOrganisation
        && is_person(p)
        && p.scope.region_path.as_deref().is_some_and(|r| community_path.starts_with(r))
}

/// Staff of a social organisation or property company.
pub fn is_org_staff(p: &Principal) -> bool {
    matches!(p.role, Role::SocialOrganization | Role::PropertyCompany) && is_person(p)
}

/// `col IN (communities under the region with this path)`.
pub fn under_region(col: impl ColumnTrait, path: &str) -> SimpleExpr {
    col.in_subquery(
        Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Path.like(format!("{path}%")))
            .to_owned(),
    )
}

/// Something for some buildings, or for all: `id_col` is the object's id,
/// `link_id` and `link_building` the columns of the table naming its
/// buildings (none named: it is for everyone in its scope). Matches the
/// objects without buildings and, for a person of `building`, those that
/// name it.
pub fn for_building(
    id_col: impl ColumnTrait,
    link_id: impl ColumnTrait,
    link_building: impl ColumnTrait,
    building: Option<i32>,
) -> Condition {
    let linked = Query::select().column(link_id).from(link_id.entity_name()).to_owned();
    let mut any = Condition::any().add(id_col.not_in_subquery(linked));
    if let Some(b) = building {
        let mine =
            Query::select().column(link_id).from(link_id.entity_name()).and_where(link_building.eq(b)).to_owned();
        any = any.add(id_col.in_subquery(mine));
    }
    any
}

/// `col IN (communities the organisation serves or manages)`.
pub fn served_by(col: impl ColumnTrait, organisation_id: i32) -> SimpleExpr {
    col.in_subquery(
        Query::select()
            .column(organisation_community::Column::CommunityId)
            .from(organisation_community::Entity)
            .and_where(organisation_community::Column::OrganisationId.eq(organisation_id))
            .to_owned(),
    )
}

/// SQL condition on a `community_id` column: the communities whose shared
/// data the principal may read. Community roles their community; offices,
/// district systems and party organisations the communities under their
/// region (a party organisation's is a community or a street); organisations
/// the communities they serve; platform admins all.
pub fn communities_filter(p: &Principal, col: impl ColumnTrait) -> Condition {
    let expr = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => col.eq(c),
            None => never(),
        },
        Role::GovernmentOffice | Role::DistrictSystem | Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) => under_region(col, path),
            None => never(),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => served_by(col, o),
            None => never(),
        },
        Role::Person => never(),
    };
    Condition::all().add(expr)
}

/// Only people: machine clients match nothing.
pub fn people_only(p: &Principal) -> Condition {
    if is_person(p) || p.api_client_id().is_none() { Condition::all() } else { Condition::all().add(never()) }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Principals of every role, for the SQL-rendering tests of each
    //! domain's `visible()` queries.
    use entity::enums::Role;
    use sea_orm::{DbBackend, QueryTrait, Select};

    use crate::auth::{Actor, Principal, Scope};

    pub const COMMUNITY: i32 = 4;
    pub const BUILDING: i32 = 1;
    pub const ORGANISATION: i32 = 2;
    pub const REGION_PATH: &str = "/1/2/";
    pub const PARTY_ORGANISATION: i32 = 6;

    pub fn principal(role: Role) -> Principal {
        let person = Actor::Account { account_id: 7, membership_id: 9 };
        let (actor, scope) = match role {
            Role::Resident | Role::BuildingHead | Role::CommunityCommittee => (
                person,
                Scope {
                    community_id: Some(COMMUNITY),
                    region_id: Some(COMMUNITY),
                    region_path: Some("/1/2/4/".into()),
                    building_id: Some(BUILDING),
                    organisation_id: None,
                },
            ),
            Role::GovernmentOffice => {
                (person, Scope { region_id: Some(2), region_path: Some(REGION_PATH.into()), ..Scope::default() })
            }
            Role::DistrictSystem => (
                Actor::Client { api_client_id: 3 },
                Scope { region_id: Some(1), region_path: Some("/1/".into()), ..Scope::default() },
            ),
            Role::SocialOrganization | Role::PropertyCompany => {
                (person, Scope { organisation_id: Some(ORGANISATION), ..Scope::default() })
            }
            Role::PartyOrganisation => (
                person,
                Scope {
                    region_id: Some(COMMUNITY),
                    region_path: Some("/1/2/4/".into()),
                    organisation_id: Some(PARTY_ORGANISATION),
                    ..Scope::default()
                },
            ),
            Role::PlatformAdmin | Role::Person => (person, Scope::default()),
        };
        Principal { actor, role, scope }
    }

    pub const ALL_ROLES: [Role; 10] = [
        Role::Resident,
        Role::BuildingHead,
        Role::CommunityCommittee,
        Role::GovernmentOffice,
        Role::SocialOrganization,
        Role::PropertyCompany,
        Role::DistrictSystem,
        Role::PlatformAdmin,
        Role::PartyOrganisation,
        Role::Person,
    ];

    /// The WHERE clause of a query, as PostgreSQL would receive it
    /// (`TRUE` when it has none).
    pub fn sql<E: sea_orm::EntityTrait>(q: Select<E>) -> String {
        let s = q.build(DbBackend::Postgres).to_string();
        s.split_once(" WHERE ").map_or_else(|| "TRUE".to_owned(), |(_, w)| w.to_owned())
    }

    /// Does the condition let every row through?
    pub fn unrestricted(where_clause: &str) -> bool {
        where_clause == "TRUE"
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use sea_orm::{EntityTrait, QueryFilter};

    #[test]
    fn community_scope_renders_per_role() {
        for role in ALL_ROLES {
            let p = principal(role);
            let q =
                entity::project::Entity::find().filter(communities_filter(&p, entity::project::Column::CommunityId));
            let s = sql(q);
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{role:?}: {s}"),
                Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
                    assert!(s.contains(r#""community_id" = 4"#), "{role:?}: {s}")
                }
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{role:?}: {s}"),
                Role::DistrictSystem => assert!(s.contains("LIKE '/1/%'"), "{role:?}: {s}"),
                Role::PartyOrganisation => assert!(s.contains("LIKE '/1/2/4/%'"), "{role:?}: {s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#), "{role:?}: {s}")
                }
                Role::Person => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }

    #[test]
    fn predicates_deny_by_default() {
        let client = principal(Role::DistrictSystem);
        assert!(!in_community(&client, COMMUNITY) && !office_over(&client, "/1/2/4/") && !is_org_staff(&client));
        let office = principal(Role::GovernmentOffice);
        assert!(office_over(&office, "/1/2/4/") && !office_over(&office, "/1/3/5/"));
        let resident = principal(Role::Resident);
        assert!(is_resident_of(&resident, COMMUNITY) && !is_committee_of(&resident, COMMUNITY));
        assert!(!is_resident_of(&resident, 5));
    }
}
