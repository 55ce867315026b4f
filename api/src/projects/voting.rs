//! Voting and evaluation. A vote runs in a window opened by the committee;
//! each eligible resident (RESIDENT or BUILDING_HEAD of the community) has
//! one ballot, changeable until the window closes. The database enforces one
//! ballot per person and project (unique index + upsert), so concurrent
//! requests can never count twice.
//!
//! When the committee closes the vote the tally is frozen and the outcome
//! computed:
//! - quorum: at least `quorum_percent` % of the registered residents voted
//!   (YES, NO and ABSTAIN all count towards turnout);
//! - approval: YES is *more than* `threshold_percent` % of YES + NO
//!   (abstentions do not count). With the default 50 % that is a simple
//!   majority: a tie fails.
//!
//! No votes at all: the quorum fails (unless it is 0 %, then the threshold
//! fails).
//!
//! The ballot is secret, also against inference: the API exposes only
//! counts and the viewer's own choice; a ballot writes no audit row (see
//! [`cast_vote`]); and whether counts are shown while the vote is open is
//! copied from the community's settings when the vote opens and cannot
//! change until it closes, so nobody can read the counts just before and
//! just after one person's ballot.

use chrono::{DateTime, Utc};
use entity::enums::{PointsKind, ProjectStatus, Role, VoteChoice, VoteOutcome};
use entity::{community_setting, evaluation, membership, project, vote};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, NotSet, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::graphql::Project;
use super::policy::{self, ProjectAction};
use super::service::{event, load, record_transition, wrong_state};
use super::{ProjectEventKind, Verbs, lifecycle};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// Default share of registered residents that must vote (percent).
pub const DEFAULT_QUORUM_PERCENT: i32 = 20;
/// Default share of YES among YES+NO that must be exceeded (percent).
pub const DEFAULT_THRESHOLD_PERCENT: i32 = 50;

/// Deliberation rules of a community (defaults when none are stored).
pub async fn settings<C: ConnectionTrait>(conn: &C, community_id: i32) -> ApiResult<community_setting::Model> {
    Ok(community_setting::Entity::find_by_id(community_id).one(conn).await?.unwrap_or(community_setting::Model {
        community_id,
        quorum_percent: DEFAULT_QUORUM_PERCENT,
        threshold_percent: DEFAULT_THRESHOLD_PERCENT,
        live_tally: false,
        endorsement_required: false,
    }))
}

/// A community's deliberation rules as the committee sets them.
pub struct NewSettings {
    pub quorum_percent: i32,
    pub threshold_percent: i32,
    pub live_tally: bool,
    /// `None`: as it was (clients written before the setting existed).
    pub endorsement_required: Option<bool>,
}

