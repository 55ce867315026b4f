//! Who organises volunteer activities, who signs up, and who sees points.
//!
//! - **Organising** (create, publish, start, complete, cancel, check people
//!   in and out, confirm attendance, read the roster): the committee for its
//!   community; an NGO or a property company for the communities it serves
//!   (its own activities only); the party organisation, as its
//!   organisation, for the communities of its community or street.
//! - **Signing up**: residents and building heads of the activity's
//!   community, for themselves.
//! - **Reading activities**: people of the community (published ones, for
//!   the whole community or for their building; the
//!   committee also its drafts), the organisation its own and the published
//!   ones of communities it serves, the office and the party organisation
//!   those under its region (the party organisation its own drafts too),
//!   platform admins all. Machine clients none.
//! - **Rosters**: the organiser's side only; names, and a phone only when
//!   the person chose to share it. A sign-up is otherwise visible to its
//!   person alone.
//! - **Points**: a person's balance and ledger to that person; the rules of
//!   a community to its people; rules kept by the committee. Nobody awards
//!   points to themself (checked where attendance is confirmed).
//! - **Store**: items offered by the committee or by organisations serving
//!   the community, read by the community's people and their offerers;
//!   redemptions by residents, handed over or cancelled by the offerer.

use entity::enums::{ActivityStatus, Role};
use entity::{
    points_item, points_ledger, points_redemption, volunteer_activity, volunteer_activity_building, volunteer_signup,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, for_building, is_person, never, served_by, under_region};

/// The role-level rules of volunteering, points and the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolunteeringPermission {
    /// Create and run activities, keep rosters and attendance.
    Organise,
    /// Sign up for activities, redeem points.
    Take,
    /// Read activities.
    ReadActivities,
    /// Keep the community's points rules.
    KeepRules,
    /// Offer store items and hand them over.
    OfferItems,
    /// Read the store (items) and points rules.
    ReadStore,
}

impl Permission for VolunteeringPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::Organise => t!("volunteering.perm.organise"),
            Self::Take => t!("volunteering.perm.take"),
            Self::ReadActivities => t!("volunteering.perm.read"),
            Self::KeepRules => t!("volunteering.perm.rules"),
            Self::OfferItems => t!("volunteering.perm.offer"),
            Self::ReadStore => t!("volunteering.perm.store"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        if !is_person(p) {
            return false;
        }
        match self {
            Self::Organise => matches!(
                p.role,
                Role::CommunityCommittee | Role::SocialOrganization | Role::PropertyCompany | Role::PartyOrganisation
            ),
            Self::OfferItems => {
                matches!(p.role, Role::CommunityCommittee | Role::SocialOrganization | Role::PropertyCompany)
            }
            Self::Take => matches!(p.role, Role::Resident | Role::BuildingHead),
            Self::KeepRules => p.role == Role::CommunityCommittee,
            Self::ReadActivities | Self::ReadStore => matches!(
                p.role,
                Role::Resident
                    | Role::BuildingHead
                    | Role::CommunityCommittee
                    | Role::SocialOrganization
                    | Role::PropertyCompany
                    | Role::GovernmentOffice
                    | Role::PartyOrganisation
                    | Role::PlatformAdmin
            ),
        }
    }
}

/// Is `p` the side that owns something of `community_id` made by
/// `organisation_id` (`None`: the committee)? The committee of that
/// community for its own, the organisation for its own.
fn owns(p: &Principal, community_id: i32, organisation_id: Option<i32>) -> bool {
    is_person(p)
        && match p.role {
            Role::CommunityCommittee => p.scope.community_id == Some(community_id) && organisation_id.is_none(),
            Role::SocialOrganization | Role::PropertyCompany | Role::PartyOrganisation => {
                organisation_id.is_some() && organisation_id == p.scope.organisation_id
            }
            _ => false,
        }
}

/// May `p` run this activity (as its committee or its organisation)?
pub fn organises(p: &Principal, a: &volunteer_activity::Model) -> bool {
    owns(p, a.community_id, a.organisation_id)
}

/// The activities `p` organises, as a condition (for rosters).
fn organised(p: &Principal) -> Option<Condition> {
    if !is_person(p) {
        return None;
    }
    match (p.role, p.scope.community_id, p.scope.organisation_id) {
        (Role::CommunityCommittee, Some(c), _) => Some(
            Condition::all()
                .add(volunteer_activity::Column::CommunityId.eq(c))
                .add(volunteer_activity::Column::OrganisationId.is_null()),
        ),
        (Role::SocialOrganization | Role::PropertyCompany | Role::PartyOrganisation, _, Some(o)) => {
            Some(Condition::all().add(volunteer_activity::Column::OrganisationId.eq(o)))
        }
        _ => None,
    }
}

/// Activities `p` may read.
pub fn visible_activities(p: &Principal) -> Select<volunteer_activity::Entity> {
    use volunteer_activity::Column as A;
    let q = volunteer_activity::Entity::find();
    if !is_person(p) {
        return q.filter(never());
    }
    let published = A::Status.ne(ActivityStatus::Draft);
    let cond = match p.role {
        Role::PlatformAdmin => return q,
        // The community's, for all of it or for their building.
        Role::Resident | Role::BuildingHead => match p.scope.community_id {
            Some(c) => Condition::all().add(A::CommunityId.eq(c)).add(published).add(for_building(
                A::Id,
                volunteer_activity_building::Column::ActivityId,
                volunteer_activity_building::Column::BuildingId,
                p.scope.building_id,
            )),
            None => Condition::all().add(never()),
        },
        Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => Condition::all().add(A::CommunityId.eq(c)),
            None => Condition::all().add(never()),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => Condition::any()
                .add(A::OrganisationId.eq(o))
                .add(Condition::all().add(served_by(A::CommunityId, o)).add(published)),
            None => Condition::all().add(never()),
        },
        Role::GovernmentOffice => match &p.scope.region_path {
            Some(path) => Condition::all().add(under_region(A::CommunityId, path)).add(published),
            None => Condition::all().add(never()),
        },
        Role::PartyOrganisation => match (&p.scope.region_path, p.scope.organisation_id) {
            (Some(path), Some(o)) => Condition::all()
                .add(under_region(A::CommunityId, path))
                .add(Condition::any().add(published).add(A::OrganisationId.eq(o))),
            _ => Condition::all().add(never()),
        },
        Role::DistrictSystem | Role::Person => Condition::all().add(never()),
    };
    q.filter(cond)
}

