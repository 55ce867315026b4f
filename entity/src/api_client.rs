use sea_orm::entity::prelude::*;

use crate::enums::Role;

/// A machine principal (district system, NGO integration).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    /// PHC string of an argon2id hash of the client secret.
    pub secret_hash: String,
    pub role: Role,
    pub region_id: Option<i32>,
    pub organisation_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
