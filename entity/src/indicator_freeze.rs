use sea_orm::entity::prelude::*;

/// A closed month whose figures are stored for a top-level region's tree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_freezes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub root_region_id: i32,
    /// `YYYY-MM` in `time_zone`.
    pub month: String,
    pub time_zone: String,
    pub frozen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
