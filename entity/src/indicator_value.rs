use sea_orm::entity::prelude::*;

/// One stored figure: a region's indicator for a closed month, at one
/// revision. Rows are only ever inserted.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub region_id: i32,
    /// `YYYY-MM`.
    pub month: String,
    /// The indicator's wire name (`SATISFACTION_RATE`, ...).
    pub indicator: String,
    pub revision: i32,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// How many records the figure rests on (compared with k).
    pub count: i64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
