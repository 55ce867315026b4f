use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// One change of money, append-only (database triggers refuse UPDATE and DELETE). The deltas apply to the fund and, where `allocation_id` is set, to the allocation (`allocated_delta` is the allocation's amount delta); the `*_after` columns are the balances after the change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_ledger")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fund_id: i32,
    pub allocation_id: Option<i32>,
    pub expenditure_id: Option<i32>,
    pub round_id: Option<i32>,
    pub project_id: Option<i32>,
    pub community_id: Option<i32>,
    pub kind: LedgerKind,
    /// The amount the entry is about (always positive).
    pub amount_fen: i64,
    pub allocated_delta: i64,
    pub reserved_delta: i64,
    pub pending_delta: i64,
    pub spent_delta: i64,
    pub fund_allocated_after: i64,
    pub fund_reserved_after: i64,
    pub fund_pending_after: i64,
    pub fund_spent_after: i64,
    pub allocation_amount_after: Option<i64>,
    pub allocation_pending_after: Option<i64>,
    pub allocation_spent_after: Option<i64>,
    pub account_id: Option<i32>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
