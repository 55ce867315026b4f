use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A target of a notice: a region (all residents under it) or a building.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub region_id: Option<i32>,
    pub building_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
