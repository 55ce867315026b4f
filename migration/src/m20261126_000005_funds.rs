//! Special funds and participatory budgets: funds, allocations,
//! expenditures, the append-only money ledger, budget rounds, their ballots.
//!
//! The money invariants are enforced by the services' conditional updates
//! (see `api/src/funds/ledger.rs`); the CHECK constraints here are the last
//! line: a bug that slipped past them fails the transaction instead of
//! storing an overspent fund.

use sea_orm_migration::sea_orm::DbBackend;
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
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Funds {
    Table,
    Id,
    OrganisationId,
    RegionId,
    FiscalYear,
    Name,
    Purpose,
    TotalFen,
    Status,
    AllocatedFen,
    ReservedFen,
    PendingFen,
    SpentFen,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FundAllocations {
    Table,
    Id,
    FundId,
    ProjectId,
    CommunityId,
    AmountFen,
    PendingFen,
    SpentFen,
    RoundId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FundExpenditures {
    Table,
    Id,
    AllocationId,
    FundId,
    ProjectId,
    CommunityId,
    AmountFen,
    SpentOn,
    PayeeName,
    PayeeType,
    Description,
    ReceiptRef,
    Status,
    DecisionReason,
    RecordedByAccountId,
    RecordedByOrganisationId,
    DecidedByAccountId,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FundLedger {
    Table,
    Id,
    FundId,
    AllocationId,
    ExpenditureId,
    RoundId,
    ProjectId,
    CommunityId,
    Kind,
    AmountFen,
    AllocatedDelta,
    ReservedDelta,
    PendingDelta,
    SpentDelta,
    FundAllocatedAfter,
    FundReservedAfter,
    FundPendingAfter,
    FundSpentAfter,
    AllocationAmountAfter,
    AllocationPendingAfter,
    AllocationSpentAfter,
    AccountId,
    At,
}

#[derive(DeriveIden)]
enum BudgetRounds {
    Table,
    Id,
    FundId,
    CommunityId,
    Title,
    AmountFen,
    Status,
    VotingOpenedAt,
    VotingClosesAt,
    ClosedAt,
    BallotsCast,
    FundedFen,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BudgetRoundProjects {
    Table,
    Id,
    RoundId,
    ProjectId,
    BudgetFen,
    Votes,
    Rank,
    Funded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BudgetBallots {
    Table,
    Id,
    RoundId,
    AccountId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BudgetBallotItems {
    Table,
    Id,
    BallotId,
    RoundProjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use FundAllocations as A;
        use FundExpenditures as X;
        use FundLedger as L;
        m.create_table(
            Table::create()
                .table(Funds::Table)
                .col(pk_auto(Funds::Id))
                .col(integer(Funds::OrganisationId))
                .col(integer(Funds::RegionId))
                .col(integer(Funds::FiscalYear))
                .col(string_len(Funds::Name, 200))
                .col(text(Funds::Purpose))
                .col(big_integer(Funds::TotalFen))
                .col(string_len(Funds::Status, 16))
                .col(big_integer(Funds::AllocatedFen))
                .col(big_integer(Funds::ReservedFen))
                .col(big_integer(Funds::PendingFen))
                .col(big_integer(Funds::SpentFen))
                .col(timestamp_with_time_zone(Funds::CreatedAt))
                .col(timestamp_with_time_zone(Funds::UpdatedAt))
                .check((
                    "funds_balances_check",
                    Expr::col(Funds::AllocatedFen)
                        .gte(0)
                        .and(Expr::col(Funds::ReservedFen).gte(0))
                        .and(Expr::col(Funds::PendingFen).gte(0))
                        .and(Expr::col(Funds::SpentFen).gte(0))
                        .and(
                            Expr::col(Funds::AllocatedFen)
                                .add(Expr::col(Funds::ReservedFen))
                                .lte(Expr::col(Funds::TotalFen)),
                        ),
                ))
                .foreign_key(&mut fk(Funds::Table, Funds::OrganisationId, Organisations::Table, Organisations::Id))
                .foreign_key(&mut fk(Funds::Table, Funds::RegionId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_funds_region", Funds::Table, vec![Funds::RegionId.into_iden()], false)).await?;

        m.create_table(
            Table::create()
                .table(BudgetRounds::Table)
                .col(pk_auto(BudgetRounds::Id))
                .col(integer(BudgetRounds::FundId))
                .col(integer(BudgetRounds::CommunityId))
                .col(string_len(BudgetRounds::Title, 200))
                .col(big_integer(BudgetRounds::AmountFen))
                .col(string_len(BudgetRounds::Status, 16))
                .col(timestamp_with_time_zone_null(BudgetRounds::VotingOpenedAt))
                .col(timestamp_with_time_zone_null(BudgetRounds::VotingClosesAt))
                .col(timestamp_with_time_zone_null(BudgetRounds::ClosedAt))
                .col(integer_null(BudgetRounds::BallotsCast))
                .col(big_integer_null(BudgetRounds::FundedFen))
                .col(timestamp_with_time_zone(BudgetRounds::CreatedAt))
                .check(("budget_rounds_amount_check", Expr::col(BudgetRounds::AmountFen).gt(0)))
                .foreign_key(&mut fk(BudgetRounds::Table, BudgetRounds::FundId, Funds::Table, Funds::Id))
                .foreign_key(&mut fk(BudgetRounds::Table, BudgetRounds::CommunityId, Regions::Table, Regions::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_budget_rounds_community",
            BudgetRounds::Table,
            vec![BudgetRounds::CommunityId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(A::Table)
                .col(pk_auto(A::Id))
                .col(integer(A::FundId))
                .col(integer(A::ProjectId))
                .col(integer(A::CommunityId))
                .col(big_integer(A::AmountFen))
                .col(big_integer(A::PendingFen))
                .col(big_integer(A::SpentFen))
                .col(integer_null(A::RoundId))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .col(timestamp_with_time_zone(A::UpdatedAt))
                .check((
                    "fund_allocations_balances_check",
                    Expr::col(A::PendingFen)
                        .gte(0)
                        .and(Expr::col(A::SpentFen).gte(0))
                        .and(Expr::col(A::PendingFen).add(Expr::col(A::SpentFen)).lte(Expr::col(A::AmountFen))),
                ))
                .foreign_key(&mut fk(A::Table, A::FundId, Funds::Table, Funds::Id))
                .foreign_key(&mut fk(A::Table, A::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(A::Table, A::CommunityId, Regions::Table, Regions::Id))
                .foreign_key(&mut fk(A::Table, A::RoundId, BudgetRounds::Table, BudgetRounds::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "fund_allocations_fund_project_key",
            A::Table,
            vec![A::FundId.into_iden(), A::ProjectId.into_iden()],
            true,
        ))
        .await?;
        m.create_index(index("idx_fund_allocations_project", A::Table, vec![A::ProjectId.into_iden()], false)).await?;

        m.create_table(
            Table::create()
                .table(X::Table)
                .col(pk_auto(X::Id))
                .col(integer(X::AllocationId))
                .col(integer(X::FundId))
                .col(integer(X::ProjectId))
                .col(integer(X::CommunityId))
                .col(big_integer(X::AmountFen))
                .col(date(X::SpentOn))
                .col(string_len(X::PayeeName, 100))
                .col(string_len(X::PayeeType, 16))
                .col(text(X::Description))
                .col(string_len_null(X::ReceiptRef, 100))
                .col(string_len(X::Status, 16))
                .col(string_len_null(X::DecisionReason, 500))
                .col(integer(X::RecordedByAccountId))
                .col(integer(X::RecordedByOrganisationId))
                .col(integer_null(X::DecidedByAccountId))
                .col(timestamp_with_time_zone_null(X::DecidedAt))
                .col(timestamp_with_time_zone(X::CreatedAt))
                .check(("fund_expenditures_amount_check", Expr::col(X::AmountFen).gt(0)))
                .foreign_key(&mut fk(X::Table, X::AllocationId, A::Table, A::Id))
                .foreign_key(&mut fk(X::Table, X::FundId, Funds::Table, Funds::Id))
                .foreign_key(&mut fk(X::Table, X::ProjectId, Projects::Table, Projects::Id))
                .foreign_key(&mut fk(X::Table, X::RecordedByAccountId, Accounts::Table, Accounts::Id))
                .foreign_key(&mut fk(X::Table, X::RecordedByOrganisationId, Organisations::Table, Organisations::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_fund_expenditures_project", X::Table, vec![X::ProjectId.into_iden()], false)).await?;
        m.create_index(index("idx_fund_expenditures_allocation", X::Table, vec![X::AllocationId.into_iden()], false))
            .await?;

        m.create_table(
            Table::create()
                .table(L::Table)
                .col(pk_auto(L::Id))
                .col(integer(L::FundId))
                .col(integer_null(L::AllocationId))
                .col(integer_null(L::ExpenditureId))
                .col(integer_null(L::RoundId))
                .col(integer_null(L::ProjectId))
                .col(integer_null(L::CommunityId))
                .col(string_len(L::Kind, 32))
                .col(big_integer(L::AmountFen))
                .col(big_integer(L::AllocatedDelta))
                .col(big_integer(L::ReservedDelta))
                .col(big_integer(L::PendingDelta))
                .col(big_integer(L::SpentDelta))
                .col(big_integer(L::FundAllocatedAfter))
                .col(big_integer(L::FundReservedAfter))
                .col(big_integer(L::FundPendingAfter))
                .col(big_integer(L::FundSpentAfter))
                .col(big_integer_null(L::AllocationAmountAfter))
                .col(big_integer_null(L::AllocationPendingAfter))
                .col(big_integer_null(L::AllocationSpentAfter))
                .col(integer_null(L::AccountId))
                .col(timestamp_with_time_zone(L::At))
                .foreign_key(&mut fk(L::Table, L::FundId, Funds::Table, Funds::Id))
                .foreign_key(&mut fk(L::Table, L::AllocationId, A::Table, A::Id))
                .foreign_key(&mut fk(L::Table, L::ExpenditureId, X::Table, X::Id))
                .foreign_key(&mut fk(L::Table, L::RoundId, BudgetRounds::Table, BudgetRounds::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_fund_ledger_fund", L::Table, vec![L::FundId.into_iden(), L::Id.into_iden()], false))
            .await?;

        m.create_table(
            Table::create()
                .table(BudgetRoundProjects::Table)
                .col(pk_auto(BudgetRoundProjects::Id))
                .col(integer(BudgetRoundProjects::RoundId))
                .col(integer(BudgetRoundProjects::ProjectId))
                .col(big_integer(BudgetRoundProjects::BudgetFen))
                .col(integer_null(BudgetRoundProjects::Votes))
                .col(integer_null(BudgetRoundProjects::Rank))
                .col(boolean_null(BudgetRoundProjects::Funded))
                .col(timestamp_with_time_zone(BudgetRoundProjects::CreatedAt))
                .foreign_key(&mut fk(
                    BudgetRoundProjects::Table,
                    BudgetRoundProjects::RoundId,
                    BudgetRounds::Table,
                    BudgetRounds::Id,
                ))
                .foreign_key(&mut fk(
                    BudgetRoundProjects::Table,
                    BudgetRoundProjects::ProjectId,
                    Projects::Table,
                    Projects::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "budget_round_projects_round_project_key",
            BudgetRoundProjects::Table,
            vec![BudgetRoundProjects::RoundId.into_iden(), BudgetRoundProjects::ProjectId.into_iden()],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(BudgetBallots::Table)
                .col(pk_auto(BudgetBallots::Id))
                .col(integer(BudgetBallots::RoundId))
                .col(integer(BudgetBallots::AccountId))
                .col(timestamp_with_time_zone(BudgetBallots::UpdatedAt))
                .foreign_key(&mut fk(
                    BudgetBallots::Table,
                    BudgetBallots::RoundId,
                    BudgetRounds::Table,
                    BudgetRounds::Id,
                ))
                .foreign_key(&mut fk(BudgetBallots::Table, BudgetBallots::AccountId, Accounts::Table, Accounts::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "budget_ballots_round_account_key",
            BudgetBallots::Table,
            vec![BudgetBallots::RoundId.into_iden(), BudgetBallots::AccountId.into_iden()],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(BudgetBallotItems::Table)
                .col(pk_auto(BudgetBallotItems::Id))
                .col(integer(BudgetBallotItems::BallotId))
                .col(integer(BudgetBallotItems::RoundProjectId))
                .foreign_key(
                    ForeignKey::create()
                        .from(BudgetBallotItems::Table, BudgetBallotItems::BallotId)
                        .to(BudgetBallots::Table, BudgetBallots::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut fk(
                    BudgetBallotItems::Table,
                    BudgetBallotItems::RoundProjectId,
                    BudgetRoundProjects::Table,
                    BudgetRoundProjects::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "budget_ballot_items_ballot_project_key",
            BudgetBallotItems::Table,
            vec![BudgetBallotItems::BallotId.into_iden(), BudgetBallotItems::RoundProjectId.into_iden()],
            true,
        ))
        .await?;

        // The ledger is append-only, like the audit log.
        let conn = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION fund_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'fund_ledger is append-only'; END $$;
                     CREATE TRIGGER fund_ledger_no_update BEFORE UPDATE OR DELETE ON fund_ledger
                     FOR EACH ROW EXECUTE FUNCTION fund_ledger_append_only();",
                )
                .await?;
            }
            _ => {
                conn.execute_unprepared(
                    "CREATE TRIGGER fund_ledger_no_update BEFORE UPDATE ON fund_ledger
                     BEGIN SELECT RAISE(ABORT, 'fund_ledger is append-only'); END;",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER fund_ledger_no_delete BEFORE DELETE ON fund_ledger
                     BEGIN SELECT RAISE(ABORT, 'fund_ledger is append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }
}
