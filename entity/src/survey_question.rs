use sea_orm::entity::prelude::*;

use crate::enums::QuestionKind;

/// A question of a survey.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "survey_questions")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub survey_id: i32,
    pub position: i32,
    pub kind: QuestionKind,
    pub text: String,
    pub required: bool,
    /// The choices, a JSON array of strings (empty for ratings and text).
    pub options: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
