use sea_orm::entity::prelude::*;

use crate::enums::WebhookDeliveryState;

/// One event to one endpoint, until it is delivered or given up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub endpoint_id: i32,
    pub event_id: i32,
    /// `Type:id` of the object (deliveries of one key go in event order).
    pub object_key: String,
    pub state: WebhookDeliveryState,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Claimed by a worker until then.
    pub leased_until: Option<DateTimeUtc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
