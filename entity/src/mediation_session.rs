use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A mediation session of a dispute: when, notes, who recorded it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "mediation_sessions")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub report_id: i32,
    pub held_at: DateTimeUtc,
    pub notes: String,
    pub recorded_by_account_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
