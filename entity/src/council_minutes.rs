use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A revision of a council meeting's minutes: never overwritten.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "council_minutes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub revision: i32,
    pub text: String,
    pub account_id: Option<i32>,
    /// What changed, for a revision after the first.
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
