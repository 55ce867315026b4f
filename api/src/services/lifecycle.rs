//! The service request lifecycle as data. Who may make each move is decided
//! in [`super::policy::authorize`]; the README's table is checked against
//! these rows (test below).

use entity::enums::ServiceRequestStatus::{self, *};

use super::Verbs;
use super::policy::RequestAction::{self, *};
use crate::error::ApiResult;
use crate::lifecycle::Transition;

/// The timeline records the action name; there are no live events yet, so
/// the event slot carries the same wire name.
pub type Move = Transition<ServiceRequestStatus, RequestAction, Verbs, &'static str>;

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: Accept,
        what: "accept",
        mutation: "acceptServiceRequest",
        who: "the organisation of the service",
        from: &[Requested],
        to: Some(Accepted),
        verb: Verbs::RequestAccept,
        event: "ACCEPT",
    },
    Move {
        action: Schedule,
        what: "schedule",
        mutation: "scheduleServiceRequest",
        who: "the organisation, into a session with a free seat",
        from: &[Requested, Accepted],
        to: Some(Scheduled),
        verb: Verbs::RequestSchedule,
        event: "SCHEDULE",
    },
    Move {
        action: Decline,
        what: "decline",
        mutation: "declineServiceRequest",
        who: "the organisation, with a reason (a seat taken is given back)",
        from: &[Requested, Accepted, Scheduled],
        to: Some(Declined),
        verb: Verbs::RequestDecline,
        event: "DECLINE",
    },
    Move {
        action: Complete,
        what: "complete",
        mutation: "completeServiceRequest",
        who: "the organisation (records the delivery)",
        from: &[Accepted, Scheduled],
        to: Some(Completed),
        verb: Verbs::RequestComplete,
        event: "COMPLETE",
    },
    Move {
        action: Cancel,
        what: "cancel",
        mutation: "cancelServiceRequest",
        who: "the resident, or who asked for them",
        from: &[Requested, Accepted],
        to: Some(Cancelled),
        verb: Verbs::RequestCancel,
        event: "CANCEL",
    },
    Move {
        action: Rate,
        what: "rate",
        mutation: "rateServiceRequest",
        who: "the resident, once",
        from: &[Completed],
        to: None,
        verb: Verbs::RequestRate,
        event: "RATE",
    },
];

/// `SCHEDULED`: a status as on the wire.
pub fn status_name(status: ServiceRequestStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: RequestAction, current: ServiceRequestStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("services.noun_request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        crate::lifecycle::assert_in_readme(LIFECYCLE, status_name);
    }

    #[test]
    fn moves_check_their_states() {
        assert!(check(Schedule, Accepted).is_ok());
        let err = check(Cancel, Scheduled).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot cancel a service request that is SCHEDULED"));
        assert!(check(Rate, Completed).is_ok() && check(Rate, Scheduled).is_err());
    }
}
