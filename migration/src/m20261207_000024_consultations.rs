//! Consultations and surveys (issue 29): a survey to a region (a community
//! or a region above it), its questions, who answered (for once-only and
//! eligibility), and the answers, which name no one: a response row holds
//! the respondent's community and a keyed hash of (survey, person) that only
//! the server can recompute, so a person can change their answer while the
//! survey is open and nobody reading the tables can tie an answer to them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

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
enum Surveys {
    Table,
    Id,
    RegionId,
    AuthorAccountId,
    AuthorRole,
    Title,
    Description,
    Template,
    Status,
    ShareResults,
    OpenedAt,
    ClosedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SurveyQuestions {
    Table,
    Id,
    SurveyId,
    Position,
    Kind,
    Text,
    Required,
    Options,
}

#[derive(DeriveIden)]
enum SurveyParticipants {
    Table,
    SurveyId,
    AccountId,
    AnsweredAt,
}

#[derive(DeriveIden)]
enum SurveyResponses {
    Table,
    Id,
    SurveyId,
    CommunityId,
    RespondentKey,
    Answers,
    Satisfaction,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Surveys as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::RegionId))
                .col(integer(S::AuthorAccountId))
                .col(string_len(S::AuthorRole, 32))
                .col(text(S::Title))
                .col(text_null(S::Description))
                .col(string_len_null(S::Template, 32))
                .col(string_len(S::Status, 16))
                .col(boolean(S::ShareResults).default(false))
                .col(timestamp_with_time_zone_null(S::OpenedAt))
                .col(timestamp_with_time_zone_null(S::ClosedAt))
                .col(timestamp_with_time_zone(S::CreatedAt))
                .foreign_key(&mut fk(S::Table, S::RegionId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(S::Table, S::AuthorAccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        use SurveyQuestions as Q;
        m.create_table(
            Table::create()
                .table(Q::Table)
                .col(pk_auto(Q::Id))
                .col(integer(Q::SurveyId))
                .col(integer(Q::Position))
                .col(string_len(Q::Kind, 16))
                .col(text(Q::Text))
                .col(boolean(Q::Required).default(false))
                .col(text(Q::Options))
                .foreign_key(&mut fk(Q::Table, Q::SurveyId, S::Table, S::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "survey_questions_position",
            Q::Table,
            vec![Q::SurveyId.into_iden(), Q::Position.into_iden()],
            true,
        ))
        .await?;
        use SurveyParticipants as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(integer(P::SurveyId))
                .col(integer(P::AccountId))
                .col(timestamp_with_time_zone(P::AnsweredAt))
                .primary_key(Index::create().col(P::SurveyId).col(P::AccountId))
                .foreign_key(&mut fk(P::Table, P::SurveyId, S::Table, S::Id))
                .foreign_key(&mut fk(P::Table, P::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        use SurveyResponses as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_auto(R::Id))
                .col(integer(R::SurveyId))
                .col(integer(R::CommunityId))
                .col(string_len(R::RespondentKey, 64))
                .col(text(R::Answers))
                // The overall rating (1–5) of a satisfaction survey's first
                // question, for the SURVEYED_SATISFACTION_RATE indicator.
                .col(integer_null(R::Satisfaction))
                .col(timestamp_with_time_zone(R::UpdatedAt))
                .foreign_key(&mut fk(R::Table, R::SurveyId, S::Table, S::Id))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        // One answer per person: the key is per (survey, person).
        m.create_index(index(
            "survey_responses_once",
            R::Table,
            vec![R::SurveyId.into_iden(), R::RespondentKey.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SurveyResponses::Table.into_iden(),
            SurveyParticipants::Table.into_iden(),
            SurveyQuestions::Table.into_iden(),
            Surveys::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
