use sea_orm::entity::prelude::*;

/// A process has applied a batch of revocations.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revocation_acks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub process_id: String,
    pub acked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
