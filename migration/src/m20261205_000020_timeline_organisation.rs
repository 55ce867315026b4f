//! One timeline vocabulary (issue 33): every timeline entry names the
//! organisation its actor acted for, as report events already did; project
//! transitions and service request steps gain the column (null for rows
//! written before, and for people acting for no organisation).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectTransitions {
    Table,
    OrganisationId,
}

#[derive(DeriveIden)]
enum ServiceRequestEvents {
    Table,
    OrganisationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ProjectTransitions::Table)
                .add_column(integer_null(ProjectTransitions::OrganisationId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ServiceRequestEvents::Table)
                .add_column(integer_null(ServiceRequestEvents::OrganisationId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(ProjectTransitions::Table).drop_column(ProjectTransitions::OrganisationId).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ServiceRequestEvents::Table)
                .drop_column(ServiceRequestEvents::OrganisationId)
                .to_owned(),
        )
        .await
    }
}
