use sea_orm::entity::prelude::*;

/// An item of a community's points store (积分超市).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "points_items")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub offered_by_account_id: i32,
    /// The partner organisation offering it; `None`: the committee.
    pub organisation_id: Option<i32>,
    pub title: String,
    pub description: Option<String>,
    pub cost: i32,
    pub stock: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
