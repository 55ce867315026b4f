use sea_orm::entity::prelude::*;

use crate::enums::RedemptionStatus;

/// A person's redemption of a store item: stock and points reserved together.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "points_redemptions")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub item_id: i32,
    pub account_id: i32,
    pub community_id: i32,
    pub cost: i32,
    pub status: RedemptionStatus,
    pub decided_by_account_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
