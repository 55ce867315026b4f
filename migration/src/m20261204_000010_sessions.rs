//! Access that ends at once, and the account basics (issue 30).
//!
//! - `token_revocations`: what stops being valid before it expires (an
//!   account, a membership, a login session, an API client, one token) and
//!   from when; `batch` groups the rows of one write. Rows live only as
//!   long as a token issued before them could (the access-token lifetime),
//!   then a sweep deletes them.
//! - `server_processes` (each API process, with a heartbeat) and
//!   `revocation_acks` (which process has applied which batch): a revoking
//!   process answers once every live process has the revocation in memory.
//! - `accounts.must_change_password` (after a reset, the one-time code
//!   only opens `changePassword`) and `accounts.disabled_reason` (shown to
//!   the person).
//! - `refresh_tokens.user_agent` and `address_prefix`: what `mySessions`
//!   shows of each session (the network prefix, not the full address).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TokenRevocations {
    Table,
    Id,
    Batch,
    Subject,
    RevokedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ServerProcesses {
    Table,
    Id,
    StartedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum RevocationAcks {
    Table,
    Batch,
    ProcessId,
    AckedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    MustChangePassword,
    DisabledReason,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    UserAgent,
    AddressPrefix,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TokenRevocations::Table)
                .col(pk_auto(TokenRevocations::Id))
                .col(string_len(TokenRevocations::Batch, 40))
                .col(string_len(TokenRevocations::Subject, 100))
                .col(timestamp_with_time_zone(TokenRevocations::RevokedAt))
                .col(timestamp_with_time_zone(TokenRevocations::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "token_revocations_expires_at",
            TokenRevocations::Table,
            vec![TokenRevocations::ExpiresAt.into_iden()],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ServerProcesses::Table)
                .col(string_len(ServerProcesses::Id, 40).primary_key())
                .col(timestamp_with_time_zone(ServerProcesses::StartedAt))
                .col(timestamp_with_time_zone(ServerProcesses::LastSeenAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RevocationAcks::Table)
                .col(string_len(RevocationAcks::Batch, 40))
                .col(string_len(RevocationAcks::ProcessId, 40))
                .col(timestamp_with_time_zone(RevocationAcks::AckedAt))
                .primary_key(Index::create().col(RevocationAcks::Batch).col(RevocationAcks::ProcessId))
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite adds one at a time.
        for col in [
            boolean(Accounts::MustChangePassword).default(false).to_owned(),
            string_len_null(Accounts::DisabledReason, 500).to_owned(),
        ] {
            m.alter_table(Table::alter().table(Accounts::Table).add_column(col).to_owned()).await?;
        }
        for col in [
            string_len_null(RefreshTokens::UserAgent, 300).to_owned(),
            string_len_null(RefreshTokens::AddressPrefix, 64).to_owned(),
        ] {
            m.alter_table(Table::alter().table(RefreshTokens::Table).add_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
