use sea_orm::entity::prelude::*;

use crate::enums::{Role, SurveyStatus};

/// A consultation or survey (意见征集、满意度测评) to a region.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "surveys")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// A community, or a region above it (every community under it).
    pub region_id: i32,
    pub author_account_id: i32,
    pub author_role: Role,
    pub title: String,
    pub description: Option<String>,
    /// `COMMUNITY_SATISFACTION` for the standard satisfaction survey.
    pub template: Option<String>,
    pub status: SurveyStatus,
    /// Residents see the results (live while open).
    pub share_results: bool,
    pub opened_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
