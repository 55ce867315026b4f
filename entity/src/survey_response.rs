use sea_orm::entity::prelude::*;

/// One person's answers, naming no one: `respondent_key` is a keyed hash of
/// (survey, person) only the server can recompute.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "survey_responses")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub survey_id: i32,
    pub community_id: i32,
    pub respondent_key: String,
    /// JSON: `{"<question id>": value}` (an option index, a list of them, 1–5, or text).
    pub answers: String,
    /// A satisfaction survey's overall rating (its first question), 1–5.
    pub satisfaction: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
