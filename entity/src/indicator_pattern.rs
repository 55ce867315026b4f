use sea_orm::entity::prelude::*;

/// The suppression pattern of one published table: a top-level region's
/// figures of one indicator in one closed month, at one revision. Rows are
/// only ever inserted; a later revision hides at least what an earlier
/// one hid.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_patterns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub root_region_id: i32,
    /// `YYYY-MM`.
    pub month: String,
    /// The indicator's wire name.
    pub indicator: String,
    pub revision: i32,
    /// The k it was computed with.
    pub k: i32,
    /// The hidden regions' ids: a JSON array, ascending.
    pub hidden: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
