use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A resident's answer to an emergency alert.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "alert_responses")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub account_id: i32,
    pub state: AlertResponseState,
    pub note: Option<String>,
    pub whole_household: bool,
    pub responded_at: DateTimeUtc,
    /// The resident report made from a NEED_HELP answer.
    pub report_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
