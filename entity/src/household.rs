use sea_orm::entity::prelude::*;

/// A flat (单元/户) of a building and the household living in it: its
/// residents are the memberships pointing at it; one of them the contact.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "households")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The building's community.
    pub community_id: i32,
    pub building_id: i32,
    /// The unit (单元), e.g. "1".
    pub unit: String,
    /// The flat number, e.g. "101".
    pub number: String,
    pub contact_account_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
