//! Participatory budget rounds (居民议事 deciding the money), as Decidim's
//! and CONSUL's budgets work.
//!
//! The owning office opens a round on a fund for one community with an
//! amount, which is reserved in the fund at once (so the result can always
//! be paid). The committee puts PROPOSED or APPROVED projects of the
//! community on the ballot with their budgets and opens the voting window.
//! Each resident (RESIDENT or BUILDING_HEAD of the community) selects
//! projects whose budgets together fit the round's amount (a knapsack
//! ballot), changeable until the round closes; an empty selection withdraws
//! the ballot. Ballots are secret like project votes: no audit row, and
//! counts only after the close.
//!
//! At close ([`decide`]): projects are ranked by votes (most first), ties
//! broken by the smaller budget, then the earlier proposal (then the lower
//! id). Walking down the ranking, each project with at least one vote is
//! funded if its budget fits what is left of the amount; one that no longer
//! fits is skipped and the walk goes on. The reserve is released and the
//! funded projects' allocations are created, in the same transaction.

use chrono::{DateTime, Utc};
use entity::enums::{LedgerKind, ProjectStatus, RoundStatus};
use entity::{budget_round, budget_round_project, project, region};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, NotSet, QueryFilter,
    QuerySelect, Select, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::funds::graphql::BudgetRound;
use crate::funds::ledger::{self, Change};
use crate::funds::lifecycle::{self, Action};
use crate::funds::service::{fund_of, visible_fund};
use crate::funds::{Verbs, policy};
use crate::input::Title;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

mod voting;

pub use voting::*;

/// One project on the ballot, as the rule sees it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The ballot line (round project) id.
    pub id: i32,
    pub votes: i32,
    pub budget: i64,
    pub proposed_at: DateTime<Utc>,
    pub project_id: i32,
}

/// The rule's verdict on one ballot line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub id: i32,
    /// 1 for the most votes.
    pub rank: i32,
    pub funded: bool,
}

/// The documented result rule (see the module docs).
pub fn decide(amount: i64, entries: &[Entry]) -> Vec<Verdict> {
    let mut order: Vec<&Entry> = entries.iter().collect();
    order.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(a.budget.cmp(&b.budget))
            .then(a.proposed_at.cmp(&b.proposed_at))
            .then(a.project_id.cmp(&b.project_id))
    });
    let mut left = amount;
    order
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let funded = e.votes > 0 && e.budget <= left;
            if funded {
                left -= e.budget;
            }
            Verdict { id: e.id, rank: i32::try_from(i + 1).unwrap_or(i32::MAX), funded }
        })
        .collect()
}

/// Rounds the principal may see, optionally of one community and states.
pub fn list(
    p: &Principal,
    community_id: Option<i32>,
    statuses: Option<Vec<RoundStatus>>,
) -> Select<budget_round::Entity> {
    let mut q = policy::visible_rounds(p);
    if let Some(c) = community_id {
        q = q.filter(budget_round::Column::CommunityId.eq(c));
    }
    if let Some(st) = statuses {
        q = q.filter(budget_round::Column::Status.is_in(st));
    }
    q
}

/// A round the principal may see, else NOT_FOUND; share-locked on
/// PostgreSQL when `lock` (ballots), so a close waits for ballots in flight.
async fn visible_round(
    txn: &DatabaseTransaction,
    p: &Principal,
    id: i32,
    lock: bool,
) -> ApiResult<budget_round::Model> {
    let mut q = policy::visible_rounds(p).filter(budget_round::Column::Id.eq(id));
    if lock && txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_shared();
    }
    q.one(txn).await?.ok_or_else(|| ApiError::not_found("BudgetRound"))
}

/// Move a round to `to` if it is still in `from`: of two racing moves one
/// gets CONFLICT. On PostgreSQL the update waits for ballots holding a
/// share lock on the round.
async fn set_status(
    txn: &DatabaseTransaction,
    r: &budget_round::Model,
    to: RoundStatus,
    changes: budget_round::ActiveModel,
) -> ApiResult<()> {
    let res = budget_round::Entity::update_many()
        .set(budget_round::ActiveModel { status: Set(to), ..changes })
        .filter(budget_round::Column::Id.eq(r.id))
        .filter(budget_round::Column::Status.eq(r.status))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("funds.round_changed_meanwhile_reload_retry")));
    }
    Ok(())
}

async fn reload(txn: &DatabaseTransaction, id: i32) -> ApiResult<budget_round::Model> {
    budget_round::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| ApiError::not_found("BudgetRound"))
}

