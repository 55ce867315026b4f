use sea_orm::entity::prelude::*;

/// One try at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub delivery_id: i32,
    pub endpoint_id: i32,
    pub at: DateTimeUtc,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// `timeout`, `connect`, `blocked_address`, `status`, ... (null: 2xx).
    pub error_class: Option<String>,
    /// `DELIVERED`, `RETRY`, `GONE`, `FAILED`.
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
