use sea_orm::entity::prelude::*;

use crate::enums::{ServiceCategory, ServiceStatus};

/// A service a social organisation offers (HSDS `service`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub name: String,
    pub description: String,
    pub category: ServiceCategory,
    pub eligibility_description: Option<String>,
    /// Opening hours in words (HSDS `schedule.description`).
    pub schedule: Option<String>,
    /// `None`: free.
    pub fee_fen: Option<i64>,
    pub contact: Option<String>,
    pub status: ServiceStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
