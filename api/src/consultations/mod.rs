//! Listening before deciding: consultations and surveys (意见征集、满意度测评).
//!
//! The committee (for its community) or an office (for a region under it)
//! writes a survey: single and multiple choice, 1–5 ratings and short text,
//! each optional or required; or takes the standard community satisfaction
//! survey ([`service::SATISFACTION`]). It opens and closes it; each eligible
//! resident (a resident or building head of a community under the survey's
//! region) answers once and may change the answer until it closes.
//!
//! Answers are anonymous to everyone: who answered is kept apart from what
//! was answered (`survey_participants` against `survey_responses`), joined
//! only by a keyed hash the server recomputes from the person and the
//! survey; no field of the API leads from an answer to a person. Results
//! are aggregates, free text without names in no particular order, and
//! nothing at all under k respondents (`GONGZHI_INDICATOR_K`, as the
//! indicators). Lifecycle (table in [`lifecycle`]): DRAFT, OPEN, CLOSED.

pub mod graphql;
pub mod lifecycle;
pub mod policy;
pub mod results;
pub mod service;

use entity::{survey, survey_question};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What survey mutations do, as recorded in the audit log.
    pub enum Verbs {
        Create = "survey.create",
        Open = "survey.open",
        Close = "survey.close",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_id::<survey::Entity>(policy::visible_surveys);
    l.by_column::<survey_question::Entity, Main>(survey_question::Column::SurveyId);
    // The buildings a survey is for: read with the survey, whose own
    // visibility was checked.
    l.by_column::<entity::survey_building::Entity, Main>(entity::survey_building::Column::SurveyId);
    // The responses, for results only: `Survey.results` asks for them after
    // deciding that the viewer sees the results (no type exposes a row).
    l.by_column::<entity::survey_response::Entity, Main>(entity::survey_response::Column::SurveyId);
    l.add(graphql::ViewerAnsweredLoader { db: l.db.clone(), account_id: l.viewer });
}
