use sea_orm::entity::prelude::*;

use crate::enums::RegionKind;

/// A node of the administrative tree: district → street → community.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub parent_id: Option<i32>,
    pub kind: RegionKind,
    pub name: String,
    #[sea_orm(unique)]
    pub code: String,
    /// Materialised path of ids, e.g. `/1/4/9/`: "inside region R" is a
    /// prefix match, the same on SQLite and PostgreSQL.
    pub path: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
