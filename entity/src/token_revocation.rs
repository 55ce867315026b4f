use sea_orm::entity::prelude::*;

/// A revocation: every access token of `subject` (`account:7`,
/// `membership:9`, `session:<family>`, `client:3`, `token:<jti>`) issued up
/// to `revoked_at` is refused. Kept until `expires_at`, when no such token
/// can be valid any more.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_revocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The rows written by one transaction share a batch (acknowledged by
    /// every process, see `revocation_acks`).
    pub batch: String,
    pub subject: String,
    pub revoked_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
