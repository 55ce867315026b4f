use sea_orm::entity::prelude::*;

use crate::enums::Role;

/// An account holding one role in one scope.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "memberships")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub role: Role,
    /// The community of community-level roles; the jurisdiction of an office.
    pub region_id: Option<i32>,
    pub building_id: Option<i32>,
    pub organisation_id: Option<i32>,
    /// The household (flat) of a resident or building head, once known.
    pub household_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
