use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A party to a dispute (矛盾纠纷) besides the reporter: a resident, a
/// household or an organisation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dispute_parties")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub report_id: i32,
    pub account_id: Option<i32>,
    pub household_id: Option<i32>,
    pub organisation_id: Option<i32>,
    /// Who they are in the dispute ("upstairs neighbour").
    pub description: Option<String>,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
