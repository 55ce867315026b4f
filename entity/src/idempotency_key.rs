use sea_orm::entity::prelude::*;

/// The first answer to a mutation sent with an idempotency key, per
/// principal (`owner`). `status` 0 while the first request runs, 1 once its
/// answer is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub owner: String,
    pub key: String,
    pub request_hash: String,
    pub status: i16,
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
