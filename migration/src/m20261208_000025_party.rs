//! The community party organisation (issue 29): a project's endorsement as
//! a marked row of its timeline, whether a community requires it before
//! the office approves, and the voluntary register of party members
//! (党员报到).
//!
//! The register is sensitive personal information: a row names a person
//! and a community and nothing else, and goes with its person (deleting
//! the account deletes it; the person may erase it at any time).

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
enum ProjectTransitions {
    Table,
    Endorsed,
}

#[derive(DeriveIden)]
enum CommunitySettings {
    Table,
    EndorsementRequired,
}

#[derive(DeriveIden)]
enum PartyMemberRegistrations {
    Table,
    Id,
    AccountId,
    CommunityId,
    HomeBranch,
    RegisteredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A timeline row that records an endorsement rather than a move
        // (its from and to status are the same).
        m.alter_table(
            Table::alter()
                .table(ProjectTransitions::Table)
                .add_column(boolean(ProjectTransitions::Endorsed).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CommunitySettings::Table)
                .add_column(boolean(CommunitySettings::EndorsementRequired).default(false))
                .to_owned(),
        )
        .await?;
        use PartyMemberRegistrations as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_auto(R::Id))
                .col(integer(R::AccountId))
                .col(integer(R::CommunityId))
                // The party organisation the member belongs to (原所在党组织), in words.
                .col(text_null(R::HomeBranch))
                .col(timestamp_with_time_zone(R::RegisteredAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(R::Table, R::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut fk(R::Table, R::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        // One registration per person and community.
        m.create_index(index(
            "party_member_registrations_once",
            R::Table,
            vec![R::AccountId.into_iden(), R::CommunityId.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PartyMemberRegistrations::Table).to_owned()).await?;
        m.alter_table(
            Table::alter()
                .table(CommunitySettings::Table)
                .drop_column(CommunitySettings::EndorsementRequired)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table(ProjectTransitions::Table).drop_column(ProjectTransitions::Endorsed).to_owned(),
        )
        .await?;
        Ok(())
    }
}
