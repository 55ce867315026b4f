//! Who decides join requests and who reads the household register.
//!
//! - **Join requests**: the person their own; the committee those of its
//!   community; the building head those of their building; platform admins
//!   all. Deciding: the committee of the community or the building head of
//!   the building, acting as people.
//! - **Invitations**: made by the committee for its community; read by it
//!   and platform admins. The code itself is shown once, to its maker.
//! - **Households**: a resident their own (the one their membership points
//!   at); the building head those of their building; the committee those
//!   of its community; platform admins all.
//! - **Care data** (vulnerability flags, routine visits, members' phones in
//!   the register): only the building head of the household's building and
//!   the committee of its community. Not platform admins, offices,
//!   organisations or machine clients: this is sensitive personal
//!   information (PIPL Art. 28), read by those who look after the
//!   household and nobody else.

use entity::enums::Role;
use entity::{household, household_flag, household_visit, invitation, join_request, membership};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, is_person, never};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResidencyPermission {
    /// Approve or reject join requests (then checked per request).
    Decide,
    /// Invite people to join with a one-time code.
    Invite,
    /// Add households (flats) to a building, end a resident's membership.
    ManageHouseholds,
    /// Set vulnerability flags and record routine visits.
    Care,
    /// Ask to join a community, withdraw the request, redeem an
    /// invitation: people who live somewhere (or will), i.e. persons,
    /// residents and building heads. Staff accounts (committee, office,
    /// organisations) are work accounts; their holders join with their
    /// own.
    Join,
    /// Join requests: their people and those who decide them.
    ReadJoinRequests,
    /// The household register: residents (their own flat), building heads,
    /// the committee, platform admins.
    ReadHouseholds,
    /// Invitations: the committee that makes them, platform admins.
    ReadInvitations,
}

impl Permission for ResidencyPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::Decide => t!("residency.perm.decide"),
            Self::Invite => t!("residency.perm.invite"),
            Self::ManageHouseholds => t!("residency.perm.households"),
            Self::Care => t!("residency.perm.care"),
            Self::Join => t!("residency.perm.join"),
            Self::ReadJoinRequests => t!("residency.perm.join_requests"),
            Self::ReadHouseholds => t!("residency.perm.households_read"),
            Self::ReadInvitations => t!("residency.perm.invitations"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match self {
            Self::Decide | Self::Care => {
                is_person(p) && matches!(p.role, Role::CommunityCommittee | Role::BuildingHead)
            }
            Self::Invite => is_person(p) && p.role == Role::CommunityCommittee,
            Self::Join => is_person(p) && matches!(p.role, Role::Person | Role::Resident | Role::BuildingHead),
            Self::ReadJoinRequests => Self::Join.allowed(p) || Self::Decide.allowed(p) || p.role == Role::PlatformAdmin,
            Self::ReadHouseholds => {
                is_person(p)
                    && matches!(
                        p.role,
                        Role::Resident | Role::BuildingHead | Role::CommunityCommittee | Role::PlatformAdmin
                    )
            }
            Self::ReadInvitations => is_person(p) && matches!(p.role, Role::CommunityCommittee | Role::PlatformAdmin),
            // The command line (seeding) adds flats too.
            Self::ManageHouseholds => {
                p.role == Role::PlatformAdmin || (is_person(p) && p.role == Role::CommunityCommittee)
            }
        }
    }
}

/// May `p` decide a request for (or look after a household in) this
/// building of this community?
pub fn decides_for(p: &Principal, community_id: i32, building_id: i32) -> bool {
    is_person(p)
        && match p.role {
            Role::CommunityCommittee => p.scope.community_id == Some(community_id),
            Role::BuildingHead => p.scope.building_id == Some(building_id),
            _ => false,
        }
}

/// May `p` read this household's care data (flags, visits, phones)?
pub fn cares_for(p: &Principal, h: &household::Model) -> bool {
    decides_for(p, h.community_id, h.building_id)
}

/// The condition on a (community, building) pair of columns that
/// [`decides_for`] states for one row.
fn cared_for(p: &Principal, community: impl ColumnTrait, building: impl ColumnTrait) -> Option<Condition> {
    if !is_person(p) {
        return None;
    }
    match (p.role, p.scope.community_id, p.scope.building_id) {
        (Role::CommunityCommittee, Some(c), _) => Some(Condition::all().add(community.eq(c))),
        (Role::BuildingHead, _, Some(b)) => Some(Condition::all().add(building.eq(b))),
        _ => None,
    }
}

fn is_admin(p: &Principal) -> bool {
    p.role == Role::PlatformAdmin && is_person(p)
}

