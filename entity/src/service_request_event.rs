use sea_orm::entity::prelude::*;

use crate::enums::{Role, ServiceRequestStatus};

/// One step of a service request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "service_request_events")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub request_id: i32,
    pub from_status: Option<ServiceRequestStatus>,
    pub to_status: ServiceRequestStatus,
    /// The move, as in the lifecycle table (`REQUEST`, `SCHEDULE`, `RATE`, ...).
    pub action: String,
    pub account_id: Option<i32>,
    pub role: Option<Role>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
    /// The organisation the actor acted for.
    pub organisation_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
