//! The project lifecycle as data: every move, from which states, to which
//! state, with its audit verb and live event. Who may make it is decided by
//! [`super::policy::authorize_project`]; the README's table is generated
//! from these rows (see the test below).

use entity::enums::ProjectStatus::{self, *};

use super::policy::ProjectAction::{self, *};
use super::{ProjectEventKind as Ev, Verbs};
use crate::lifecycle::Transition;

pub type Move = Transition<ProjectStatus, ProjectAction, Verbs, Ev>;

/// States from which a project may still be cancelled.
pub const OPEN_STATES: [ProjectStatus; 6] = [Draft, Proposed, Deliberating, Voting, Approved, InProgress];

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: Edit,
        what: "edit",
        mutation: "editProject",
        who: "the proposer",
        from: &[Draft, Proposed],
        to: None,
        verb: Verbs::ProjectEdit,
        event: Ev::Edit,
    },
    Move {
        action: Submit,
        what: "submit",
        mutation: "submitProject",
        who: "the proposer",
        from: &[Draft],
        to: Some(Proposed),
        verb: Verbs::ProjectSubmit,
        event: Ev::Transition,
    },
    Move {
        action: StartDeliberation,
        what: "start deliberation on",
        mutation: "startDeliberation",
        who: "the committee",
        from: &[Proposed],
        to: Some(Deliberating),
        verb: Verbs::ProjectStartDeliberation,
        event: Ev::Transition,
    },
    Move {
        action: OpenVoting,
        what: "open voting on",
        mutation: "openVoting",
        who: "the committee",
        from: &[Deliberating],
        to: Some(Voting),
        verb: Verbs::ProjectOpenVoting,
        event: Ev::Transition,
    },
    Move {
        action: CloseVoting,
        what: "close voting on",
        mutation: "closeVoting",
        who: "the committee (freezes the tally, sets the outcome)",
        from: &[Voting],
        to: None,
        verb: Verbs::ProjectCloseVoting,
        event: Ev::Tally,
    },
    Move {
        action: Endorse,
        what: "endorse",
        mutation: "endorseProject",
        who: "the party organisation of the community, once, before the office approves (required where the community says so)",
        from: &[Deliberating, Voting],
        to: None,
        verb: Verbs::ProjectEndorse,
        event: Ev::Endorsement,
    },
    Move {
        action: Approve,
        what: "approve",
        mutation: "approveProject",
        who: "the office of the region, after a PASSED vote closed",
        from: &[Voting],
        to: Some(Approved),
        verb: Verbs::ProjectApprove,
        event: Ev::Transition,
    },
    Move {
        action: ApproveByRound,
        what: "approve as a budget round's decision",
        mutation: "closeBudgetRound",
        who: "the round's closer (its committee or owning office): each funded project",
        from: &[Proposed, Deliberating],
        to: Some(Approved),
        verb: Verbs::ProjectApprove,
        event: Ev::Transition,
    },
    Move {
        action: Reject,
        what: "reject",
        mutation: "rejectProject",
        who: "the office of the region, after the vote closed",
        from: &[Voting],
        to: Some(Rejected),
        verb: Verbs::ProjectReject,
        event: Ev::Transition,
    },
    Move {
        action: Cancel,
        what: "cancel",
        mutation: "cancelProject",
        who: "the office (any open state); the proposer (DRAFT, PROPOSED)",
        from: &OPEN_STATES,
        to: Some(Cancelled),
        verb: Verbs::ProjectCancel,
        event: Ev::Transition,
    },
    Move {
        action: Start,
        what: "start",
        mutation: "startProject",
        who: "the lead organisation or the office",
        from: &[Approved],
        to: Some(InProgress),
        verb: Verbs::ProjectStart,
        event: Ev::Transition,
    },
    Move {
        action: Complete,
        what: "complete",
        mutation: "completeProject",
        who: "the lead organisation (with open tasks: only with a reason)",
        from: &[InProgress],
        to: Some(Completed),
        verb: Verbs::ProjectComplete,
        event: Ev::Transition,
    },
    Move {
        action: CloseEvaluation,
        what: "close evaluation of",
        mutation: "closeEvaluation",
        who: "the committee",
        from: &[Completed],
        to: Some(Evaluated),
        verb: Verbs::ProjectCloseEvaluation,
        event: Ev::Transition,
    },
];

/// `IN_PROGRESS`: a status as on the wire.
pub fn status_name(status: ProjectStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: ProjectAction, current: ProjectStatus) -> crate::error::ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("projects.noun"))
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
        assert!(check(Submit, Draft).is_ok());
        let err = check(Submit, Proposed).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot submit a project that is PROPOSED"));
        assert!(check(Cancel, InProgress).is_ok() && check(Cancel, Completed).is_err());
        let actions: std::collections::HashSet<_> = LIFECYCLE.iter().map(|m| format!("{:?}", m.action)).collect();
        assert_eq!(actions.len(), LIFECYCLE.len(), "one move per action");
    }
}
