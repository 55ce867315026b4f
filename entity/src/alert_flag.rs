use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A household flagged to its building head for having not answered in time (once per alert).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_flags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub account_id: i32,
    pub building_id: Option<i32>,
    pub flagged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
