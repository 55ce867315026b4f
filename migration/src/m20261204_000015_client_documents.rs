//! Per-client trusted documents (issue 24): an API client may be bound to
//! the operations its deployed app or system shipped with, by hash; while
//! it has any, it runs only those.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiClientDocuments {
    Table,
    Id,
    ApiClientId,
    Hash,
    Body,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ApiClientDocuments as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(pk_auto(D::Id))
                .col(integer(D::ApiClientId))
                // Lower-case hex SHA-256 of the body (Apollo's and Relay's ids).
                .col(string_len(D::Hash, 64))
                .col(text(D::Body))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .foreign_key(&mut fk(D::Table, D::ApiClientId, ApiClients::Table, ApiClients::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "api_client_documents_key",
            D::Table,
            vec![D::ApiClientId.into_iden(), D::Hash.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiClientDocuments::Table).to_owned()).await
    }
}
