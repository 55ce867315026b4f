use sea_orm::entity::prelude::*;

use crate::enums::Role;

/// Append-only record of every successful mutation. Its increasing `id` also
/// orders the change feed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub account_id: Option<i32>,
    pub api_client_id: Option<i32>,
    pub membership_id: Option<i32>,
    pub role: Option<Role>,
    /// Dotted verb, e.g. `account.create`.
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i32>,
    /// The community the object belongs to, when it belongs to one.
    pub community_id: Option<i32>,
    /// JSON with action-specific, non-personal details.
    pub details: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
