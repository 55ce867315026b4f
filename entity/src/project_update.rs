use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A progress update posted by an implementing organisation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_updates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub organisation_id: i32,
    pub author_account_id: i32,
    pub body: String,
    pub percent_complete: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
