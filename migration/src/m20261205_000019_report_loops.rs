//! Reports' everyday loops (issue 33): the escalation ladder (a building
//! head's escalation reaches the committee, recorded apart from the
//! office's), the assigned organisation's expected completion time, and
//! disputes' mediation records: the parties, the mediator, the sessions
//! with their attendees, the outcome (agreement, partial, failed,
//! referred) and a follow-up date. Timeline kinds grow past 16 letters
//! (`ESCALATED_TO_COMMITTEE`), so PostgreSQL's column widens (SQLite does
//! not enforce lengths).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    EscalatedToCommitteeAt,
    ExpectedCompletionAt,
    MediatorAccountId,
    MediatorOrganisationId,
    MediationResult,
    ReferredTo,
    FollowUpOn,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DisputeParties {
    Table,
    Id,
    ReportId,
    AccountId,
    HouseholdId,
    OrganisationId,
    Description,
    AddedAt,
}

#[derive(DeriveIden)]
enum MediationSessions {
    Table,
    Id,
    ReportId,
    HeldAt,
    Notes,
    RecordedByAccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MediationAttendees {
    Table,
    SessionId,
    PartyId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            timestamp_with_time_zone_null(Reports::EscalatedToCommitteeAt),
            timestamp_with_time_zone_null(Reports::ExpectedCompletionAt),
            integer_null(Reports::MediatorAccountId),
            integer_null(Reports::MediatorOrganisationId),
            string_len_null(Reports::MediationResult, 16),
            string_len_null(Reports::ReferredTo, 32),
            date_null(Reports::FollowUpOn),
        ] {
            let mut col = col;
            m.alter_table(Table::alter().table(Reports::Table).add_column(&mut col).to_owned()).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("ALTER TABLE report_events ALTER COLUMN kind TYPE varchar(32)")
                .await?;
        }
        use DisputeParties as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(pk_auto(P::Id))
                .col(integer(P::ReportId))
                // Exactly one of the three (checked by the service): a
                // resident, a household or an organisation.
                .col(integer_null(P::AccountId))
                .col(integer_null(P::HouseholdId))
                .col(integer_null(P::OrganisationId))
                .col(text_null(P::Description))
                .col(timestamp_with_time_zone(P::AddedAt))
                .foreign_key(&mut fk(P::Table, P::ReportId, Reports::Table, Reports::Id))
                .foreign_key(&mut fk(P::Table, P::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(P::Table, P::HouseholdId, Households::Table, Households::Id))
                .foreign_key(&mut fk(P::Table, P::OrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_dispute_parties_report", P::Table, vec![P::ReportId.into_iden()], false)).await?;
        m.create_index(index("idx_dispute_parties_account", P::Table, vec![P::AccountId.into_iden()], false)).await?;
        use MediationSessions as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::ReportId))
                .col(timestamp_with_time_zone(S::HeldAt))
                .col(text(S::Notes))
                .col(integer(S::RecordedByAccountId))
                .col(timestamp_with_time_zone(S::CreatedAt))
                .foreign_key(&mut fk(S::Table, S::ReportId, Reports::Table, Reports::Id))
                .foreign_key(&mut fk(S::Table, S::RecordedByAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_mediation_sessions_report", S::Table, vec![S::ReportId.into_iden()], false)).await?;
        use MediationAttendees as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(integer(A::SessionId))
                .col(integer(A::PartyId))
                .primary_key(Index::create().col(A::SessionId).col(A::PartyId))
                .foreign_key(&mut fk(A::Table, A::SessionId, S::Table, S::Id))
                .foreign_key(&mut fk(A::Table, A::PartyId, P::Table, P::Id))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            MediationAttendees::Table.into_iden(),
            MediationSessions::Table.into_iden(),
            DisputeParties::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        for c in [
            Reports::EscalatedToCommitteeAt,
            Reports::ExpectedCompletionAt,
            Reports::MediatorAccountId,
            Reports::MediatorOrganisationId,
            Reports::MediationResult,
            Reports::ReferredTo,
            Reports::FollowUpOn,
        ] {
            m.alter_table(Table::alter().table(Reports::Table).drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
