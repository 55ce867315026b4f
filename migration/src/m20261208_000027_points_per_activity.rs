//! Points for taking part in an activity, whatever its length (issue 29:
//! "points per hour or per activity"): fixed points for each confirmed
//! attendance, instead of points per hour.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VolunteerActivities {
    Table,
    PointsPerActivity,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(VolunteerActivities::Table)
                .add_column(integer_null(VolunteerActivities::PointsPerActivity))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(VolunteerActivities::Table)
                .drop_column(VolunteerActivities::PointsPerActivity)
                .to_owned(),
        )
        .await
    }
}