pub async fn update_settings(
    app: &AppState,
    p: &Principal,
    community_id: i32,
    new: NewSettings,
) -> ApiResult<community_setting::Model> {
    let NewSettings { quorum_percent, threshold_percent, live_tally, endorsement_required } = new;
    policy::may_manage_community(p, community_id)?;
    if !(0..=100).contains(&quorum_percent) {
        return Err(ApiError::bad_input("quorumPercent", t!("projects.must_between_0_100")));
    }
    if !(0..=99).contains(&threshold_percent) {
        return Err(ApiError::bad_input("thresholdPercent", t!("projects.must_between_0_99")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    crate::directory::service::community(txn, community_id, "communityId").await?;
    let endorsement_required = match endorsement_required {
        Some(e) => e,
        None => settings(txn, community_id).await?.endorsement_required,
    };
    let row = community_setting::ActiveModel {
        community_id: Set(community_id),
        quorum_percent: Set(quorum_percent),
        threshold_percent: Set(threshold_percent),
        live_tally: Set(live_tally),
        endorsement_required: Set(endorsement_required),
    };
    community_setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(community_setting::Column::CommunityId)
                .update_columns([
                    community_setting::Column::QuorumPercent,
                    community_setting::Column::ThresholdPercent,
                    community_setting::Column::LiveTally,
                    community_setting::Column::EndorsementRequired,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    let saved = settings(txn, community_id).await?;
    uow.commit(Audit::of::<crate::directory::graphql::Region>(Verbs::CommunityUpdateSettings, community_id).community(Some(community_id)).details(
            json!({ "quorumPercent": quorum_percent, "thresholdPercent": threshold_percent, "liveTally": live_tally, "endorsementRequired": endorsement_required }),
        ),
    ).await?;
    Ok(saved)
}

/// Counts of a vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// YES ballots.
    pub yes: i32,
    /// NO ballots.
    pub no: i32,
    /// ABSTAIN ballots.
    pub abstain: i32,
}

#[derive(FromQueryResult)]
struct ChoiceCount {
    project_id: i32,
    choice: VoteChoice,
    n: i64,
}

/// Live tallies of several projects in one statement.
pub async fn live_tallies<C: ConnectionTrait>(
    conn: &C,
    project_ids: &[i32],
) -> ApiResult<std::collections::HashMap<i32, Tally>> {
    let rows = vote::Entity::find()
        .select_only()
        .column(vote::Column::ProjectId)
        .column(vote::Column::Choice)
        .expr_as(Func::count(Expr::col(vote::Column::Id)), "n")
        .filter(vote::Column::ProjectId.is_in(project_ids.iter().copied()))
        .group_by(vote::Column::ProjectId)
        .group_by(vote::Column::Choice)
        .into_model::<ChoiceCount>()
        .all(conn)
        .await?;
    let mut out: std::collections::HashMap<i32, Tally> = project_ids.iter().map(|&id| (id, Tally::default())).collect();
    for r in rows {
        let t = out.entry(r.project_id).or_default();
        let n = i32::try_from(r.n).unwrap_or(i32::MAX);
        match r.choice {
            VoteChoice::Yes => t.yes = n,
            VoteChoice::No => t.no = n,
            VoteChoice::Abstain => t.abstain = n,
        }
    }
    Ok(out)
}

/// Registered residents of a community: the quorum base.
pub async fn eligible_voters<C: ConnectionTrait>(conn: &C, community_id: i32) -> ApiResult<i32> {
    let n = membership::Entity::find()
        .select_only()
        .column(membership::Column::AccountId)
        .distinct()
        .filter(membership::Column::RegionId.eq(community_id))
        .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
        .count(conn)
        .await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The documented outcome rule (see the module docs).
pub fn outcome(t: Tally, eligible: i32, quorum_percent: i32, threshold_percent: i32) -> VoteOutcome {
    let turnout = i64::from(t.yes) + i64::from(t.no) + i64::from(t.abstain);
    let quorum_met = turnout > 0 && turnout * 100 >= i64::from(quorum_percent) * i64::from(eligible);
    let quorum_met = quorum_met || quorum_percent == 0;
    if !quorum_met {
        return VoteOutcome::FailedQuorum;
    }
    let decided = i64::from(t.yes) + i64::from(t.no);
    if i64::from(t.yes) * 100 > i64::from(threshold_percent) * decided {
        VoteOutcome::Passed
    } else {
        VoteOutcome::FailedThreshold
    }
}

/// Committee: open the voting window (DELIBERATING → VOTING).
pub async fn open_voting(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    closes_at: DateTime<Utc>,
) -> ApiResult<project::Model> {
    if closes_at <= Utc::now() {
        return Err(ApiError::bad_input("closesAt", t!("projects.must_future")));
    }
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::OpenVoting, &facts)?;
    let step = lifecycle::check(ProjectAction::OpenVoting, proj.status)?;
    // The live-tally setting is copied onto the vote and fixed for its
    // window (see the secret-ballot notes in the module docs).
    let live_tally = settings(txn, proj.community_id).await?.live_tally;
    let changes = project::ActiveModel {
        voting_opened_at: Set(Some(Utc::now())),
        voting_closes_at: Set(Some(closes_at)),
        voting_live_tally: Set(Some(live_tally)),
        ..Default::default()
    };
    let updated = record_transition(txn, p, &proj, step.to.unwrap_or(proj.status), None, changes).await?;
    if let Some(h) = crate::projects::service::status_hook(&proj, &updated) {
        uow.emit(h);
    }
    uow.emit(Hook::of::<Project>(EventType::VotingOpened, proj.id).community(proj.community_id));
    uow.commit(
        Audit::of::<Project>(step.verb, proj.id)
            .community(proj.community_id)
            .details(json!({ "closesAt": closes_at, "liveTally": live_tally })),
    )
    .await?
    .publish(&app.events, event(&updated, step.event))
    .await;
    Ok(updated)
}

/// Committee: close the vote, freeze the tally, compute the outcome. The
/// project stays VOTING until the office approves or rejects it.
pub async fn close_voting(app: &AppState, p: &Principal, project_id: i32) -> ApiResult<project::Model> {
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, false).await?;
    policy::authorize_project(p, ProjectAction::CloseVoting, &facts)?;
    let step = lifecycle::check(ProjectAction::CloseVoting, proj.status)?;
    if proj.voting_closed_at.is_some() {
        return Err(ApiError::bad_input("status", t!("projects.voting_not_open_project")));
    }
    let now = Utc::now();
    // Mark closed first: on PostgreSQL this UPDATE waits for ballots being
    // cast (they hold a share lock on the project row) and makes later ones
    // see the vote closed, so the frozen tally is exactly the counted ballots.
    let res = project::Entity::update_many()
        .col_expr(project::Column::VotingClosedAt, Expr::value(Some(now)))
        .filter(project::Column::Id.eq(proj.id))
        .filter(project::Column::VotingClosedAt.is_null())
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("projects.voting_was_closed_meanwhile")));
    }
    let tally = live_tallies(txn, &[proj.id]).await?.get(&proj.id).copied().unwrap_or_default();
    let eligible = eligible_voters(txn, proj.community_id).await?;
    let rules = settings(txn, proj.community_id).await?;
    let result = outcome(tally, eligible, rules.quorum_percent, rules.threshold_percent);
    let changes = project::ActiveModel {
        tally_yes: Set(Some(tally.yes)),
        tally_no: Set(Some(tally.no)),
        tally_abstain: Set(Some(tally.abstain)),
        tally_eligible: Set(Some(eligible)),
        outcome: Set(Some(result)),
        updated_at: Set(now),
        ..Default::default()
    };
    project::Entity::update_many().set(changes).filter(project::Column::Id.eq(proj.id)).exec(txn).await?;
    // Points for taking part, to every voter at once, now that the vote is closed.
    let voters: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::AccountId)
        .filter(vote::Column::ProjectId.eq(proj.id))
        .into_tuple()
        .all(txn)
        .await?;
    let source = format!("vote:{}", proj.id);
    crate::volunteering::points::award_each(txn, proj.community_id, PointsKind::VoteCast, &voters, &source, None)
        .await?;
    let updated = project::Entity::find_by_id(proj.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Project"))?;
    let counts =
        json!({ "yes": tally.yes, "no": tally.no, "abstain": tally.abstain, "eligible": eligible, "outcome": result });
    uow.emit(
        Hook::of::<Project>(EventType::VotingClosed, proj.id)
            .community(proj.community_id)
            .with("status", serde_json::to_value(updated.status).unwrap_or_default())
            .with("yes", tally.yes)
            .with("no", tally.no)
            .with("abstain", tally.abstain)
            .with("eligible", eligible)
            .with("outcome", serde_json::to_value(result).unwrap_or_default()),
    );
    uow.commit(Audit::of::<Project>(step.verb, proj.id).community(proj.community_id).details(counts))
        .await?
        .publish(&app.events, event(&updated, step.event))
        .await;
    Ok(updated)
}

