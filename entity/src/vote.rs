use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A ballot. Secret: no API path leads from a ballot to its voter except the voter themself.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "votes")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub account_id: i32,
    pub choice: VoteChoice,
    pub cast_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
