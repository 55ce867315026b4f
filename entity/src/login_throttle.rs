use sea_orm::entity::prelude::*;

/// Failed login attempts (and checks in flight) per username, kept in the database so that the
/// throttle holds across server replicas.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub username: String,
    pub failures: i32,
    pub window_started_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    /// Password verifications in flight for this username.
    pub pending: i32,
    /// When the latest of them started (a process that died mid-check
    /// leaves its count behind; it is ignored after a while).
    pub pending_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
