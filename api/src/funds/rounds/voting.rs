//! A round's voting: opening it, secret ballots, and the close that
//! decides (see [`super::decide`]).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{LedgerKind, ProjectStatus, RoundStatus};
use entity::{budget_ballot, budget_ballot_item, budget_round, budget_round_project, project};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, NotSet, PaginatorTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::funds::graphql::BudgetRound;
use crate::funds::ledger::{self, Change};
use crate::funds::lifecycle::{self, Action};
use crate::funds::policy;
use crate::funds::service::{allocation_row, fund_of};
use crate::projects::ProjectEventKind;
use crate::projects::policy::ProjectAction;
use crate::projects::service::{event as project_event, record_transition, status_hook};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

use super::*;

/// The committee opens the voting window until `closes_at`.
pub async fn start_voting(
    app: &AppState,
    p: &Principal,
    round_id: i32,
    closes_at: DateTime<Utc>,
) -> ApiResult<budget_round::Model> {
    if closes_at <= Utc::now() {
        return Err(ApiError::bad_input("closesAt", t!("funds.must_future")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = visible_round(txn, p, round_id, false).await?;
    policy::may_prepare_round(p, &r)?;
    let step = lifecycle::check_round(Action::StartVoting, r.status)?;
    let on_ballot =
        budget_round_project::Entity::find().filter(budget_round_project::Column::RoundId.eq(r.id)).count(txn).await?;
    if on_ballot == 0 {
        return Err(ApiError::bad_input("roundId", t!("funds.ballot_has_no_projects_yet")));
    }
    let changes = budget_round::ActiveModel {
        voting_opened_at: Set(Some(Utc::now())),
        voting_closes_at: Set(Some(closes_at)),
        ..Default::default()
    };
    set_status(txn, &r, RoundStatus::Voting, changes).await?;
    let after = reload(txn, r.id).await?;
    uow.commit(Audit::of::<BudgetRound>(step.verb, r.id).community(r.community_id)).await?;
    Ok(after)
}

/// A resident sets their ballot: the projects selected (empty withdraws it).
/// Returns the selected ballot lines.
pub async fn cast_ballot(
    app: &AppState,
    p: &Principal,
    round_id: i32,
    project_ids: &[i32],
) -> ApiResult<budget_round::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = visible_round(txn, p, round_id, true).await?;
    if !policy::may_vote(p, &r) {
        return Err(ApiError::forbidden(t!("funds.residents_community_vote_budget_rounds")));
    }
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("funds.people")))?;
    let open = r.status == RoundStatus::Voting && r.voting_closes_at.is_some_and(|c| Utc::now() < c);
    if !open {
        return Err(ApiError::bad_input("roundId", t!("funds.round_not_open_voting")));
    }
    let lines: HashMap<i32, budget_round_project::Model> = budget_round_project::Entity::find()
        .filter(budget_round_project::Column::RoundId.eq(r.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.project_id, l))
        .collect();
    let mut chosen = Vec::new();
    for id in project_ids {
        let line = lines.get(id).ok_or_else(|| ApiError::bad_input("projectIds", t!("funds.project_not_ballot")))?;
        if chosen.iter().any(|c: &&budget_round_project::Model| c.id == line.id) {
            return Err(ApiError::bad_input("projectIds", t!("funds.project_selected_twice")));
        }
        chosen.push(line);
    }
    let total = chosen.iter().try_fold(0i64, |sum, l| sum.checked_add(l.budget_fen));
    if total.is_none_or(|t| t > r.amount_fen) {
        return Err(ApiError::bad_input(
            "projectIds",
            match total {
                Some(total) => t!("funds.selection_over_amount", total = total, amount = r.amount_fen),
                None => t!("funds.selection_too_large", amount = r.amount_fen),
            },
        ));
    }
    // One ballot row per voter: the upsert takes its row lock, so two
    // concurrent ballots of one person replace each other in turn.
    budget_ballot::Entity::insert(budget_ballot::ActiveModel {
        id: NotSet,
        round_id: Set(r.id),
        account_id: Set(me),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([budget_ballot::Column::RoundId, budget_ballot::Column::AccountId])
            .update_column(budget_ballot::Column::UpdatedAt)
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let ballot = budget_ballot::Entity::find()
        .filter(budget_ballot::Column::RoundId.eq(r.id))
        .filter(budget_ballot::Column::AccountId.eq(me))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("ballot missing after upsert"))?;
    budget_ballot_item::Entity::delete_many()
        .filter(budget_ballot_item::Column::BallotId.eq(ballot.id))
        .exec(txn)
        .await?;
    if chosen.is_empty() {
        budget_ballot::Entity::delete_by_id(ballot.id).exec(txn).await?;
    } else {
        let items = chosen.iter().map(|l| budget_ballot_item::ActiveModel {
            id: NotSet,
            ballot_id: Set(ballot.id),
            round_project_id: Set(l.id),
        });
        budget_ballot_item::Entity::insert_many(items).exec_without_returning(txn).await?;
    }
    uow.commit_unaudited("secret ballot: an audit row would tie the voter to their choice").await?;
    Ok(r)
}

#[derive(FromQueryResult)]
pub(super) struct VoteCount {
    round_project_id: i32,
    n: i64,
}

/// The committee or the office closes the vote: counts, ranks, funds, and
/// creates the allocations (see the module docs).
pub async fn close_round(app: &AppState, p: &Principal, round_id: i32) -> ApiResult<budget_round::Model> {
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = visible_round(txn, p, round_id, false).await?;
    let f = fund_of(txn, r.fund_id).await?;
    policy::may_close_round(p, &r, &f)?;
    let step = lifecycle::check_round(Action::CloseRound, r.status)?;
    // First the status: on PostgreSQL this waits for ballots in flight
    // (they hold a share lock on the round), and later ones see CLOSED.
    set_status(txn, &r, RoundStatus::Closed, budget_round::ActiveModel { ..Default::default() }).await?;
    let lines =
        budget_round_project::Entity::find().filter(budget_round_project::Column::RoundId.eq(r.id)).all(txn).await?;
    let counts: HashMap<i32, i64> = budget_ballot_item::Entity::find()
        .select_only()
        .column(budget_ballot_item::Column::RoundProjectId)
        .expr_as(Func::count(Expr::col(budget_ballot_item::Column::Id)), "n")
        .filter(budget_ballot_item::Column::RoundProjectId.is_in(lines.iter().map(|l| l.id)))
        .group_by(budget_ballot_item::Column::RoundProjectId)
        .into_model::<VoteCount>()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.round_project_id, c.n))
        .collect();
    let ballots = budget_ballot::Entity::find().filter(budget_ballot::Column::RoundId.eq(r.id)).count(txn).await?;
    let projects: HashMap<i32, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(lines.iter().map(|l| l.project_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|pr| (pr.id, pr))
        .collect();
    let entries: Vec<Entry> = lines
        .iter()
        .map(|l| Entry {
            id: l.id,
            votes: i32::try_from(counts.get(&l.id).copied().unwrap_or(0)).unwrap_or(i32::MAX),
            budget: l.budget_fen,
            proposed_at: projects.get(&l.project_id).map_or(DateTime::UNIX_EPOCH, |pr| pr.created_at),
            project_id: l.project_id,
        })
        .collect();
    let verdicts = decide(r.amount_fen, &entries);
    // Release the reserve, then allocate to the funded projects.
    let release = Change {
        round_id: Some(r.id),
        community_id: Some(r.community_id),
        reserved: -r.amount_fen,
        ..Change::new(LedgerKind::RoundReleased, f.id, r.amount_fen)
    };
    ledger::apply(txn, p, release).await?;
    let mut funded_fen = 0i64;
    let mut funded = Vec::new();
    let mut approved = Vec::new();
    let mut hooks = Vec::new();
    for v in &verdicts {
        let Some(e) = entries.iter().find(|e| e.id == v.id) else { continue };
        budget_round_project::Entity::update_many()
            .set(budget_round_project::ActiveModel {
                votes: Set(Some(e.votes)),
                rank: Set(Some(v.rank)),
                funded: Set(Some(v.funded)),
                ..Default::default()
            })
            .filter(budget_round_project::Column::Id.eq(e.id))
            .exec(txn)
            .await?;
        if !v.funded {
            continue;
        }
        let proj = projects.get(&e.project_id).ok_or_else(|| ApiError::internal("ballot project missing"))?;
        let (a, created) = allocation_row(txn, f.id, proj, Some(r.id)).await?;
        let kind = if created { LedgerKind::AllocationMade } else { LedgerKind::AllocationChanged };
        let change = Change { round_id: Some(r.id), allocated: e.budget, ..Change::new(kind, f.id, e.budget).on(&a) };
        ledger::apply(txn, p, change).await?;
        funded_fen += e.budget;
        funded.push(json!({ "projectId": e.project_id, "budgetFen": e.budget.to_string(), "votes": e.votes }));
        // The residents decided: a funded project is approved, ready to
        // start, without a second deliberation and vote. One already
        // approved stays so; one in its own vote keeps to that vote.
        if crate::projects::lifecycle::check(ProjectAction::ApproveByRound, proj.status).is_ok() {
            let why = t!("funds.funded_by_round", title = r.title.clone()).render_current();
            let updated =
                record_transition(txn, p, proj, ProjectStatus::Approved, Some(why), Default::default()).await?;
            hooks.extend(status_hook(proj, &updated));
            approved.push(updated);
        }
    }
    let done = budget_round::ActiveModel {
        closed_at: Set(Some(Utc::now())),
        ballots_cast: Set(Some(i32::try_from(ballots).unwrap_or(i32::MAX))),
        funded_fen: Set(Some(funded_fen)),
        ..Default::default()
    };
    budget_round::Entity::update_many().set(done).filter(budget_round::Column::Id.eq(r.id)).exec(txn).await?;
    let after = reload(txn, r.id).await?;
    for h in hooks {
        uow.emit(h);
    }
    let approved_ids: Vec<i32> = approved.iter().map(|pr| pr.id).collect();
    uow.commit(Audit::of::<BudgetRound>(step.verb, r.id).community(r.community_id).details(json!({
        "ballots": ballots, "funded": funded, "fundedFen": funded_fen.to_string(), "approved": approved_ids,
    })))
    .await?
    .publish_all(&app.events, approved.iter().map(|pr| project_event(pr, ProjectEventKind::Transition)).collect())
    .await;
    Ok(after)
}

/// The viewer's own selection by round (ballot line ids). Built per request
/// for one account; it can only ever return that account's ballot.
pub struct ViewerSelectionLoader {
    pub db: crate::db::Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerSelectionLoader {
    type Value = Vec<i32>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<i32>>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let ballots: HashMap<i32, i32> = budget_ballot::Entity::find()
            .filter(budget_ballot::Column::AccountId.eq(me))
            .filter(budget_ballot::Column::RoundId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|b| (b.id, b.round_id))
            .collect();
        if ballots.is_empty() {
            return Ok(HashMap::new());
        }
        let items = budget_ballot_item::Entity::find()
            .filter(budget_ballot_item::Column::BallotId.is_in(ballots.keys().copied()))
            .all(&self.db)
            .await?;
        let mut out: HashMap<i32, Vec<i32>> = HashMap::new();
        for i in items {
            if let Some(round) = ballots.get(&i.ballot_id) {
                out.entry(*round).or_default().push(i.round_project_id);
            }
        }
        Ok(out)
    }
}
