//! Shared projects and deliberation: projects, their timeline, participants,
//! tasks, progress updates, comments, votes, evaluations, council meetings
//! and per-community deliberation settings.

use sea_orm_migration::{prelude::*, schema::*};

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
enum Organisations {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CommunitySettings {
    Table,
    CommunityId,
    QuorumPercent,
    ThresholdPercent,
    LiveTally,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    CommunityId,
    Title,
    Description,
    Category,
    Status,
    ProposerAccountId,
    BudgetFen,
    PlannedStart,
    PlannedEnd,
    BuildingId,
    LocationText,
    VotingOpenedAt,
    VotingClosesAt,
    VotingClosedAt,
    TallyYes,
    TallyNo,
    TallyAbstain,
    TallyEligible,
    Outcome,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectTransitions {
    Table,
    Id,
    ProjectId,
    FromStatus,
    ToStatus,
    AccountId,
    Role,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum ProjectParticipants {
    Table,
    Id,
    ProjectId,
    OrganisationId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectTasks {
    Table,
    Id,
    ProjectId,
    Title,
    AssigneeOrganisationId,
    DueDate,
    Status,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum ProjectUpdates {
    Table,
    Id,
    ProjectId,
    OrganisationId,
    AuthorAccountId,
    Body,
    PercentComplete,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectComments {
    Table,
    Id,
    ProjectId,
    AuthorAccountId,
    Body,
    CreatedAt,
    EditedAt,
    RemovedAt,
    RemovedReason,
    RemovedByAccountId,
}

#[derive(DeriveIden)]
enum Votes {
    Table,
    Id,
    ProjectId,
    AccountId,
    Choice,
    CastAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    Id,
    ProjectId,
    AccountId,
    Rating,
    Comment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CouncilMeetings {
    Table,
    Id,
    CommunityId,
    Title,
    ScheduledAt,
    Place,
    Attendance,
    Minutes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CouncilAgendaItems {
    Table,
    Id,
    MeetingId,
    ProjectId,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&dyn Fn() -> DynIden], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c());
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CommunitySettings::Table)
                .col(integer(CommunitySettings::CommunityId).primary_key())
                .col(integer(CommunitySettings::QuorumPercent))
                .col(integer(CommunitySettings::ThresholdPercent))
                .col(boolean(CommunitySettings::LiveTally))
                .foreign_key(&mut fk(
                    CommunitySettings::Table,
                    CommunitySettings::CommunityId,
                    Regions::Table,
                    Regions::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(pk_auto(Projects::Id))
                .col(integer(Projects::CommunityId))
                .col(string_len(Projects::Title, 200))
                .col(text(Projects::Description))
                .col(string_len(Projects::Category, 32))
                .col(string_len(Projects::Status, 32))
                .col(integer(Projects::ProposerAccountId))
                .col(big_integer(Projects::BudgetFen))
                .col(date_null(Projects::PlannedStart))
                .col(date_null(Projects::PlannedEnd))
                .col(integer_null(Projects::BuildingId))
                .col(string_len_null(Projects::LocationText, 200))
                .col(timestamp_with_time_zone_null(Projects::VotingOpenedAt))
                .col(timestamp_with_time_zone_null(Projects::VotingClosesAt))
                .col(timestamp_with_time_zone_null(Projects::VotingClosedAt))
                .col(integer_null(Projects::TallyYes))
                .col(integer_null(Projects::TallyNo))
                .col(integer_null(Projects::TallyAbstain))
                .col(integer_null(Projects::TallyEligible))
                .col(string_len_null(Projects::Outcome, 16))
                .col(timestamp_with_time_zone(Projects::CreatedAt))
                .col(timestamp_with_time_zone(Projects::UpdatedAt))
                .foreign_key(&mut fk(Projects::Table, Projects::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(Projects::Table, Projects::ProposerAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(Projects::Table, Projects::BuildingId, Buildings::Table, Buildings::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_projects_community_status",
            Projects::Table,
            &[&|| Projects::CommunityId.into_iden(), &|| Projects::Status.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectTransitions::Table)
                .col(pk_auto(ProjectTransitions::Id))
                .col(integer(ProjectTransitions::ProjectId))
                .col(string_len_null(ProjectTransitions::FromStatus, 32))
                .col(string_len(ProjectTransitions::ToStatus, 32))
                .col(integer_null(ProjectTransitions::AccountId))
                .col(string_len(ProjectTransitions::Role, 32))
                .col(string_len_null(ProjectTransitions::Reason, 500))
                .col(timestamp_with_time_zone(ProjectTransitions::At))
                .foreign_key(&mut fk(
                    ProjectTransitions::Table,
                    ProjectTransitions::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_project_transitions_project",
            ProjectTransitions::Table,
            &[&|| ProjectTransitions::ProjectId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectParticipants::Table)
                .col(pk_auto(ProjectParticipants::Id))
                .col(integer(ProjectParticipants::ProjectId))
                .col(integer(ProjectParticipants::OrganisationId))
                .col(string_len(ProjectParticipants::Role, 16))
                .col(timestamp_with_time_zone(ProjectParticipants::CreatedAt))
                .foreign_key(&mut fk(
                    ProjectParticipants::Table,
                    ProjectParticipants::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .foreign_key(&mut fk(
                    ProjectParticipants::Table,
                    ProjectParticipants::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_project_participants",
            ProjectParticipants::Table,
            &[
                &|| ProjectParticipants::ProjectId.into_iden(),
                &|| ProjectParticipants::OrganisationId.into_iden(),
                &|| ProjectParticipants::Role.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "idx_project_participants_org",
            ProjectParticipants::Table,
            &[&|| ProjectParticipants::OrganisationId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectTasks::Table)
                .col(pk_auto(ProjectTasks::Id))
                .col(integer(ProjectTasks::ProjectId))
                .col(string_len(ProjectTasks::Title, 200))
                .col(integer(ProjectTasks::AssigneeOrganisationId))
                .col(date_null(ProjectTasks::DueDate))
                .col(string_len(ProjectTasks::Status, 16))
                .col(timestamp_with_time_zone(ProjectTasks::CreatedAt))
                .col(timestamp_with_time_zone_null(ProjectTasks::CompletedAt))
                .foreign_key(&mut fk(ProjectTasks::Table, ProjectTasks::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(
                    ProjectTasks::Table,
                    ProjectTasks::AssigneeOrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_project_tasks_project",
            ProjectTasks::Table,
            &[&|| ProjectTasks::ProjectId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectUpdates::Table)
                .col(pk_auto(ProjectUpdates::Id))
                .col(integer(ProjectUpdates::ProjectId))
                .col(integer(ProjectUpdates::OrganisationId))
                .col(integer(ProjectUpdates::AuthorAccountId))
                .col(text(ProjectUpdates::Body))
                .col(integer(ProjectUpdates::PercentComplete))
                .col(timestamp_with_time_zone(ProjectUpdates::CreatedAt))
                .foreign_key(&mut fk(ProjectUpdates::Table, ProjectUpdates::ProjectId, Projects::Table, Projects::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_project_updates_project",
            ProjectUpdates::Table,
            &[&|| ProjectUpdates::ProjectId.into_iden(), &|| ProjectUpdates::Id.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ProjectComments::Table)
                .col(pk_auto(ProjectComments::Id))
                .col(integer(ProjectComments::ProjectId))
                .col(integer(ProjectComments::AuthorAccountId))
                .col(text(ProjectComments::Body))
                .col(timestamp_with_time_zone(ProjectComments::CreatedAt))
                .col(timestamp_with_time_zone_null(ProjectComments::EditedAt))
                .col(timestamp_with_time_zone_null(ProjectComments::RemovedAt))
                .col(string_len_null(ProjectComments::RemovedReason, 500))
                .col(integer_null(ProjectComments::RemovedByAccountId))
                .foreign_key(&mut fk(ProjectComments::Table, ProjectComments::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(
                    ProjectComments::Table,
                    ProjectComments::AuthorAccountId,
                    Accounts::Table,
                    Accounts::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_project_comments_project",
            ProjectComments::Table,
            &[&|| ProjectComments::ProjectId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Votes::Table)
                .col(pk_auto(Votes::Id))
                .col(integer(Votes::ProjectId))
                .col(integer(Votes::AccountId))
                .col(string_len(Votes::Choice, 8))
                .col(timestamp_with_time_zone(Votes::CastAt))
                .col(timestamp_with_time_zone(Votes::UpdatedAt))
                .foreign_key(&mut fk(Votes::Table, Votes::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(Votes::Table, Votes::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        // One ballot per resident and project, enforced by the database so
        // that concurrent requests cannot count twice.
        m.create_index(index(
            "uq_votes_project_account",
            Votes::Table,
            &[&|| Votes::ProjectId.into_iden(), &|| Votes::AccountId.into_iden()],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Evaluations::Table)
                .col(pk_auto(Evaluations::Id))
                .col(integer(Evaluations::ProjectId))
                .col(integer(Evaluations::AccountId))
                .col(integer(Evaluations::Rating))
                .col(text_null(Evaluations::Comment))
                .col(timestamp_with_time_zone(Evaluations::CreatedAt))
                .col(timestamp_with_time_zone(Evaluations::UpdatedAt))
                .foreign_key(&mut fk(Evaluations::Table, Evaluations::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(Evaluations::Table, Evaluations::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_evaluations_project_account",
            Evaluations::Table,
            &[&|| Evaluations::ProjectId.into_iden(), &|| Evaluations::AccountId.into_iden()],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(CouncilMeetings::Table)
                .col(pk_auto(CouncilMeetings::Id))
                .col(integer(CouncilMeetings::CommunityId))
                .col(string_len(CouncilMeetings::Title, 200))
                .col(timestamp_with_time_zone(CouncilMeetings::ScheduledAt))
                .col(string_len(CouncilMeetings::Place, 200))
                .col(integer_null(CouncilMeetings::Attendance))
                .col(text_null(CouncilMeetings::Minutes))
                .col(timestamp_with_time_zone(CouncilMeetings::CreatedAt))
                .foreign_key(&mut fk(CouncilMeetings::Table, CouncilMeetings::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CouncilAgendaItems::Table)
                .col(pk_auto(CouncilAgendaItems::Id))
                .col(integer(CouncilAgendaItems::MeetingId))
                .col(integer(CouncilAgendaItems::ProjectId))
                .foreign_key(&mut fk(
                    CouncilAgendaItems::Table,
                    CouncilAgendaItems::MeetingId,
                    CouncilMeetings::Table,
                    CouncilMeetings::Id,
                ))
                .foreign_key(&mut fk(
                    CouncilAgendaItems::Table,
                    CouncilAgendaItems::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_council_agenda",
            CouncilAgendaItems::Table,
            &[&|| CouncilAgendaItems::MeetingId.into_iden(), &|| CouncilAgendaItems::ProjectId.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }
}
