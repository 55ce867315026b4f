//! Volunteer activities and surveys for some buildings of a community
//! (issue 29): the buildings an activity or a survey is for. None: the
//! whole community (an activity), the whole region (a survey).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Buildings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VolunteerActivities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VolunteerActivityBuildings {
    Table,
    ActivityId,
    BuildingId,
}

#[derive(DeriveIden)]
enum SurveyBuildings {
    Table,
    SurveyId,
    BuildingId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use VolunteerActivityBuildings as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(integer(A::ActivityId))
                .col(integer(A::BuildingId))
                .primary_key(Index::create().col(A::ActivityId).col(A::BuildingId))
                .foreign_key(&mut fk(A::Table, A::ActivityId, VolunteerActivities::Table, VolunteerActivities::Id))
                .foreign_key(&mut fk(A::Table, A::BuildingId, Buildings::Table, Buildings::Id))
                .to_owned(),
        )
        .await?;
        use SurveyBuildings as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(integer(S::SurveyId))
                .col(integer(S::BuildingId))
                .primary_key(Index::create().col(S::SurveyId).col(S::BuildingId))
                .foreign_key(&mut fk(S::Table, S::SurveyId, Surveys::Table, Surveys::Id))
                .foreign_key(&mut fk(S::Table, S::BuildingId, Buildings::Table, Buildings::Id))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SurveyBuildings::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(VolunteerActivityBuildings::Table).to_owned()).await?;
        Ok(())
    }
}
