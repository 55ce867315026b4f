use sea_orm::entity::prelude::*;

/// A routine door-to-door visit (入户走访) to a household, outside alerts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "household_visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub household_id: i32,
    pub visitor_account_id: i32,
    pub visited_on: Date,
    pub note: String,
    pub follow_up_needed: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