/// Office: approve (only a passed vote) or reject after the vote closed.
pub async fn decide(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    approve: bool,
    reason: Option<String>,
) -> ApiResult<project::Model> {
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .map(|r| crate::input::Reason::parse("reason", &r).map(crate::input::Reason::into_inner))
        .transpose()?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    let action = if approve { ProjectAction::Approve } else { ProjectAction::Reject };
    policy::authorize_project(p, action, &facts)?;
    let step = lifecycle::check(action, proj.status)?;
    if proj.voting_closed_at.is_none() {
        return Err(ApiError::bad_input("status", t!("projects.project_decided_after_vote_has")));
    }
    if approve && proj.outcome != Some(VoteOutcome::Passed) {
        return Err(ApiError::bad_input("status", t!("projects.approval_not_overrule_failed_vote")));
    }
    if approve
        && settings(txn, proj.community_id).await?.endorsement_required
        && !crate::projects::service::endorsed(txn, proj.id).await?
    {
        return Err(ApiError::bad_input("status", t!("projects.awaits_endorsement")));
    }
    let updated = record_transition(txn, p, &proj, step.to.unwrap_or(proj.status), reason, Default::default()).await?;
    if let Some(h) = crate::projects::service::status_hook(&proj, &updated) {
        uow.emit(h);
    }
    uow.commit(Audit::of::<Project>(step.verb, proj.id).community(proj.community_id))
        .await?
        .publish(&app.events, event(&updated, step.event))
        .await;
    Ok(updated)
}

