use sea_orm::entity::prelude::*;

/// A one-time code from a committee that lets a person join directly.
/// The code is `selector-verifier`; only the verifier's hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub building_id: i32,
    pub household_id: Option<i32>,
    #[sea_orm(unique)]
    pub selector: String,
    pub verifier_hash: String,
    pub created_by_account_id: i32,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub used_by_account_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
