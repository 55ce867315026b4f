use sea_orm::entity::prelude::*;

use crate::enums::PointsKind;

/// One change of a person's points, with the balance after it (append-only).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "points_ledger")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub community_id: i32,
    pub kind: PointsKind,
    pub delta: i64,
    pub balance_after: i64,
    /// What it is for (`signup:12`, `redemption:3`, ...), unique.
    pub source: String,
    pub awarded_by_account_id: Option<i32>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
