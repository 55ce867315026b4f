use sea_orm::entity::prelude::*;

/// One operation an API client is bound to (its trusted documents).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_client_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub api_client_id: i32,
    /// Lower-case hex SHA-256 of `body`.
    pub hash: String,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
