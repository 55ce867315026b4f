use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// An amount of a fund allocated to a project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_allocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fund_id: i32,
    pub project_id: i32,
    /// The project's community (for visibility filters).
    pub community_id: i32,
    pub amount_fen: i64,
    pub pending_fen: i64,
    pub spent_fen: i64,
    /// The participatory budget round that decided it, if one did.
    pub round_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
