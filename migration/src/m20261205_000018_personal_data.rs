//! Residents' personal data (issue 27): who read whose personal fields
//! (`personal_data_access`, append-only like the audit log), accounts that
//! were erased (a tombstone: the row stays so that ballots, ledgers and
//! audit rows keep pointing at something, but it holds no identity), legal
//! holds that delay an erasure, the resident's choice to share their phone
//! with their building head, and alerts whose answers were purged after
//! their retention (their reach is frozen first, so statistics stay).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    ErasedAt,
    LegalHoldReason,
    LegalHoldAt,
    PhoneSharedWithBuildingHead,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    FrozenHouseholds,
    FrozenReachedWithinHour,
    AnswersPurgedAt,
}

#[derive(DeriveIden)]
enum PersonalDataAccess {
    Table,
    Id,
    SubjectAccountId,
    ViewerAccountId,
    ViewerApiClientId,
    ViewerRole,
    ViewerRegionPath,
    ViewerOrganisationId,
    ObjectType,
    ObjectId,
    Fields,
    Channel,
    Purpose,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            timestamp_with_time_zone_null(Accounts::ErasedAt),
            text_null(Accounts::LegalHoldReason),
            timestamp_with_time_zone_null(Accounts::LegalHoldAt),
            // Opt-in (see the README's personal-data table): the routine
            // household register shows a phone to the building head only
            // if the resident chose so; an emergency alert's roster does
            // not ask (PIPL Art. 13(4)).
            boolean(Accounts::PhoneSharedWithBuildingHead).default(false).to_owned(),
        ] {
            let mut col = col;
            m.alter_table(Table::alter().table(Accounts::Table).add_column(&mut col).to_owned()).await?;
        }
        for col in [
            big_integer_null(Notices::FrozenHouseholds),
            big_integer_null(Notices::FrozenReachedWithinHour),
            timestamp_with_time_zone_null(Notices::AnswersPurgedAt),
        ] {
            let mut col = col;
            m.alter_table(Table::alter().table(Notices::Table).add_column(&mut col).to_owned()).await?;
        }
        use PersonalDataAccess as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(pk_auto(A::Id))
                .col(integer(A::SubjectAccountId))
                .col(integer_null(A::ViewerAccountId))
                .col(integer_null(A::ViewerApiClientId))
                .col(string_len(A::ViewerRole, 32))
                .col(text_null(A::ViewerRegionPath))
                .col(integer_null(A::ViewerOrganisationId))
                .col(string_len(A::ObjectType, 64))
                .col(integer_null(A::ObjectId))
                // Comma-separated field names, sorted.
                .col(text(A::Fields))
                .col(string_len(A::Channel, 16))
                .col(text(A::Purpose))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .foreign_key(&mut fk(A::Table, A::SubjectAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_personal_data_access_subject",
            A::Table,
            vec![A::SubjectAccountId.into_iden(), A::Id.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "idx_personal_data_access_viewer",
            A::Table,
            vec![A::ViewerAccountId.into_iden(), A::Id.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index("idx_personal_data_access_created", A::Table, vec![A::CreatedAt.into_iden()], false))
            .await?;
        // A record of who read what is never rewritten; rows only leave
        // when their retention ends (a DELETE by the retention job).
        let conn = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION personal_data_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'personal_data_access is append-only'; END $$;
                     CREATE TRIGGER personal_data_access_no_update BEFORE UPDATE ON personal_data_access
                     FOR EACH ROW EXECUTE FUNCTION personal_data_access_append_only();",
                )
                .await?;
            }
            _ => {
                conn.execute_unprepared(
                    "CREATE TRIGGER personal_data_access_no_update BEFORE UPDATE ON personal_data_access
                     BEGIN SELECT RAISE(ABORT, 'personal_data_access is append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection().execute_unprepared("DROP FUNCTION personal_data_access_append_only() CASCADE").await?;
        }
        m.drop_table(Table::drop().table(PersonalDataAccess::Table).to_owned()).await?;
        for col in [Notices::FrozenHouseholds, Notices::FrozenReachedWithinHour, Notices::AnswersPurgedAt] {
            m.alter_table(Table::alter().table(Notices::Table).drop_column(col).to_owned()).await?;
        }
        for col in [
            Accounts::ErasedAt,
            Accounts::LegalHoldReason,
            Accounts::LegalHoldAt,
            Accounts::PhoneSharedWithBuildingHead,
        ] {
            m.alter_table(Table::alter().table(Accounts::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
