//! One suppression pattern per published table (issue 34): for each
//! top-level region (district), closed month and indicator, the regions
//! whose figure is hidden from every audience that reads suppressed
//! figures (district systems, residents, machine clients of offices,
//! exports). Stored with the frozen month so that every reader, revision
//! and export uses the same pattern; a revision of the month adds a row
//! with the next revision whose hidden set contains the previous one
//! (a figure once hidden stays hidden). Rows are only ever inserted.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IndicatorPatterns {
    Table,
    Id,
    RootRegionId,
    Month,
    Indicator,
    Revision,
    K,
    Hidden,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use IndicatorPatterns as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(pk_auto(P::Id))
                .col(integer(P::RootRegionId))
                .col(string_len(P::Month, 7))
                .col(string_len(P::Indicator, 40))
                .col(integer(P::Revision))
                // The k the pattern was computed with.
                .col(integer(P::K))
                // The hidden regions' ids, a JSON array in ascending order.
                .col(text(P::Hidden))
                .col(timestamp_with_time_zone(P::RecordedAt))
                .check(("indicator_patterns_revision_check", Expr::col(P::Revision).gte(1)))
                .foreign_key(&mut fk(P::Table, P::RootRegionId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        // Two processes deriving the same revision: the second insert does
        // nothing (ON CONFLICT on this key).
        m.create_index(index(
            "indicator_patterns_root_month_key",
            P::Table,
            vec![P::RootRegionId.into_iden(), P::Month.into_iden(), P::Indicator.into_iden(), P::Revision.into_iden()],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IndicatorPatterns::Table).to_owned()).await
    }
}
