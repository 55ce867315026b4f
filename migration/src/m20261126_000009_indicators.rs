//! Governance indicators (治理指标): the frozen figures of closed months and
//! their revisions, and the time indexes the monthly aggregations range
//! over.
//!
//! A closed month is frozen per top-level region (district): one
//! `indicator_freezes` row says "this district's figures of this month are
//! stored", and `indicator_values` holds one row per (region, month,
//! indicator, revision). A later correction adds a row with the next
//! revision; rows are never updated, so every earlier figure stays on
//! record.

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
enum IndicatorFreezes {
    Table,
    Id,
    RootRegionId,
    Month,
    TimeZone,
    FrozenAt,
}

#[derive(DeriveIden)]
enum IndicatorValues {
    Table,
    Id,
    RegionId,
    Month,
    Indicator,
    Revision,
    Value,
    Numerator,
    Denominator,
    Count,
    RecordedAt,
}

// The fact tables the aggregations read, for their time indexes.
#[derive(DeriveIden)]
enum Reports {
    Table,
    CommunityId,
    CreatedAt,
    ResolvedAt,
    RatedAt,
}
#[derive(DeriveIden)]
enum Votes {
    Table,
    CastAt,
}
#[derive(DeriveIden)]
enum ProjectComments {
    Table,
    CreatedAt,
}
#[derive(DeriveIden)]
enum ProjectTransitions {
    Table,
    At,
}
#[derive(DeriveIden)]
enum Evaluations {
    Table,
    CreatedAt,
}
#[derive(DeriveIden)]
enum ServiceRequests {
    Table,
    RatedAt,
}
#[derive(DeriveIden)]
enum DeliveryRecords {
    Table,
    DeliveredOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use IndicatorFreezes as F;
        use IndicatorValues as V;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(pk_auto(F::Id))
                .col(integer(F::RootRegionId))
                // `YYYY-MM`, a calendar month in `time_zone`.
                .col(string_len(F::Month, 7))
                .col(string_len(F::TimeZone, 64))
                .col(timestamp_with_time_zone(F::FrozenAt))
                .foreign_key(&mut fk(F::Table, F::RootRegionId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        // Two processes freezing the same month: the second insert does
        // nothing (ON CONFLICT on this key).
        m.create_index(index(
            "indicator_freezes_root_month_key",
            F::Table,
            vec![F::RootRegionId.into_iden(), F::Month.into_iden()],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(V::Table)
                .col(pk_auto(V::Id))
                .col(integer(V::RegionId))
                .col(string_len(V::Month, 7))
                .col(string_len(V::Indicator, 40))
                .col(integer(V::Revision))
                .col(double_null(V::Value))
                .col(double_null(V::Numerator))
                .col(double_null(V::Denominator))
                .col(big_integer(V::Count))
                .col(timestamp_with_time_zone(V::RecordedAt))
                .check(("indicator_values_revision_check", Expr::col(V::Revision).gte(1)))
                .foreign_key(&mut fk(V::Table, V::RegionId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "indicator_values_region_month_key",
            V::Table,
            vec![V::RegionId.into_iden(), V::Month.into_iden(), V::Indicator.into_iden(), V::Revision.into_iden()],
            true,
        ))
        .await?;

        // The months of a pull are time ranges: each fact table gets an
        // index on the time the indicators bucket it by, so the current
        // month (computed live) reads its month only.
        m.create_index(index(
            "reports_community_created_idx",
            Reports::Table,
            vec![Reports::CommunityId.into_iden(), Reports::CreatedAt.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index("reports_resolved_idx", Reports::Table, vec![Reports::ResolvedAt.into_iden()], false))
            .await?;
        m.create_index(index("reports_rated_idx", Reports::Table, vec![Reports::RatedAt.into_iden()], false)).await?;
        m.create_index(index("votes_cast_idx", Votes::Table, vec![Votes::CastAt.into_iden()], false)).await?;
        m.create_index(index(
            "project_comments_created_idx",
            ProjectComments::Table,
            vec![ProjectComments::CreatedAt.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "project_transitions_at_idx",
            ProjectTransitions::Table,
            vec![ProjectTransitions::At.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "evaluations_created_idx",
            Evaluations::Table,
            vec![Evaluations::CreatedAt.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "service_requests_rated_idx",
            ServiceRequests::Table,
            vec![ServiceRequests::RatedAt.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "delivery_records_delivered_idx",
            DeliveryRecords::Table,
            vec![DeliveryRecords::DeliveredOn.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("reports_community_created_idx", Reports::Table.into_iden()),
            ("reports_resolved_idx", Reports::Table.into_iden()),
            ("reports_rated_idx", Reports::Table.into_iden()),
            ("votes_cast_idx", Votes::Table.into_iden()),
            ("project_comments_created_idx", ProjectComments::Table.into_iden()),
            ("project_transitions_at_idx", ProjectTransitions::Table.into_iden()),
            ("evaluations_created_idx", Evaluations::Table.into_iden()),
            ("service_requests_rated_idx", ServiceRequests::Table.into_iden()),
            ("delivery_records_delivered_idx", DeliveryRecords::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        m.drop_table(Table::drop().table(IndicatorValues::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(IndicatorFreezes::Table).to_owned()).await?;
        Ok(())
    }
}
