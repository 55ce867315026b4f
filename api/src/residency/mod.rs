//! Residency: people sign up and ask to join their community, the
//! committee or the building head verifies them (居住核验), committees
//! invite with one-time codes, and buildings keep a household register
//! (单元、户) with vulnerability flags and routine visits (入户走访).

pub mod graphql;
pub mod lifecycle;
pub mod policy;
pub mod service;

use entity::{household, household_flag, household_visit, invitation, join_request, membership};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What residency mutations do, as recorded in the audit log.
    pub enum Verbs {
        AccountSignUp = "account.sign_up",
        JoinRequestCreate = "join_request.create",
        JoinRequestApprove = "join_request.approve",
        JoinRequestReject = "join_request.reject",
        JoinRequestWithdraw = "join_request.withdraw",
        InvitationCreate = "invitation.create",
        InvitationRedeem = "invitation.redeem",
        HouseholdCreate = "household.create",
        HouseholdSetContact = "household.set_contact",
        HouseholdFlagSet = "household.flag_set",
        HouseholdFlagClear = "household.flag_clear",
        HouseholdVisitRecord = "household.visit_record",
    }
}

/// The members of a household: memberships grouped by `household_id`.
pub struct ByHousehold;
/// Flags and visits are care data: loaded only through their visibility rule.
pub struct CareOf;

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_id::<household::Entity>(policy::visible_households);
    l.visible_by_id::<join_request::Entity>(policy::visible_join_requests);
    l.visible_by_id::<invitation::Entity>(policy::visible_invitations);
    l.by_column::<membership::Entity, ByHousehold>(membership::Column::HouseholdId);
    l.visible_by_column::<household_flag::Entity, CareOf>(household_flag::Column::HouseholdId, policy::visible_flags);
    l.visible_by_column::<household_visit::Entity, CareOf>(
        household_visit::Column::HouseholdId,
        policy::visible_visits,
    );
    let _ = Main;
}
