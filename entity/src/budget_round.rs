use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A participatory budget round: residents of one community decide which projects an amount of a fund pays for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fund_id: i32,
    pub community_id: i32,
    pub title: String,
    pub amount_fen: i64,
    pub status: RoundStatus,
    pub voting_opened_at: Option<DateTimeUtc>,
    pub voting_closes_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// Ballots counted at close.
    pub ballots_cast: Option<i32>,
    /// Amount the funded projects take (at close).
    pub funded_fen: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
