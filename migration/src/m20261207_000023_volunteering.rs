//! Volunteering and points (issue 29): activities with capacity and a
//! waiting list, sign-ups with attendance and minutes, the community's
//! points rules, an append-only points ledger with the balance after each
//! row, per-person balances (never negative), and the points store (items
//! with stock, redemptions). The invariants are CHECK constraints as a last
//! line; the services keep them with conditional UPDATEs.

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
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VolunteerActivities {
    Table,
    Id,
    CommunityId,
    OrganiserAccountId,
    OrganisationId,
    OrganiserRole,
    Title,
    Description,
    Place,
    StartsAt,
    EndsAt,
    Capacity,
    Taken,
    PointsPerHour,
    Status,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VolunteerSignups {
    Table,
    Id,
    ActivityId,
    AccountId,
    Status,
    SharePhone,
    CheckedInAt,
    CheckedOutAt,
    Minutes,
    ConfirmedByAccountId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PointsRules {
    Table,
    Id,
    CommunityId,
    Kind,
    Points,
    DailyCap,
    MonthlyCap,
    UpdatedByAccountId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PointsBalances {
    Table,
    AccountId,
    CommunityId,
    Balance,
}

#[derive(DeriveIden)]
enum PointsLedger {
    Table,
    Id,
    AccountId,
    CommunityId,
    Kind,
    Delta,
    BalanceAfter,
    Source,
    AwardedByAccountId,
    At,
}

#[derive(DeriveIden)]
enum PointsItems {
    Table,
    Id,
    CommunityId,
    OfferedByAccountId,
    OrganisationId,
    Title,
    Description,
    Cost,
    Stock,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PointsRedemptions {
    Table,
    Id,
    ItemId,
    AccountId,
    CommunityId,
    Cost,
    Status,
    DecidedByAccountId,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use VolunteerActivities as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(pk_auto(A::Id))
                .col(integer(A::CommunityId))
                .col(integer(A::OrganiserAccountId))
                .col(integer_null(A::OrganisationId))
                .col(string_len(A::OrganiserRole, 32))
                .col(text(A::Title))
                .col(text(A::Description))
                .col(text_null(A::Place))
                .col(timestamp_with_time_zone(A::StartsAt))
                .col(timestamp_with_time_zone(A::EndsAt))
                .col(integer(A::Capacity))
                .col(integer(A::Taken).default(0))
                .col(integer_null(A::PointsPerHour))
                .col(string_len(A::Status, 16))
                .col(text_null(A::CancelReason))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .col(timestamp_with_time_zone(A::UpdatedAt))
                .check(("volunteer_activities_capacity_check", Expr::col(A::Capacity).gt(0)))
                .check((
                    "volunteer_activities_taken_check",
                    Expr::col(A::Taken).gte(0).and(Expr::col(A::Taken).lte(Expr::col(A::Capacity))),
                ))
                .check(("volunteer_activities_times_check", Expr::col(A::EndsAt).gt(Expr::col(A::StartsAt))))
                .foreign_key(&mut fk(A::Table, A::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(A::Table, A::OrganiserAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(A::Table, A::OrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_volunteer_activities_community",
            A::Table,
            vec![A::CommunityId.into_iden(), A::StartsAt.into_iden()],
            false,
        ))
        .await?;

        use VolunteerSignups as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::ActivityId))
                .col(integer(S::AccountId))
                .col(string_len(S::Status, 16))
                .col(boolean(S::SharePhone).default(false))
                .col(timestamp_with_time_zone_null(S::CheckedInAt))
                .col(timestamp_with_time_zone_null(S::CheckedOutAt))
                .col(integer_null(S::Minutes))
                .col(integer_null(S::ConfirmedByAccountId))
                .col(timestamp_with_time_zone(S::CreatedAt))
                .col(timestamp_with_time_zone(S::UpdatedAt))
                .check(("volunteer_signups_minutes_check", Expr::col(S::Minutes).gte(0)))
                .foreign_key(&mut fk(S::Table, S::ActivityId, A::Table, A::Id))
                .foreign_key(&mut fk(S::Table, S::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "volunteer_signups_once",
            S::Table,
            vec![S::ActivityId.into_iden(), S::AccountId.into_iden()],
            true,
        ))
        .await?;
        m.create_index(index("idx_volunteer_signups_account", S::Table, vec![S::AccountId.into_iden()], false)).await?;

        use PointsRules as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_auto(R::Id))
                .col(integer(R::CommunityId))
                .col(string_len(R::Kind, 24))
                .col(integer(R::Points))
                .col(integer_null(R::DailyCap))
                .col(integer_null(R::MonthlyCap))
                .col(integer_null(R::UpdatedByAccountId))
                .col(timestamp_with_time_zone(R::UpdatedAt))
                .check(("points_rules_points_check", Expr::col(R::Points).gte(0)))
                .foreign_key(&mut fk(R::Table, R::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "points_rules_once",
            R::Table,
            vec![R::CommunityId.into_iden(), R::Kind.into_iden()],
            true,
        ))
        .await?;

        use PointsBalances as B;
        m.create_table(
            Table::create()
                .table(B::Table)
                .col(integer(B::AccountId))
                .col(integer(B::CommunityId))
                .col(big_integer(B::Balance).default(0))
                .primary_key(Index::create().col(B::AccountId).col(B::CommunityId))
                .check(("points_balances_balance_check", Expr::col(B::Balance).gte(0)))
                .foreign_key(&mut fk(B::Table, B::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(B::Table, B::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;

        use PointsLedger as L;
        m.create_table(
            Table::create()
                .table(L::Table)
                .col(pk_auto(L::Id))
                .col(integer(L::AccountId))
                .col(integer(L::CommunityId))
                .col(string_len(L::Kind, 24))
                .col(big_integer(L::Delta))
                .col(big_integer(L::BalanceAfter))
                .col(string_len(L::Source, 64))
                .col(integer_null(L::AwardedByAccountId))
                .col(timestamp_with_time_zone(L::At))
                .check(("points_ledger_delta_check", Expr::col(L::Delta).ne(0)))
                .check(("points_ledger_balance_check", Expr::col(L::BalanceAfter).gte(0)))
                .foreign_key(&mut fk(L::Table, L::AccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(L::Table, L::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        // One row per source: an award or a redemption is never booked twice.
        m.create_index(index("points_ledger_source_once", L::Table, vec![L::Source.into_iden()], true)).await?;
        m.create_index(index(
            "idx_points_ledger_account",
            L::Table,
            vec![L::AccountId.into_iden(), L::CommunityId.into_iden(), L::Id.into_iden()],
            false,
        ))
        .await?;

        use PointsItems as I;
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(pk_auto(I::Id))
                .col(integer(I::CommunityId))
                .col(integer(I::OfferedByAccountId))
                .col(integer_null(I::OrganisationId))
                .col(text(I::Title))
                .col(text_null(I::Description))
                .col(integer(I::Cost))
                .col(integer(I::Stock))
                .col(boolean(I::Active).default(true))
                .col(timestamp_with_time_zone(I::CreatedAt))
                .col(timestamp_with_time_zone(I::UpdatedAt))
                .check(("points_items_cost_check", Expr::col(I::Cost).gt(0)))
                .check(("points_items_stock_check", Expr::col(I::Stock).gte(0)))
                .foreign_key(&mut fk(I::Table, I::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(I::Table, I::OfferedByAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(I::Table, I::OrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;

        use PointsRedemptions as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .col(pk_auto(D::Id))
                .col(integer(D::ItemId))
                .col(integer(D::AccountId))
                .col(integer(D::CommunityId))
                .col(integer(D::Cost))
                .col(string_len(D::Status, 16))
                .col(integer_null(D::DecidedByAccountId))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .col(timestamp_with_time_zone(D::UpdatedAt))
                .foreign_key(&mut fk(D::Table, D::ItemId, I::Table, I::Id))
                .foreign_key(&mut fk(D::Table, D::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_points_redemptions_item", D::Table, vec![D::ItemId.into_iden()], false)).await?;
        m.create_index(index("idx_points_redemptions_account", D::Table, vec![D::AccountId.into_iden()], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PointsRedemptions::Table.into_iden(),
            PointsItems::Table.into_iden(),
            PointsLedger::Table.into_iden(),
            PointsBalances::Table.into_iden(),
            PointsRules::Table.into_iden(),
            VolunteerSignups::Table.into_iden(),
            VolunteerActivities::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
