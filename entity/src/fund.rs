use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A special community-governance fund (社区治理专项资金) owned by a government office. The balances are kept in step with the ledger (`fund_ledger`), in the same transaction as each ledger row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The owning government office.
    pub organisation_id: i32,
    /// The office's region or a region under it.
    pub region_id: i32,
    pub fiscal_year: i32,
    pub name: String,
    pub purpose: String,
    pub total_fen: i64,
    pub status: FundStatus,
    /// Sum of the allocations' amounts.
    pub allocated_fen: i64,
    /// Held for participatory budget rounds not yet closed.
    pub reserved_fen: i64,
    /// Expenditures recorded and not yet decided.
    pub pending_fen: i64,
    /// Approved expenditures.
    pub spent_fen: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
