//! The survey lifecycle as data; the README's table is checked against it.

use entity::enums::SurveyStatus::{self, *};

use super::Verbs;
use crate::error::ApiResult;
use crate::i18n::Msg;
use crate::lifecycle::{Described, Transition};

/// What can be done to a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyAction {
    Open,
    Answer,
    Close,
}

impl Described for SurveyAction {
    fn words(self) -> Msg {
        match self {
            Self::Open => t!("consultations.action.open"),
            Self::Answer => t!("consultations.action.answer"),
            Self::Close => t!("consultations.action.close"),
        }
    }
}

pub type Move = Transition<SurveyStatus, SurveyAction, Verbs, &'static str>;

pub static LIFECYCLE: &[Move] = &[
    Move {
        action: SurveyAction::Open,
        what: "open",
        mutation: "openSurvey",
        who: "its author's side (the committee, the office or the party organisation)",
        from: &[Draft],
        to: Some(Open),
        verb: Verbs::Open,
        event: "OPEN",
    },
    Move {
        action: SurveyAction::Close,
        what: "close",
        mutation: "closeSurvey",
        who: "its author's side",
        from: &[Open],
        to: Some(Closed),
        verb: Verbs::Close,
        event: "CLOSE",
    },
];

/// `OPEN`: a status as on the wire.
pub fn status_name(status: SurveyStatus) -> String {
    crate::lifecycle::wire_name(status)
}

pub fn check(action: SurveyAction, current: SurveyStatus) -> ApiResult<&'static Move> {
    crate::lifecycle::check(LIFECYCLE, action, current, status_name, t!("consultations.noun_survey"))
}

/// Answering is not a move of the table: it keeps the state and, like a
/// ballot, leaves no audit row. Only an OPEN survey takes answers.
pub fn check_answer(current: SurveyStatus) -> ApiResult<()> {
    if current == Open {
        return Ok(());
    }
    let message = t!(
        "lifecycle.cannot",
        action = SurveyAction::Answer.words(),
        noun = t!("consultations.noun_survey"),
        state = status_name(current)
    );
    Err(crate::error::ApiError::bad_input("status", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_is_in_the_readme() {
        crate::lifecycle::assert_in_readme(LIFECYCLE, status_name);
    }

    #[test]
    fn answers_only_while_open() {
        assert!(check_answer(Open).is_ok());
        let err = check_answer(Closed).err().map(|e| e.public_message());
        assert_eq!(err.as_deref(), Some("cannot answer a survey that is CLOSED"));
    }
}
