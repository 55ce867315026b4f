//! Reports in filing order (issue 26): Open311's request lists page a
//! district's reports newest first by `created_at` then `id`, within a
//! date window (the `reports` list's date filters use it too). Without
//! this index a
//! district of 500,000 reports read every row of the window to sort it
//! (140 ms a page on the benchmark); with it a page reads its rows in
//! order (under 1 ms).

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    CreatedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "idx_reports_created",
            Reports::Table,
            vec![Reports::CreatedAt.into_iden(), Reports::Id.into_iden()],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_reports_created").table(Reports::Table).to_owned()).await
    }
}
