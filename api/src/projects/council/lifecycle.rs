//! A council meeting's lifecycle as data: scheduled, then held (its
//! attendance and minutes recorded) or cancelled. The README's table is
//! checked against these rows.

use entity::enums::MeetingEventKind as Ev;
use entity::enums::MeetingStatus::{self, *};

use crate::error::ApiResult;
use crate::lifecycle::Transition;
use crate::projects::Verbs;

/// What may be done to a council meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouncilAction {
    Reschedule,
    Cancel,
    Record,
    Decide,
}

impl crate::lifecycle::Described for CouncilAction {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Self::Reschedule => t!("council.action.reschedule"),
            Self::Cancel => t!("council.action.cancel"),
            Self::Record => t!("council.action.record"),
            Self::Decide => t!("council.action.decide"),
        }
    }
}

pub type Move = Transition<MeetingStatus, CouncilAction, Verbs, Ev>;

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: CouncilAction::Reschedule,
        what: "reschedule",
        mutation: "rescheduleCouncilMeeting",
        who: "the committee, to a time not in the past",
        from: &[Scheduled],
        to: Some(Scheduled),
        verb: Verbs::CouncilReschedule,
        event: Ev::Rescheduled,
    },
    Move {
        action: CouncilAction::Cancel,
        what: "cancel",
        mutation: "cancelCouncilMeeting",
        who: "the committee, with a reason",
        from: &[Scheduled],
        to: Some(Cancelled),
        verb: Verbs::CouncilCancel,
        event: Ev::Cancelled,
    },
    Move {
        action: CouncilAction::Record,
        what: "record attendance and minutes of",
        mutation: "recordCouncilMeeting",
        who: "the committee, once the meeting's time has come; again only as a revision with what changed",
        from: &[Scheduled, Held],
        to: Some(Held),
        verb: Verbs::CouncilRecordMeeting,
        event: Ev::Held,
    },
    Move {
        action: CouncilAction::Decide,
        what: "record the decision on an agenda item of",
        mutation: "recordCouncilDecision",
        who: "the committee, for a meeting held",
        from: &[Held],
        to: None,
        verb: Verbs::CouncilDecide,
        event: Ev::Decided,
    },
];

/// `SCHEDULED`: a status as on the wire.
pub fn status_name(status: MeetingStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: CouncilAction, current: MeetingStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("council.noun"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        crate::lifecycle::assert_in_readme(LIFECYCLE, status_name);
    }

    #[test]
    fn a_cancelled_meeting_stays_cancelled() {
        for a in [CouncilAction::Reschedule, CouncilAction::Cancel, CouncilAction::Record, CouncilAction::Decide] {
            assert!(check(a, Cancelled).is_err(), "{a:?}");
        }
        assert!(check(CouncilAction::Decide, Scheduled).is_err() && check(CouncilAction::Record, Held).is_ok());
    }
}
