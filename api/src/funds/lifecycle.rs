//! The lifecycles of funds, expenditures and budget rounds as data. Who may
//! make each move is decided in [`super::policy`]; the README's tables are
//! generated from these rows (see the test below).

use entity::enums::ExpenditureStatus::{self, Pending, Rejected};
use entity::enums::FundStatus::{self, Closed, Frozen, Open};
use entity::enums::RoundStatus::{self, Cancelled, Preparing, Voting};

use super::Verbs;
use crate::error::ApiResult;
use crate::lifecycle::Transition;

/// A move of a fund, an expenditure or a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Freeze,
    Unfreeze,
    CloseFund,
    Approve,
    Reject,
    StartVoting,
    CloseRound,
    CancelRound,
}

impl crate::lifecycle::Described for Action {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Freeze => t!("funds.action.freeze"),
            Unfreeze => t!("funds.action.unfreeze"),
            CloseFund => t!("funds.action.close"),
            Approve => t!("funds.action.approve"),
            Reject => t!("funds.action.reject"),
            StartVoting => t!("funds.action.start_voting"),
            CloseRound => t!("funds.action.close_round"),
            CancelRound => t!("funds.action.cancel_round"),
        }
    }
}

use Action::*;

pub static FUND: &[Transition<FundStatus, Action, Verbs, ()>] = &[
    Transition {
        action: Freeze,
        what: "freeze",
        mutation: "freezeFund",
        who: "the owning office",
        from: &[Open],
        to: Some(Frozen),
        verb: Verbs::FundFreeze,
        event: (),
    },
    Transition {
        action: Unfreeze,
        what: "unfreeze",
        mutation: "unfreezeFund",
        who: "the owning office",
        from: &[Frozen],
        to: Some(Open),
        verb: Verbs::FundUnfreeze,
        event: (),
    },
    Transition {
        action: CloseFund,
        what: "close",
        mutation: "closeFund",
        who: "the owning office (no expenditure pending, no round open)",
        from: &[Open, Frozen],
        to: Some(Closed),
        verb: Verbs::FundClose,
        event: (),
    },
];

pub static EXPENDITURE: &[Transition<ExpenditureStatus, Action, Verbs, ()>] = &[
    Transition {
        action: Approve,
        what: "approve",
        mutation: "approveExpenditure",
        who: "the owning office, not the recorder (fund OPEN)",
        from: &[Pending],
        to: Some(ExpenditureStatus::Approved),
        verb: Verbs::ExpenditureApprove,
        event: (),
    },
    Transition {
        action: Reject,
        what: "reject",
        mutation: "rejectExpenditure",
        who: "the owning office, with a reason",
        from: &[Pending],
        to: Some(Rejected),
        verb: Verbs::ExpenditureReject,
        event: (),
    },
];

pub static ROUND: &[Transition<RoundStatus, Action, Verbs, ()>] = &[
    Transition {
        action: StartVoting,
        what: "start voting in",
        mutation: "startBudgetRoundVoting",
        who: "the committee",
        from: &[Preparing],
        to: Some(Voting),
        verb: Verbs::RoundStartVoting,
        event: (),
    },
    Transition {
        action: CloseRound,
        what: "close",
        mutation: "closeBudgetRound",
        who: "the committee or the owning office",
        from: &[Voting],
        to: Some(RoundStatus::Closed),
        verb: Verbs::RoundClose,
        event: (),
    },
    Transition {
        action: CancelRound,
        what: "cancel",
        mutation: "cancelBudgetRound",
        who: "the owning office",
        from: &[Preparing, Voting],
        to: Some(Cancelled),
        verb: Verbs::RoundCancel,
        event: (),
    },
];

/// A state as on the wire (`FROZEN`).
pub fn name<S: serde::Serialize>(s: S) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub fn check_fund(
    action: Action,
    current: FundStatus,
) -> ApiResult<&'static Transition<FundStatus, Action, Verbs, ()>> {
    crate::lifecycle::check(FUND, action, current, name, t!("funds.noun_fund"))
}

pub fn check_expenditure(
    action: Action,
    current: ExpenditureStatus,
) -> ApiResult<&'static Transition<ExpenditureStatus, Action, Verbs, ()>> {
    crate::lifecycle::check(EXPENDITURE, action, current, name, t!("funds.noun_expenditure"))
}

pub fn check_round(
    action: Action,
    current: RoundStatus,
) -> ApiResult<&'static Transition<RoundStatus, Action, Verbs, ()>> {
    crate::lifecycle::check(ROUND, action, current, name, t!("funds.noun_round"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        let readme = include_str!("../../../README.md");
        let rows = crate::lifecycle::markdown_rows(FUND, name)
            .into_iter()
            .chain(crate::lifecycle::markdown_rows(EXPENDITURE, name))
            .chain(crate::lifecycle::markdown_rows(ROUND, name));
        for row in rows {
            assert!(readme.contains(&row), "README.md lacks the lifecycle row\n{row}");
        }
    }

    #[test]
    fn moves_check_their_states() {
        assert!(check_fund(Freeze, Open).is_ok());
        assert_eq!(
            check_fund(Freeze, Closed).err().map(|e| e.public_message()).as_deref(),
            Some("cannot freeze a fund that is CLOSED")
        );
        assert!(check_expenditure(Approve, Pending).is_ok() && check_expenditure(Approve, Rejected).is_err());
        assert!(check_round(CancelRound, Voting).is_ok() && check_round(CancelRound, RoundStatus::Closed).is_err());
    }
}
