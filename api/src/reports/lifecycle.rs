//! The report lifecycle as data. Who may make each move is decided in
//! [`super::policy::authorize`]; the README's table is generated from these
//! rows (see the test below).

use entity::enums::ReportEventKind as Ev;
use entity::enums::ReportStatus::{self, *};

use super::Verbs;
use super::policy::ReportAction::{self, *};
use crate::error::ApiResult;
use crate::lifecycle::Transition;

pub type Move = Transition<ReportStatus, ReportAction, Verbs, Ev>;

/// States in which the work is not finished (a report can be overdue).
pub const OPEN_STATES: [ReportStatus; 5] = [Submitted, Accepted, Assigned, InProgress, Reopened];

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: Accept,
        what: "accept",
        mutation: "acceptReport",
        who: "the committee, the office, the building head of its building",
        from: &[Submitted],
        to: Some(Accepted),
        verb: Verbs::ReportAccept,
        event: Ev::Accepted,
    },
    Move {
        action: Reject,
        what: "reject",
        mutation: "rejectReport",
        who: "the committee or the office, with a reason",
        from: &[Submitted, Accepted],
        to: Some(Rejected),
        verb: Verbs::ReportReject,
        event: Ev::Rejected,
    },
    Move {
        action: Assign,
        what: "assign",
        mutation: "assignReport",
        who: "the committee or the office, to an organisation serving the community",
        from: &[Accepted, Assigned, InProgress, Reopened],
        to: Some(Assigned),
        verb: Verbs::ReportAssign,
        event: Ev::Assigned,
    },
    Move {
        action: Start,
        what: "start work on",
        mutation: "startReport",
        who: "the assigned organisation",
        from: &[Assigned, Reopened],
        to: Some(InProgress),
        verb: Verbs::ReportStart,
        event: Ev::Started,
    },
    Move {
        action: Resolve,
        what: "resolve",
        mutation: "resolveReport",
        who: "the assigned organisation, with a note",
        from: &[InProgress],
        to: Some(Resolved),
        verb: Verbs::ReportResolve,
        event: Ev::Resolved,
    },
    Move {
        action: Confirm,
        what: "confirm",
        mutation: "confirmReport",
        who: "the reporter (or the server after the confirmation period); a mediated dispute once agreed",
        from: &[Resolved, Mediated],
        to: Some(Closed),
        verb: Verbs::ReportConfirm,
        event: Ev::Closed,
    },
    Move {
        action: Reopen,
        what: "reopen",
        mutation: "reopenReport",
        who: "the reporter, within the confirmation period",
        from: &[Resolved],
        to: Some(Reopened),
        verb: Verbs::ReportReopen,
        event: Ev::Reopened,
    },
    Move {
        action: Mediate,
        what: "mark as mediated",
        mutation: "mediateReport",
        who: "the committee, for a DISPUTE, with the outcome (agreement, partial, failed or referred)",
        from: &[Accepted, Assigned, InProgress, Reopened],
        to: Some(Mediated),
        verb: Verbs::ReportMediate,
        event: Ev::Mediated,
    },
    Move {
        action: Note,
        what: "add a note to",
        mutation: "addReportNote",
        who: "the committee, the office, the building head, the assigned organisation",
        from: &[Submitted, Accepted, Assigned, InProgress, Resolved, Reopened],
        to: None,
        verb: Verbs::ReportNote,
        event: Ev::Note,
    },
    Move {
        action: Escalate,
        what: "escalate",
        mutation: "escalateReport",
        who: "the building head (to the committee), the committee (to the office; the server: once, when overdue)",
        from: &[Submitted, Accepted, Assigned, InProgress, Reopened],
        to: None,
        verb: Verbs::ReportEscalate,
        event: Ev::Escalated,
    },
    Move {
        action: Rate,
        what: "rate",
        mutation: "rateReport",
        who: "the reporter, once (a mediated dispute once agreed)",
        from: &[Resolved, Closed, Mediated],
        to: None,
        verb: Verbs::ReportRate,
        event: Ev::Rated,
    },
    Move {
        action: Return,
        what: "hand back",
        mutation: "returnReport",
        who: "the assigned organisation, to the committee, with a reason",
        from: &[Assigned, InProgress, Reopened],
        to: Some(Accepted),
        verb: Verbs::ReportReturn,
        event: Ev::Returned,
    },
    Move {
        action: Expect,
        what: "set the expected completion of",
        mutation: "setExpectedCompletion",
        who: "the assigned organisation",
        from: &[Assigned, InProgress, Reopened],
        to: None,
        verb: Verbs::ReportExpect,
        event: Ev::ExpectedCompletionSet,
    },
    Move {
        action: RecordMediation,
        what: "record a mediation session of",
        mutation: "recordMediationSession",
        who: "the committee, for a DISPUTE (parties and mediator: `addDisputeParty`, `setDisputeMediator`)",
        from: &[Accepted, Assigned, InProgress, Reopened],
        to: None,
        verb: Verbs::ReportRecordSession,
        event: Ev::MediationSession,
    },
];

/// `IN_PROGRESS`: a status as on the wire.
pub fn status_name(status: ReportStatus) -> String {
    crate::lifecycle::wire_name(status)
}

/// The move for `action` from `current`, or BAD_USER_INPUT naming the state.
pub fn check(action: ReportAction, current: ReportStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("reports.noun"))
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
        assert!(check(Start, Assigned).is_ok());
        let err = check(Resolve, Assigned).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot resolve a report that is ASSIGNED"));
        assert!(check(Rate, Closed).is_ok() && check(Rate, InProgress).is_err());
        let actions: std::collections::HashSet<_> = LIFECYCLE.iter().map(|m| format!("{:?}", m.action)).collect();
        assert_eq!(actions.len(), LIFECYCLE.len(), "one move per action");
    }
}
