//! Notices and emergency alerts: notices with their targets, reads,
//! alert responses, door-to-door visits and follow-up flags. Publishing
//! writes one notice row and one row per target (a region or a building),
//! never one per resident: responses, visits and flags are stored when
//! they happen.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    PublisherAccountId,
    PublisherRole,
    PublisherOrganisationId,
    Category,
    Title,
    Body,
    ValidFrom,
    ValidUntil,
    Status,
    Level,
    Instructions,
    FollowUpSecs,
    FrozenCounts,
    CreatedAt,
    EditedAt,
    WithdrawnAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum NoticeTargets {
    Table,
    Id,
    NoticeId,
    RegionId,
    BuildingId,
}

#[derive(DeriveIden)]
enum NoticeReads {
    Table,
    Id,
    NoticeId,
    AccountId,
    ReadAt,
}

#[derive(DeriveIden)]
enum AlertResponses {
    Table,
    Id,
    NoticeId,
    AccountId,
    State,
    Note,
    WholeHousehold,
    RespondedAt,
    ReportId,
}

#[derive(DeriveIden)]
enum AlertVisits {
    Table,
    Id,
    NoticeId,
    AccountId,
    VisitedByAccountId,
    Note,
    VisitedAt,
}

#[derive(DeriveIden)]
enum AlertFlags {
    Table,
    Id,
    NoticeId,
    AccountId,
    BuildingId,
    FlaggedAt,
}

fn unique(name: &str, table: impl IntoIden, a: impl IntoIden, b: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(a).col(b).unique().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Notices as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(pk_auto(N::Id))
                .col(integer(N::PublisherAccountId))
                .col(string_len(N::PublisherRole, 32))
                .col(integer_null(N::PublisherOrganisationId))
                .col(string_len(N::Category, 16))
                .col(string_len(N::Title, 200))
                .col(text(N::Body))
                .col(timestamp_with_time_zone(N::ValidFrom))
                .col(timestamp_with_time_zone_null(N::ValidUntil))
                .col(string_len(N::Status, 16))
                .col(string_len_null(N::Level, 8))
                .col(text_null(N::Instructions))
                .col(integer_null(N::FollowUpSecs))
                .col(text_null(N::FrozenCounts))
                .col(timestamp_with_time_zone(N::CreatedAt))
                .col(timestamp_with_time_zone_null(N::EditedAt))
                .col(timestamp_with_time_zone_null(N::WithdrawnAt))
                .col(timestamp_with_time_zone_null(N::ClosedAt))
                .foreign_key(&mut fk(N::Table, N::PublisherAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NoticeTargets::Table)
                .col(pk_auto(NoticeTargets::Id))
                .col(integer(NoticeTargets::NoticeId))
                .col(integer_null(NoticeTargets::RegionId))
                .col(integer_null(NoticeTargets::BuildingId))
                .foreign_key(&mut fk(NoticeTargets::Table, NoticeTargets::NoticeId, N::Table, N::Id))
                .foreign_key(&mut fk(NoticeTargets::Table, NoticeTargets::RegionId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(NoticeTargets::Table, NoticeTargets::BuildingId, Buildings::Table, Buildings::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notice_targets_notice")
                .table(NoticeTargets::Table)
                .col(NoticeTargets::NoticeId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notice_targets_region")
                .table(NoticeTargets::Table)
                .col(NoticeTargets::RegionId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notice_targets_building")
                .table(NoticeTargets::Table)
                .col(NoticeTargets::BuildingId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NoticeReads::Table)
                .col(pk_auto(NoticeReads::Id))
                .col(integer(NoticeReads::NoticeId))
                .col(integer(NoticeReads::AccountId))
                .col(timestamp_with_time_zone(NoticeReads::ReadAt))
                .foreign_key(&mut fk(NoticeReads::Table, NoticeReads::NoticeId, N::Table, N::Id))
                .foreign_key(&mut fk(NoticeReads::Table, NoticeReads::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "notice_reads_notice_account_key",
            NoticeReads::Table,
            NoticeReads::NoticeId,
            NoticeReads::AccountId,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AlertResponses::Table)
                .col(pk_auto(AlertResponses::Id))
                .col(integer(AlertResponses::NoticeId))
                .col(integer(AlertResponses::AccountId))
                .col(string_len(AlertResponses::State, 16))
                .col(text_null(AlertResponses::Note))
                .col(boolean(AlertResponses::WholeHousehold))
                .col(timestamp_with_time_zone(AlertResponses::RespondedAt))
                .col(integer_null(AlertResponses::ReportId))
                .foreign_key(&mut fk(AlertResponses::Table, AlertResponses::NoticeId, N::Table, N::Id))
                .foreign_key(&mut fk(AlertResponses::Table, AlertResponses::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "alert_responses_notice_account_key",
            AlertResponses::Table,
            AlertResponses::NoticeId,
            AlertResponses::AccountId,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AlertVisits::Table)
                .col(pk_auto(AlertVisits::Id))
                .col(integer(AlertVisits::NoticeId))
                .col(integer(AlertVisits::AccountId))
                .col(integer(AlertVisits::VisitedByAccountId))
                .col(text_null(AlertVisits::Note))
                .col(timestamp_with_time_zone(AlertVisits::VisitedAt))
                .foreign_key(&mut fk(AlertVisits::Table, AlertVisits::NoticeId, N::Table, N::Id))
                .foreign_key(&mut fk(AlertVisits::Table, AlertVisits::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "alert_visits_notice_account_key",
            AlertVisits::Table,
            AlertVisits::NoticeId,
            AlertVisits::AccountId,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(AlertFlags::Table)
                .col(pk_auto(AlertFlags::Id))
                .col(integer(AlertFlags::NoticeId))
                .col(integer(AlertFlags::AccountId))
                .col(integer_null(AlertFlags::BuildingId))
                .col(timestamp_with_time_zone(AlertFlags::FlaggedAt))
                .foreign_key(&mut fk(AlertFlags::Table, AlertFlags::NoticeId, N::Table, N::Id))
                .foreign_key(&mut fk(AlertFlags::Table, AlertFlags::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "alert_flags_notice_account_key",
            AlertFlags::Table,
            AlertFlags::NoticeId,
            AlertFlags::AccountId,
        ))
        .await?;
        Ok(())
    }
}
