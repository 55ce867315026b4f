use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A building head's door-to-door visit to a household during an alert.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "alert_visits")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub account_id: i32,
    pub visited_by_account_id: i32,
    pub note: Option<String>,
    pub visited_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
