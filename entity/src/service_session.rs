use sea_orm::entity::prelude::*;

/// A dated session of a service in one community, with seats.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub community_id: i32,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    /// Seats taken by scheduled requests (never above `capacity`).
    pub booked: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
