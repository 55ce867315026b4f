use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A report category: a default one (no community) or a community's own, which overrides a default of the same code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_categories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Null for the platform's default categories.
    pub community_id: Option<i32>,
    pub code: String,
    pub name: String,
    /// Reports in this category are accepted and assigned to it automatically.
    pub default_organisation_id: Option<i32>,
    /// Target resolution time (seconds; the API speaks hours).
    pub target_secs: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
