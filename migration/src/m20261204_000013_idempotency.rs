//! Idempotency keys (issue 32): the first answer to a mutation sent with an
//! `Idempotency-Key`, per principal, so that a phone retrying after a
//! timeout gets that answer again instead of a second report. Shared by
//! every server process; rows older than a day are dead and replaced.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Owner,
    Key,
    RequestHash,
    Status,
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        m.create_table(
            Table::create()
                .table(K::Table)
                .col(pk_auto(K::Id))
                // `a:<account>`, `c:<api client>` or `-` (no token).
                .col(string_len(K::Owner, 40))
                .col(string_len(K::Key, 255))
                // SHA-256 of the operation and its variables.
                .col(string_len(K::RequestHash, 64))
                // 0: the first request is running; 1: its answer is stored.
                .col(small_integer(K::Status))
                .col(text_null(K::Response))
                .col(timestamp_with_time_zone(K::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idempotency_keys_owner_key_key",
            K::Table,
            vec![K::Owner.into_iden(), K::Key.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}
