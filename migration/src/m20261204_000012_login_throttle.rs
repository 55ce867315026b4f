//! The login throttle counts failures, not attempts (issue 35, N4):
//! `login_throttle` keeps the verifications in flight per username
//! (`pending`, and when the last one started, so that a process that died
//! mid-check frees its slots after a while), and `login_address_failures`
//! the distinct usernames that failed from one client address (an address
//! is slowed when it sprays many accounts, never locked).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Pending,
    PendingAt,
}

#[derive(DeriveIden)]
enum LoginAddressFailures {
    Table,
    Address,
    Username,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            integer(LoginThrottle::Pending).default(0).to_owned(),
            timestamp_with_time_zone_null(LoginThrottle::PendingAt).to_owned(),
        ] {
            m.alter_table(Table::alter().table(LoginThrottle::Table).add_column(col).to_owned()).await?;
        }
        use LoginAddressFailures as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(string_len(F::Address, 64))
                .col(string_len(F::Username, 100))
                .col(timestamp_with_time_zone(F::FailedAt))
                .primary_key(Index::create().col(F::Address).col(F::Username))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "login_address_failures_at_idx",
            F::Table,
            vec![F::Address.into_iden(), F::FailedAt.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LoginAddressFailures::Table).to_owned()).await?;
        for col in [LoginThrottle::Pending.into_iden(), LoginThrottle::PendingAt.into_iden()] {
            m.alter_table(Table::alter().table(LoginThrottle::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
