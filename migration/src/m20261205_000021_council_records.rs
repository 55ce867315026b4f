//! Council meetings as records (issue 33): the council's members per
//! community (议事代表, kept by the committee), attendance as people, an
//! agenda of projects, reports and free topics each with its decision (and
//! the vote that made it), minutes kept as revisions (never overwritten),
//! a status (SCHEDULED, HELD, CANCELLED) and a timeline. The agenda table
//! is replaced by one whose project is optional; its rows move over with
//! their ids, and minutes recorded before become revision 1.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CouncilMeetings {
    Table,
    Id,
    Status,
    CancelReason,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CouncilItems {
    Table,
    Id,
    MeetingId,
    Position,
    ProjectId,
    ReportId,
    Topic,
    Decision,
    DecidedAt,
    DecidedByAccountId,
    VoteProjectId,
}

#[derive(DeriveIden)]
enum CouncilMembers {
    Table,
    Id,
    CommunityId,
    AccountId,
    AddedAt,
    RemovedAt,
}

#[derive(DeriveIden)]
enum CouncilAttendees {
    Table,
    MeetingId,
    AccountId,
}

#[derive(DeriveIden)]
enum CouncilMinutes {
    Table,
    Id,
    MeetingId,
    Revision,
    Text,
    AccountId,
    Note,
    At,
}

#[derive(DeriveIden)]
enum CouncilMeetingEvents {
    Table,
    Id,
    MeetingId,
    Kind,
    AccountId,
    Role,
    OrganisationId,
    Note,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CouncilMeetings as M;
        m.alter_table(
            Table::alter().table(M::Table).add_column(string_len(M::Status, 16).default("SCHEDULED")).to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(M::Table).add_column(text_null(M::CancelReason)).to_owned()).await?;
        use CouncilItems as I;
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(pk_auto(I::Id))
                .col(integer(I::MeetingId))
                .col(integer(I::Position))
                // Exactly one of a project, a report, a topic (the service checks).
                .col(integer_null(I::ProjectId))
                .col(integer_null(I::ReportId))
                .col(text_null(I::Topic))
                .col(text_null(I::Decision))
                .col(timestamp_with_time_zone_null(I::DecidedAt))
                .col(integer_null(I::DecidedByAccountId))
                .col(integer_null(I::VoteProjectId))
                .foreign_key(&mut fk(I::Table, I::MeetingId, M::Table, M::Id))
                .foreign_key(&mut fk(I::Table, I::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(I::Table, I::ReportId, Reports::Table, Reports::Id))
                .foreign_key(&mut fk(I::Table, I::VoteProjectId, Projects::Table, Projects::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_council_items_meeting", I::Table, vec![I::MeetingId.into_iden()], false)).await?;
        let conn = m.get_connection();
        conn.execute_unprepared(
            "INSERT INTO council_items (id, meeting_id, position, project_id)
             SELECT id, meeting_id, id, project_id FROM council_agenda_items",
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('council_items', 'id'), COALESCE(MAX(id), 0) + 1, false)
                 FROM council_items",
            )
            .await?;
        }
        m.drop_table(Table::drop().table(Alias::new("council_agenda_items")).to_owned()).await?;

        use CouncilMembers as C;
        m.create_table(
            Table::create()
                .table(C::Table)
                .col(pk_auto(C::Id))
                .col(integer(C::CommunityId))
                .col(integer(C::AccountId))
                .col(timestamp_with_time_zone(C::AddedAt))
                .col(timestamp_with_time_zone_null(C::RemovedAt))
                .foreign_key(&mut fk(C::Table, C::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(C::Table, C::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_council_members_community", C::Table, vec![C::CommunityId.into_iden()], false))
            .await?;
        use CouncilAttendees as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(integer(A::MeetingId))
                .col(integer(A::AccountId))
                .primary_key(Index::create().col(A::MeetingId).col(A::AccountId))
                .foreign_key(&mut fk(A::Table, A::MeetingId, M::Table, M::Id))
                .foreign_key(&mut fk(A::Table, A::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        use CouncilMinutes as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(pk_auto(N::Id))
                .col(integer(N::MeetingId))
                .col(integer(N::Revision))
                .col(text(N::Text))
                .col(integer_null(N::AccountId))
                .col(text_null(N::Note))
                .col(timestamp_with_time_zone(N::At))
                .foreign_key(&mut fk(N::Table, N::MeetingId, M::Table, M::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_council_minutes_revision",
            N::Table,
            vec![N::MeetingId.into_iden(), N::Revision.into_iden()],
            true,
        ))
        .await?;
        conn.execute_unprepared(
            "INSERT INTO council_minutes (meeting_id, revision, text, account_id, note, at)
             SELECT id, 1, minutes, NULL, NULL, created_at FROM council_meetings WHERE minutes IS NOT NULL",
        )
        .await?;
        conn.execute_unprepared("UPDATE council_meetings SET status = 'HELD' WHERE minutes IS NOT NULL").await?;
        use CouncilMeetingEvents as E;
        m.create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                .col(integer(E::MeetingId))
                .col(string_len(E::Kind, 32))
                .col(integer_null(E::AccountId))
                .col(string_len_null(E::Role, 32))
                .col(integer_null(E::OrganisationId))
                .col(text_null(E::Note))
                .col(timestamp_with_time_zone(E::At))
                .foreign_key(&mut fk(E::Table, E::MeetingId, M::Table, M::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_council_meeting_events_meeting", E::Table, vec![E::MeetingId.into_iden()], false))
            .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The agenda's old table cannot take topics and reports back.
        Err(DbErr::Migration("council records cannot be rolled back".into()))
    }
}
