use sea_orm::entity::prelude::*;

use crate::enums::ServiceRequestStatus;

/// A resident's request for a service.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "service_requests")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub community_id: i32,
    /// The resident the service is for.
    pub resident_account_id: i32,
    /// Who asked: the resident, their building head or the committee.
    pub requested_by_account_id: i32,
    pub status: ServiceRequestStatus,
    pub session_id: Option<i32>,
    pub note: Option<String>,
    pub decline_reason: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
