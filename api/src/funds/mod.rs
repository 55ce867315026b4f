//! Special funds (社区治理专项资金) and participatory budgets.
//!
//! A government office owns funds for a region and fiscal year, allocates
//! them to approved projects, and approves the expenditures that the
//! projects' lead and implementing organisations record. Every change of
//! money is one append-only [`ledger`] row with the balances after it; the
//! balances on the fund and allocation rows move only together with a
//! ledger row, in the same transaction, through [`ledger::apply`], which
//! also enforces the invariants (see there). Residents decide part of a
//! fund in participatory budget [`rounds`].
//!
//! Lifecycles (tables in [`lifecycle`]): a fund is OPEN, FROZEN or CLOSED;
//! an expenditure PENDING, then APPROVED or REJECTED; a round PREPARING,
//! VOTING, then CLOSED (or CANCELLED).

pub mod graphql;
pub mod ledger;
pub mod lifecycle;
pub mod policy;
pub mod rounds;
pub mod service;

use entity::{budget_round_project, fund, fund_allocation, fund_expenditure};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What fund mutations do, as recorded in the audit log.
    pub enum Verbs {
        FundCreate = "fund.create",
        FundFreeze = "fund.freeze",
        FundUnfreeze = "fund.unfreeze",
        FundClose = "fund.close",
        AllocationMake = "allocation.make",
        AllocationChange = "allocation.change",
        AllocationWithdraw = "allocation.withdraw",
        ExpenditureRecord = "expenditure.record",
        ExpenditureApprove = "expenditure.approve",
        ExpenditureReject = "expenditure.reject",
        RoundOpen = "budget_round.open",
        RoundAddProject = "budget_round.add_project",
        RoundStartVoting = "budget_round.start_voting",
        RoundClose = "budget_round.close",
        RoundCancel = "budget_round.cancel",
    }
}

/// Tag of the loader of allocations by project (the main one is by fund).
pub struct ByProject;

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_column::<fund::Entity, Main>(fund::Column::Id, policy::visible_funds);
    l.visible_by_column::<fund_allocation::Entity, Main>(fund_allocation::Column::FundId, policy::visible_allocations);
    l.visible_by_column::<fund_allocation::Entity, ByProject>(
        fund_allocation::Column::ProjectId,
        policy::visible_allocations,
    );
    l.visible_by_column::<fund_expenditure::Entity, Main>(
        fund_expenditure::Column::ProjectId,
        policy::visible_expenditures,
    );
    l.by_column::<budget_round_project::Entity, Main>(budget_round_project::Column::RoundId);
    l.add(rounds::ViewerSelectionLoader { db: l.db.clone(), account_id: l.viewer });
}
