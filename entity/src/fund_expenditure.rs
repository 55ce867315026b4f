use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// An expenditure recorded against an allocation; counts as spent once approved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_expenditures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub allocation_id: i32,
    pub fund_id: i32,
    pub project_id: i32,
    pub community_id: i32,
    pub amount_fen: i64,
    pub spent_on: Date,
    pub payee_name: String,
    pub payee_type: PayeeType,
    pub description: String,
    pub receipt_ref: Option<String>,
    pub status: ExpenditureStatus,
    pub decision_reason: Option<String>,
    pub recorded_by_account_id: i32,
    pub recorded_by_organisation_id: i32,
    pub decided_by_account_id: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