/// The office opens a round on an OPEN fund for a community in the fund's
/// region, reserving `amount` of the fund.
pub async fn open_round(
    app: &AppState,
    p: &Principal,
    fund_id: i32,
    community_id: i32,
    title: &str,
    amount: i64,
) -> ApiResult<budget_round::Model> {
    let title = Title::parse("title", title)?.into_inner();
    let amount = ledger::amount("amount", amount)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let f = visible_fund(txn, p, fund_id).await?;
    policy::may_manage(p, &f)?;
    let community = crate::directory::service::community(txn, community_id, "communityId").await?;
    let fund_region =
        region::Entity::find_by_id(f.region_id).one(txn).await?.ok_or_else(|| ApiError::not_found("Region"))?;
    if !community.path.starts_with(&fund_region.path) {
        return Err(ApiError::bad_input("communityId", t!("funds.community_outside_fund_s_region")));
    }
    let r = budget_round::ActiveModel {
        id: NotSet,
        fund_id: Set(f.id),
        community_id: Set(community.id),
        title: Set(title),
        amount_fen: Set(amount),
        status: Set(RoundStatus::Preparing),
        voting_opened_at: Set(None),
        voting_closes_at: Set(None),
        closed_at: Set(None),
        ballots_cast: Set(None),
        funded_fen: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let change = Change {
        round_id: Some(r.id),
        community_id: Some(r.community_id),
        reserved: amount,
        ..Change::new(LedgerKind::RoundReserved, f.id, amount)
    };
    ledger::apply(txn, p, change).await?;
    uow.commit(
        Audit::of::<BudgetRound>(Verbs::RoundOpen, r.id)
            .community(r.community_id)
            .details(json!({ "amountFen": amount.to_string(), "fundId": f.id })),
    )
    .await?;
    Ok(r)
}

/// The committee puts a PROPOSED or APPROVED project of the community on a
/// PREPARING round's ballot, with its budget (the project's own by default).
pub async fn add_project(
    app: &AppState,
    p: &Principal,
    round_id: i32,
    project_id: i32,
    budget: Option<i64>,
) -> ApiResult<budget_round::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = visible_round(txn, p, round_id, true).await?;
    policy::may_prepare_round(p, &r)?;
    if r.status != RoundStatus::Preparing {
        return Err(ApiError::bad_input("status", t!("funds.projects_join_ballot_while_round")));
    }
    let proj = crate::projects::policy::visible_projects(p)
        .filter(project::Column::Id.eq(project_id))
        .filter(project::Column::CommunityId.eq(r.community_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    if !matches!(proj.status, ProjectStatus::Proposed | ProjectStatus::Approved) {
        return Err(ApiError::bad_input("projectId", t!("funds.proposed_approved_projects_go_ballot")));
    }
    let budget = ledger::amount("budget", budget.unwrap_or(proj.budget_fen))?;
    if budget > r.amount_fen {
        return Err(ApiError::bad_input("budget", t!("funds.budget_larger_than_round_s")));
    }
    budget_round_project::ActiveModel {
        id: NotSet,
        round_id: Set(r.id),
        project_id: Set(proj.id),
        budget_fen: Set(budget),
        votes: Set(None),
        rank: Set(None),
        funded: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        crate::error::map_unique(
            e,
            &[crate::error::Unique {
                name: "budget_round_projects_round_project_key",
                columns: "budget_round_projects.round_id, budget_round_projects.project_id",
                error: || ApiError::conflict(t!("funds.project_already_ballot")),
            }],
        )
    })?;
    uow.commit(
        Audit::of::<BudgetRound>(Verbs::RoundAddProject, r.id)
            .community(r.community_id)
            .details(json!({ "projectId": proj.id, "budgetFen": budget.to_string() })),
    )
    .await?;
    Ok(r)
}

/// The office cancels a round that has not closed; the reserve is released.
pub async fn cancel_round(app: &AppState, p: &Principal, round_id: i32) -> ApiResult<budget_round::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = visible_round(txn, p, round_id, false).await?;
    let f = fund_of(txn, r.fund_id).await?;
    policy::may_manage(p, &f)?;
    let step = lifecycle::check_round(Action::CancelRound, r.status)?;
    set_status(
        txn,
        &r,
        RoundStatus::Cancelled,
        budget_round::ActiveModel { closed_at: Set(Some(Utc::now())), ..Default::default() },
    )
    .await?;
    let release = Change {
        round_id: Some(r.id),
        community_id: Some(r.community_id),
        reserved: -r.amount_fen,
        needs_open: false,
        ..Change::new(LedgerKind::RoundReleased, f.id, r.amount_fen)
    };
    ledger::apply(txn, p, release).await?;
    let after = reload(txn, r.id).await?;
    uow.commit(Audit::of::<BudgetRound>(step.verb, r.id).community(r.community_id)).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: i32, votes: i32, budget: i64, day: u32) -> Entry {
        let proposed_at = chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .unwrap_or_default();
        Entry { id, votes, budget, proposed_at, project_id: id }
    }

    fn funded(amount: i64, entries: &[Entry]) -> Vec<i32> {
        decide(amount, entries).into_iter().filter(|v| v.funded).map(|v| v.id).collect()
    }

    #[test]
    fn funded_in_order_of_votes_while_the_amount_lasts() {
        // 100 to spend: A (9 votes, 60) fits, B (7, 50) no longer fits and is
        // skipped, C (5, 40) fits exactly.
        let entries = [e(1, 9, 60, 1), e(2, 7, 50, 1), e(3, 5, 40, 1)];
        assert_eq!(funded(100, &entries), [1, 3]);
        let ranks: Vec<_> = decide(100, &entries).into_iter().map(|v| (v.id, v.rank)).collect();
        assert_eq!(ranks, [(1, 1), (2, 2), (3, 3)]);
    }

    #[test]
    fn ties_go_to_fewer_fen_then_the_earlier_proposal() {
        // Equal votes: the cheaper first; equal budgets: the earlier.
        assert_eq!(funded(50, &[e(1, 4, 50, 1), e(2, 4, 30, 2)]), [2]);
        assert_eq!(funded(50, &[e(1, 4, 30, 2), e(2, 4, 30, 1)]), [2]);
        assert_eq!(funded(60, &[e(1, 4, 30, 2), e(2, 4, 30, 1)]), [2, 1]);
    }

    #[test]
    fn no_votes_no_money() {
        assert_eq!(funded(1_000, &[e(1, 0, 10, 1), e(2, 1, 10, 1)]), [2]);
        assert!(funded(1_000, &[]).is_empty());
    }
}