/// Sign-ups `p` may read: their own, and the rosters of the activities
/// they organise.
pub fn visible_signups(p: &Principal) -> Select<volunteer_signup::Entity> {
    use volunteer_signup::Column as S;
    let q = volunteer_signup::Entity::find();
    let Some(me) = p.account_id() else {
        return q.filter(never());
    };
    let mut any = Condition::any().add(S::AccountId.eq(me));
    if let Some(cond) = organised(p) {
        any = any.add(
            S::ActivityId.in_subquery(
                Query::select()
                    .column(volunteer_activity::Column::Id)
                    .from(volunteer_activity::Entity)
                    .cond_where(cond)
                    .to_owned(),
            ),
        );
    }
    q.filter(any)
}

/// Ledger rows `p` may read: their own.
pub fn visible_ledger(p: &Principal) -> Select<points_ledger::Entity> {
    let q = points_ledger::Entity::find();
    match p.account_id() {
        Some(me) => q.filter(points_ledger::Column::AccountId.eq(me)),
        None => q.filter(never()),
    }
}

/// May `p` hand over or withdraw this item (its offerer's side)?
pub fn offers(p: &Principal, item: &points_item::Model) -> bool {
    owns(p, item.community_id, item.organisation_id)
}

/// Store items `p` may read: the community's people its items; offerers
/// their own; the office those under its region; admins all.
pub fn visible_items(p: &Principal) -> Select<points_item::Entity> {
    use points_item::Column as I;
    let q = points_item::Entity::find();
    if !is_person(p) {
        return q.filter(never());
    }
    let cond = match p.role {
        Role::PlatformAdmin => return q,
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => Condition::all().add(I::CommunityId.eq(c)),
            None => Condition::all().add(never()),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => Condition::all().add(I::OrganisationId.eq(o)),
            None => Condition::all().add(never()),
        },
        Role::GovernmentOffice | Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) => Condition::all().add(under_region(I::CommunityId, path)),
            None => Condition::all().add(never()),
        },
        Role::DistrictSystem | Role::Person => Condition::all().add(never()),
    };
    q.filter(cond)
}

/// Redemptions `p` may read: their own, and those of the items they offer.
pub fn visible_redemptions(p: &Principal) -> Select<points_redemption::Entity> {
    use points_redemption::Column as D;
    let q = points_redemption::Entity::find();
    let Some(me) = p.account_id() else {
        return q.filter(never());
    };
    let mut any = Condition::any().add(D::AccountId.eq(me));
    let offered = match (p.role, p.scope.community_id, p.scope.organisation_id) {
        (Role::CommunityCommittee, Some(c), _) => Some(
            Condition::all()
                .add(points_item::Column::CommunityId.eq(c))
                .add(points_item::Column::OrganisationId.is_null()),
        ),
        (Role::SocialOrganization | Role::PropertyCompany, _, Some(o)) => {
            Some(Condition::all().add(points_item::Column::OrganisationId.eq(o)))
        }
        _ => None,
    };
    if let Some(cond) = offered {
        any = any.add(D::ItemId.in_subquery(
            Query::select().column(points_item::Column::Id).from(points_item::Entity).cond_where(cond).to_owned(),
        ));
    }
    q.filter(any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn activities_render_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_activities(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{role:?}: {s}"),
                Role::Resident | Role::BuildingHead => {
                    assert!(s.contains(r#""community_id" = 4"#) && s.contains("<> 'DRAFT'"), "{role:?}: {s}");
                    // The whole community's, or their building's.
                    assert!(
                        s.contains(r#""id" NOT IN (SELECT "activity_id" FROM "volunteer_activity_buildings")"#),
                        "{s}"
                    );
                    assert!(s.contains(r#"WHERE "volunteer_activity_buildings"."building_id" = 1"#), "{s}");
                }
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{role:?}: {s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#), "{role:?}: {s}")
                }
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{role:?}: {s}"),
                Role::PartyOrganisation => {
                    assert!(s.contains("LIKE '/1/2/4/%'") && s.contains(r#""organisation_id" = 6"#), "{role:?}: {s}")
                }
                Role::DistrictSystem | Role::Person => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }

    #[test]
    fn sign_ups_are_their_person_s_and_the_organiser_s() {
        let resident = sql(visible_signups(&principal(Role::Resident)));
        assert_eq!(resident, r#""volunteer_signups"."account_id" = 7"#);
        let committee = sql(visible_signups(&principal(Role::CommunityCommittee)));
        assert!(committee.contains("\"organisation_id\" IS NULL"), "{committee}");
        let office = sql(visible_signups(&principal(Role::GovernmentOffice)));
        assert_eq!(office, r#""volunteer_signups"."account_id" = 7"#);
        assert!(sql(visible_signups(&principal(Role::DistrictSystem))).contains("1 = 0"));
        assert!(sql(visible_ledger(&principal(Role::DistrictSystem))).contains("1 = 0"));
        assert!(sql(visible_redemptions(&principal(Role::DistrictSystem))).contains("1 = 0"));
    }
}
