use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A project on a round's ballot with its budget; votes, rank and whether it was funded are set at close.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_round_projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub round_id: i32,
    pub project_id: i32,
    pub budget_fen: i64,
    pub votes: Option<i32>,
    pub rank: Option<i32>,
    pub funded: Option<bool>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
