//! The join request lifecycle as data. Who may make each move is decided
//! in the service with [`super::policy::decides_for`]; the README's table
//! is checked against these rows (test below).

use entity::enums::JoinRequestStatus::{self, *};

use super::Verbs;
use crate::error::ApiResult;
use crate::lifecycle::Transition;

/// What may be done to a join request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinAction {
    Approve,
    Reject,
    Withdraw,
}

impl crate::lifecycle::Described for JoinAction {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Self::Approve => t!("residency.action.approve"),
            Self::Reject => t!("residency.action.reject"),
            Self::Withdraw => t!("residency.action.withdraw"),
        }
    }
}

/// No live events for join requests: the event slot carries the wire name.
pub type Move = Transition<JoinRequestStatus, JoinAction, Verbs, &'static str>;

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: JoinAction::Approve,
        what: "approve",
        mutation: "approveJoinRequest",
        who: "the committee of the community or the building head of the building (makes the RESIDENT membership)",
        from: &[Pending],
        to: Some(Approved),
        verb: Verbs::JoinRequestApprove,
        event: "APPROVE",
    },
    Move {
        action: JoinAction::Reject,
        what: "reject",
        mutation: "rejectJoinRequest",
        who: "the committee or the building head, with a reason the person sees",
        from: &[Pending],
        to: Some(Rejected),
        verb: Verbs::JoinRequestReject,
        event: "REJECT",
    },
    Move {
        action: JoinAction::Withdraw,
        what: "withdraw",
        mutation: "withdrawJoinRequest",
        who: "the person who asked",
        from: &[Pending],
        to: Some(Withdrawn),
        verb: Verbs::JoinRequestWithdraw,
        event: "WITHDRAW",
    },
];

/// `PENDING`: a status as on the wire.
pub fn status_name(status: JoinRequestStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: JoinAction, current: JoinRequestStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("residency.noun_request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        crate::lifecycle::assert_in_readme(LIFECYCLE, status_name);
    }

    #[test]
    fn a_decided_request_stays_decided() {
        assert!(check(JoinAction::Approve, Pending).is_ok());
        let err = check(JoinAction::Reject, Approved).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot reject a join request that is APPROVED"));
    }
}
