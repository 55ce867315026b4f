//! Whether a vote shows a live tally is decided when the vote opens and
//! frozen for its window: switching live tallies on and off during an open
//! vote would let whoever can read the tally learn single ballots.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    VotingLiveTally,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Projects::Table)
                .add_column(ColumnDef::new(Projects::VotingLiveTally).boolean())
                .to_owned(),
        )
        .await
    }
}
