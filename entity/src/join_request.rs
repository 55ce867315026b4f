use sea_orm::entity::prelude::*;

use crate::enums::JoinRequestStatus;

/// A person's request to live in a community as a resident, decided by its
/// committee or the building head.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "join_requests")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub community_id: i32,
    pub building_id: i32,
    pub household_id: Option<i32>,
    /// The flat as the person named it.
    pub unit: Option<String>,
    pub number: Option<String>,
    pub status: JoinRequestStatus,
    /// The person's note to whoever decides.
    pub note: Option<String>,
    /// Why it was rejected (shown to the person).
    pub reason: Option<String>,
    pub decided_by_account_id: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
