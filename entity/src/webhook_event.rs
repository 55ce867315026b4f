use sea_orm::entity::prelude::*;

/// One event of the transactional outbox, written in the transaction of
/// the change it announces.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The `webhook-id` header (`msg_...`).
    pub message_id: String,
    pub event_type: String,
    pub object_type: String,
    pub object_id: i32,
    pub community_id: Option<i32>,
    pub organisation_id: Option<i32>,
    /// The body sent to every endpoint, byte for byte.
    pub payload: String,
    /// Deliveries have been made for every endpoint that may receive it.
    pub fanned_out: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
