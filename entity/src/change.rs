use sea_orm::entity::prelude::*;

use crate::enums::ChangeKind;

/// One entry of the change feed, numbered in commit order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: ChangeKind,
    /// GraphQL type name of the object.
    pub object_type: String,
    pub object_id: i32,
    /// The organisation the object belongs to, if any (scopes the feed).
    pub organisation_id: Option<i32>,
    /// The community the object belongs to, if any (scopes the feed).
    pub community_id: Option<i32>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