/// Join requests the principal may read.
pub fn visible_join_requests(p: &Principal) -> Select<join_request::Entity> {
    use join_request::Column as J;
    if is_admin(p) {
        return join_request::Entity::find();
    }
    let mut c = Condition::any();
    if let Some(me) = p.account_id() {
        c = c.add(J::AccountId.eq(me));
    }
    if let Some(scope) = cared_for(p, J::CommunityId, J::BuildingId) {
        c = c.add(scope);
    }
    join_request::Entity::find().filter(if c.is_empty() { Condition::all().add(never()) } else { c })
}

/// Invitations the principal may read: its community's for a committee.
pub fn visible_invitations(p: &Principal) -> Select<invitation::Entity> {
    let c = match (p.role, p.scope.community_id) {
        _ if is_admin(p) => Condition::all(),
        (Role::CommunityCommittee, Some(c)) if is_person(p) => {
            Condition::all().add(invitation::Column::CommunityId.eq(c))
        }
        _ => Condition::all().add(never()),
    };
    invitation::Entity::find().filter(c)
}

/// Households the principal may read (see the module docs).
pub fn visible_households(p: &Principal) -> Select<household::Entity> {
    use household::Column as H;
    if is_admin(p) {
        return household::Entity::find();
    }
    let mut c = Condition::any();
    if let Some(me) = p.account_id() {
        c = c.add(
            H::Id.in_subquery(
                Query::select()
                    .column(membership::Column::HouseholdId)
                    .from(membership::Entity)
                    .and_where(membership::Column::AccountId.eq(me))
                    .and_where(membership::Column::HouseholdId.is_not_null())
                    .to_owned(),
            ),
        );
    }
    if let Some(scope) = cared_for(p, H::CommunityId, H::BuildingId) {
        c = c.add(scope);
    }
    household::Entity::find().filter(if c.is_empty() { Condition::all().add(never()) } else { c })
}

/// Households whose care data the principal may read.
pub fn care_households(p: &Principal) -> Select<household::Entity> {
    use household::Column as H;
    let c = cared_for(p, H::CommunityId, H::BuildingId).unwrap_or_else(|| Condition::all().add(never()));
    household::Entity::find().filter(c)
}

fn in_cared(p: &Principal, household_col: impl ColumnTrait) -> Condition {
    use sea_orm::{QuerySelect, QueryTrait};
    let ids = care_households(p).select_only().column(household::Column::Id).into_query();
    Condition::all().add(household_col.in_subquery(ids))
}

/// Vulnerability flags the principal may read: care data.
pub fn visible_flags(p: &Principal) -> Select<household_flag::Entity> {
    household_flag::Entity::find().filter(in_cared(p, household_flag::Column::HouseholdId))
}

/// Routine visits the principal may read: care data.
pub fn visible_visits(p: &Principal) -> Select<household_visit::Entity> {
    household_visit::Entity::find().filter(in_cared(p, household_visit::Column::HouseholdId))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn care_data_is_the_building_head_s_and_the_committee_s_only() {
        for role in ALL_ROLES {
            let p = principal(role);
            let (f, v) = (sql(visible_flags(&p)), sql(visible_visits(&p)));
            match role {
                Role::CommunityCommittee => assert!(f.contains(r#""community_id" = 4"#), "{f}"),
                Role::BuildingHead => assert!(f.contains(r#""building_id" = 1"#), "{f}"),
                _ => assert!(f.contains("1 = 0") && v.contains("1 = 0"), "{role:?}: {f} / {v}"),
            }
        }
    }

    #[test]
    fn households_and_requests_per_role() {
        for role in ALL_ROLES {
            let p = principal(role);
            let (h, j) = (sql(visible_households(&p)), sql(visible_join_requests(&p)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&h) && unrestricted(&j)),
                Role::CommunityCommittee => {
                    assert!(h.contains(r#""community_id" = 4"#) && j.contains(r#""community_id" = 4"#), "{h} / {j}")
                }
                Role::BuildingHead => {
                    assert!(h.contains(r#""building_id" = 1"#) && j.contains(r#""building_id" = 1"#), "{h} / {j}")
                }
                Role::DistrictSystem => assert!(h.contains("1 = 0") && j.contains("1 = 0"), "{h} / {j}"),
                // Everyone else: their own household and requests only.
                _ => {
                    assert!(h.contains(r#""account_id" = 7"#) && !h.contains("community_id"), "{role:?}: {h}");
                    assert!(j.contains(r#""account_id" = 7"#) && !j.contains("community_id"), "{role:?}: {j}");
                }
            }
        }
    }
}