/// Resident: cast or change a ballot while the window is open.
pub async fn cast_vote(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    choice: VoteChoice,
) -> ApiResult<project::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::Vote, &facts)?;
    let open = proj.status == ProjectStatus::Voting
        && proj.voting_closed_at.is_none()
        && proj.voting_closes_at.is_some_and(|c| c > Utc::now());
    if !open {
        return Err(ApiError::bad_input("projectId", t!("projects.voting_not_open_project")));
    }
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("projects.residents_vote")))?;
    let now = Utc::now();
    let ballot = vote::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        account_id: Set(account_id),
        choice: Set(choice),
        cast_at: Set(now),
        updated_at: Set(now),
    };
    vote::Entity::insert(ballot)
        .on_conflict(
            OnConflict::columns([vote::Column::ProjectId, vote::Column::AccountId])
                .update_columns([vote::Column::Choice, vote::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    // Deliberately no audit row: a ballot is the one write that is not
    // logged one by one. Even without actor or role, a row's time and its
    // place in the ordered log next to the voter's other actions (a login, a
    // comment) would tie a person to the moment a count changed. The ballot
    // table (which no API exposes) is the record; `closeVoting` logs the
    // frozen counts.
    let committed = uow.commit_unaudited("a secret ballot").await?;
    if proj.voting_live_tally == Some(true) {
        committed.publish(&app.events, event(&proj, ProjectEventKind::Tally)).await;
    }
    Ok(proj)
}

/// Resident: rate a completed project (1–5), editable until evaluation closes.
pub async fn evaluate(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    rating: i32,
    comment: Option<String>,
) -> ApiResult<evaluation::Model> {
    if !(1..=5).contains(&rating) {
        return Err(ApiError::bad_input("rating", t!("projects.must_between_1_5")));
    }
    let comment = comment
        .filter(|c| !c.trim().is_empty())
        .map(|c| crate::input::Remark::parse("comment", &c).map(crate::input::Remark::into_inner))
        .transpose()?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::Evaluate, &facts)?;
    if proj.status != ProjectStatus::Completed {
        return Err(wrong_state(ProjectAction::Evaluate, proj.status));
    }
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("projects.residents_evaluate")))?;
    let now = Utc::now();
    let row = evaluation::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        account_id: Set(account_id),
        rating: Set(rating),
        comment: Set(comment),
        created_at: Set(now),
        updated_at: Set(now),
    };
    evaluation::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([evaluation::Column::ProjectId, evaluation::Column::AccountId])
                .update_columns([
                    evaluation::Column::Rating,
                    evaluation::Column::Comment,
                    evaluation::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    let saved = evaluation::Entity::find()
        .filter(evaluation::Column::ProjectId.eq(proj.id))
        .filter(evaluation::Column::AccountId.eq(account_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("evaluation vanished"))?;
    uow.commit(Audit::of::<Project>(Verbs::ProjectEvaluate, proj.id).community(proj.community_id))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Evaluation))
        .await;
    Ok(saved)
}
