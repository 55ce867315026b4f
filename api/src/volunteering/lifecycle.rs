//! The volunteer activity and redemption lifecycles as data. Who may make
//! each move is decided in the services (organiser, the person); the
//! README's tables are checked against these rows (tests below).
//!
//! FULL is not a move of its own: the sign-up that takes the last place
//! makes an OPEN activity FULL, a withdrawal that frees a place (with nobody
//! waiting) makes it OPEN again.

use entity::enums::ActivityStatus::{self, *};
use entity::enums::RedemptionStatus::{self, Cancelled as RCancelled, Fulfilled, Reserved};

use super::Verbs;
use crate::error::ApiResult;
use crate::i18n::Msg;
use crate::lifecycle::{Described, Transition};

/// What can be done to an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityAction {
    Publish,
    Start,
    Complete,
    Cancel,
    SignUp,
    Withdraw,
    CheckIn,
    CheckOut,
    Confirm,
}

impl Described for ActivityAction {
    fn words(self) -> Msg {
        match self {
            Self::Publish => t!("volunteering.action.publish"),
            Self::Start => t!("volunteering.action.start"),
            Self::Complete => t!("volunteering.action.complete"),
            Self::Cancel => t!("volunteering.action.cancel"),
            Self::SignUp => t!("volunteering.action.sign_up"),
            Self::Withdraw => t!("volunteering.action.withdraw"),
            Self::CheckIn => t!("volunteering.action.check_in"),
            Self::CheckOut => t!("volunteering.action.check_out"),
            Self::Confirm => t!("volunteering.action.confirm"),
        }
    }
}

/// What can be done to a redemption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedemptionAction {
    Fulfil,
    Cancel,
}

impl Described for RedemptionAction {
    fn words(self) -> Msg {
        match self {
            Self::Fulfil => t!("volunteering.action.fulfil"),
            Self::Cancel => t!("volunteering.action.cancel"),
        }
    }
}

/// Activities have no live events; the slot carries the action's name.
pub type Move = Transition<ActivityStatus, ActivityAction, Verbs, &'static str>;
pub type RedemptionMove = Transition<RedemptionStatus, RedemptionAction, Verbs, &'static str>;

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: ActivityAction::Publish,
        what: "publish",
        mutation: "publishVolunteerActivity",
        who: "the organiser",
        from: &[Draft],
        to: Some(Open),
        verb: Verbs::ActivityPublish,
        event: "PUBLISH",
    },
    Move {
        action: ActivityAction::SignUp,
        what: "sign up (a place, or the waiting list when full; the last place makes it FULL)",
        mutation: "signUpForActivity",
        who: "a resident of the community, for themself",
        from: &[Open, Full],
        to: None,
        verb: Verbs::SignUp,
        event: "SIGN_UP",
    },
    Move {
        action: ActivityAction::Withdraw,
        what: "withdraw (the first on the waiting list takes the place)",
        mutation: "withdrawFromActivity",
        who: "the person who signed up",
        from: &[Open, Full],
        to: None,
        verb: Verbs::Withdraw,
        event: "WITHDRAW",
    },
    Move {
        action: ActivityAction::Start,
        what: "start",
        mutation: "startVolunteerActivity",
        who: "the organiser",
        from: &[Open, Full],
        to: Some(Ongoing),
        verb: Verbs::ActivityStart,
        event: "START",
    },
    Move {
        action: ActivityAction::CheckIn,
        what: "check a volunteer in",
        mutation: "checkInVolunteer",
        who: "the organiser",
        from: &[Ongoing],
        to: None,
        verb: Verbs::CheckIn,
        event: "CHECK_IN",
    },
    Move {
        action: ActivityAction::CheckOut,
        what: "check a volunteer out (records the minutes, awards points)",
        mutation: "checkOutVolunteer",
        who: "the organiser, never for themself",
        from: &[Ongoing, Completed],
        to: None,
        verb: Verbs::CheckOut,
        event: "CHECK_OUT",
    },
    Move {
        action: ActivityAction::Confirm,
        what: "confirm attendance after the fact, with minutes (awards points)",
        mutation: "confirmVolunteerAttendance",
        who: "the organiser, never for themself",
        from: &[Ongoing, Completed],
        to: None,
        verb: Verbs::Confirm,
        event: "CONFIRM",
    },
    Move {
        action: ActivityAction::Complete,
        what: "complete",
        mutation: "completeVolunteerActivity",
        who: "the organiser",
        from: &[Ongoing],
        to: Some(Completed),
        verb: Verbs::ActivityComplete,
        event: "COMPLETE",
    },
    Move {
        action: ActivityAction::Cancel,
        what: "cancel, with a reason",
        mutation: "cancelVolunteerActivity",
        who: "the organiser",
        from: &[Draft, Open, Full, Ongoing],
        to: Some(Cancelled),
        verb: Verbs::ActivityCancel,
        event: "CANCEL",
    },
];

pub static REDEMPTIONS: &[RedemptionMove] = &[
    RedemptionMove {
        action: RedemptionAction::Fulfil,
        what: "hand the item over",
        mutation: "fulfilRedemption",
        who: "the offerer (the committee or the organisation)",
        from: &[Reserved],
        to: Some(Fulfilled),
        verb: Verbs::Fulfil,
        event: "FULFIL",
    },
    RedemptionMove {
        action: RedemptionAction::Cancel,
        what: "cancel (points refunded, stock returned)",
        mutation: "cancelRedemption",
        who: "the person, or the offerer",
        from: &[Reserved],
        to: Some(RCancelled),
        verb: Verbs::CancelRedemption,
        event: "CANCEL",
    },
];

/// `ONGOING`: a status as on the wire.
pub fn status_name(status: ActivityStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// `RESERVED`: a status as on the wire.
pub fn redemption_name(status: RedemptionStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: ActivityAction, current: ActivityStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("volunteering.noun_activity"))
}

/// The move for `action` on a redemption in `current`.
pub fn check_redemption(action: RedemptionAction, current: RedemptionStatus) -> ApiResult<&'static RedemptionMove> {
    crate::lifecycle::check(REDEMPTIONS, action, current, redemption_name, t!("volunteering.noun_redemption"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        crate::lifecycle::assert_in_readme(LIFECYCLE, status_name);
        crate::lifecycle::assert_in_readme(REDEMPTIONS, redemption_name);
    }

    #[test]
    fn moves_check_their_states() {
        assert!(check(ActivityAction::Start, Full).is_ok());
        let err = check(ActivityAction::SignUp, Ongoing).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot sign up for a volunteer activity that is ONGOING"));
        assert!(check_redemption(RedemptionAction::Cancel, Fulfilled).is_err());
    }
}
