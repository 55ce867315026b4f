//! Fund, allocation and expenditure writes and list queries. Every write:
//! one transaction, the row loaded through its `visible_*` query (NOT_FOUND
//! otherwise), a policy check, a state check, money moved only through
//! [`ledger::apply`], one audit row, commit.
//! Expenditures are in `expenditures`.

use chrono::Utc;
use entity::enums::{FundStatus, LedgerKind, ProjectStatus, RoundStatus};
use entity::{budget_round, fund, fund_allocation, project, region};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, Select, Set, TryInsertResult,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::funds::graphql::{Fund, FundAllocation};
use crate::funds::ledger::{self, Change};
use crate::funds::lifecycle::{self, Action};
use crate::funds::{Verbs, policy};
use crate::input::{Body, Name, Reason};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

mod expenditures;

pub use expenditures::*;

/// Fiscal years a fund may be created for.
pub const FISCAL_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A fund the principal may see, else NOT_FOUND.
pub async fn visible_fund<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<fund::Model> {
    policy::visible_funds(p).filter(fund::Column::Id.eq(id)).one(conn).await?.ok_or_else(|| ApiError::not_found("Fund"))
}

/// The fund of a row the principal can see (the row's visibility grants
/// reading its fund's identity for the policy check; nothing is shown).
pub(crate) async fn fund_of<C: ConnectionTrait>(conn: &C, id: i32) -> ApiResult<fund::Model> {
    fund::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| ApiError::not_found("Fund"))
}

async fn region_path<C: ConnectionTrait>(conn: &C, id: i32, field: &str) -> ApiResult<region::Model> {
    region::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, t!("funds.no_such_region")))
}

/// Filters of the `funds` list.
#[derive(Default)]
pub struct FundList {
    pub region_id: Option<i32>,
    pub fiscal_year: Option<i32>,
    pub statuses: Option<Vec<FundStatus>>,
}

/// The funds list: the visible funds, filtered in SQL.
pub fn list(p: &Principal, f: FundList) -> Select<fund::Entity> {
    let mut q = policy::visible_funds(p);
    if let Some(r) = f.region_id {
        q = q.filter(fund::Column::RegionId.eq(r));
    }
    if let Some(y) = f.fiscal_year {
        q = q.filter(fund::Column::FiscalYear.eq(y));
    }
    if let Some(st) = f.statuses {
        q = q.filter(fund::Column::Status.is_in(st));
    }
    q
}

/// What an office fills in to create a fund.
pub struct NewFund {
    pub region_id: i32,
    pub fiscal_year: i32,
    pub name: String,
    pub purpose: String,
    pub total_fen: i64,
}

pub async fn create_fund(app: &AppState, p: &Principal, input: NewFund) -> ApiResult<fund::Model> {
    let name = Name::parse("name", &input.name)?.into_inner();
    let purpose = Body::parse("purpose", &input.purpose)?.into_inner();
    let total = ledger::amount("total", input.total_fen)?;
    if !FISCAL_YEARS.contains(&input.fiscal_year) {
        return Err(ApiError::bad_input("fiscalYear", t!("funds.must_between_2000_2100")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let region = region_path(txn, input.region_id, "regionId").await?;
    policy::may_create_fund(p, &region.path)?;
    let organisation_id = p.scope.organisation_id.ok_or_else(|| ApiError::forbidden(t!("funds.no_organisation")))?;
    let now = Utc::now();
    let f = fund::ActiveModel {
        id: NotSet,
        organisation_id: Set(organisation_id),
        region_id: Set(region.id),
        fiscal_year: Set(input.fiscal_year),
        name: Set(name),
        purpose: Set(purpose),
        total_fen: Set(total),
        status: Set(FundStatus::Open),
        allocated_fen: Set(0),
        reserved_fen: Set(0),
        pending_fen: Set(0),
        spent_fen: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<Fund>(Verbs::FundCreate, f.id).details(json!({ "totalFen": total.to_string() }))).await?;
    Ok(f)
}

/// Freeze, unfreeze or close a fund (the table in [`lifecycle::FUND`]).
pub async fn move_fund(
    app: &AppState,
    p: &Principal,
    fund_id: i32,
    action: Action,
    reason: Option<String>,
) -> ApiResult<fund::Model> {
    let reason = Reason::parse_opt("reason", reason.as_deref())?.map(Reason::into_inner);
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let f = visible_fund(txn, p, fund_id).await?;
    policy::may_manage(p, &f)?;
    let step = lifecycle::check_fund(action, f.status)?;
    let to = step.to.ok_or_else(|| ApiError::internal("fund move without a target state"))?;
    if action == Action::CloseFund {
        let open_rounds = budget_round::Entity::find()
            .filter(budget_round::Column::FundId.eq(f.id))
            .filter(budget_round::Column::Status.is_in([RoundStatus::Preparing, RoundStatus::Voting]))
            .count(txn)
            .await?;
        if f.pending_fen > 0 || open_rounds > 0 {
            return Err(ApiError::conflict(t!("funds.fund_has_pending_expenditures_open")));
        }
    }
    let mut q = fund::Entity::update_many()
        .set(fund::ActiveModel { status: Set(to), updated_at: Set(Utc::now()), ..Default::default() })
        .filter(fund::Column::Id.eq(f.id))
        .filter(fund::Column::Status.eq(f.status));
    if action == Action::CloseFund {
        // Re-checked in the statement: nothing became pending meanwhile.
        q = q.filter(fund::Column::PendingFen.eq(0));
    }
    let res = q.exec(txn).await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("funds.fund_changed_meanwhile_reload_retry")));
    }
    let after = fund_of(txn, f.id).await?;
    uow.commit(Audit::of::<Fund>(step.verb, f.id).details(json!({
        "from": lifecycle::name(f.status), "to": lifecycle::name(to), "reason": reason,
    })))
    .await?;
    Ok(after)
}

/// A project the principal may see, with its community's path.
async fn project_in_view(
    txn: &DatabaseTransaction,
    p: &Principal,
    project_id: i32,
) -> ApiResult<(project::Model, region::Model)> {
    let proj = crate::projects::policy::visible_projects(p)
        .filter(project::Column::Id.eq(project_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let community = region_path(txn, proj.community_id, "projectId").await?;
    Ok((proj, community))
}

/// The allocation of `fund` to `project`, created (empty) if there is none.
/// Concurrent creators both end up with the one row: the insert does
/// nothing on conflict and the row is read back.
pub(crate) async fn allocation_row(
    txn: &DatabaseTransaction,
    fund_id: i32,
    proj: &project::Model,
    round_id: Option<i32>,
) -> ApiResult<(fund_allocation::Model, bool)> {
    let now = Utc::now();
    let row = fund_allocation::ActiveModel {
        id: NotSet,
        fund_id: Set(fund_id),
        project_id: Set(proj.id),
        community_id: Set(proj.community_id),
        amount_fen: Set(0),
        pending_fen: Set(0),
        spent_fen: Set(0),
        round_id: Set(round_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let created = fund_allocation::Entity::insert(row)
        .on_conflict_do_nothing_on([fund_allocation::Column::FundId, fund_allocation::Column::ProjectId])
        .exec(txn)
        .await?;
    let created = matches!(created, TryInsertResult::Inserted(_));
    let a = fund_allocation::Entity::find()
        .filter(fund_allocation::Column::FundId.eq(fund_id))
        .filter(fund_allocation::Column::ProjectId.eq(proj.id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("allocation row missing after insert"))?;
    Ok((a, created))
}

/// The office allocates `amount` of an OPEN fund to an APPROVED or
/// IN_PROGRESS project in the fund's region (adding to the project's
/// allocation from this fund if it has one).
pub async fn allocate(
    app: &AppState,
    p: &Principal,
    fund_id: i32,
    project_id: i32,
    amount: i64,
) -> ApiResult<fund_allocation::Model> {
    let amount = ledger::amount("amount", amount)?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let f = visible_fund(txn, p, fund_id).await?;
    policy::may_manage(p, &f)?;
    let (proj, community) = project_in_view(txn, p, project_id).await?;
    let fund_region = region_path(txn, f.region_id, "fundId").await?;
    if !community.path.starts_with(&fund_region.path) {
        return Err(ApiError::bad_input("projectId", t!("funds.project_outside_fund_s_region")));
    }
    if !matches!(proj.status, ProjectStatus::Approved | ProjectStatus::InProgress) {
        return Err(ApiError::bad_input(
            "projectId",
            t!("funds.allocation_needs_approved", status = lifecycle::name(proj.status)),
        ));
    }
    let (a, created) = allocation_row(txn, f.id, &proj, None).await?;
    let kind = if created { LedgerKind::AllocationMade } else { LedgerKind::AllocationChanged };
    let (_, a) = ledger::apply(txn, p, Change { allocated: amount, ..Change::new(kind, f.id, amount).on(&a) }).await?;
    let a = a.ok_or_else(|| ApiError::internal("allocation missing"))?;
    // Money as a string of fen, as the `Money` scalar (64-bit safe).
    uow.emit(
        Hook::of::<FundAllocation>(EventType::FundAllocationApproved, a.id)
            .community(a.community_id)
            .with("amount", a.amount_fen.to_string()),
    );
    uow.commit(
        Audit::of::<FundAllocation>(Verbs::AllocationMake, a.id)
            .community(a.community_id)
            .details(json!({ "amountFen": amount.to_string(), "fundId": f.id, "projectId": proj.id })),
    )
    .await?;
    Ok(a)
}

/// An allocation the principal may see, with its fund.
async fn visible_allocation(
    txn: &DatabaseTransaction,
    p: &Principal,
    id: i32,
) -> ApiResult<(fund_allocation::Model, fund::Model)> {
    let a = policy::visible_allocations(p)
        .filter(fund_allocation::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("FundAllocation"))?;
    let f = fund_of(txn, a.fund_id).await?;
    Ok((a, f))
}

/// The office sets an allocation to `amount` (not below what is pending or
/// spent against it), or withdraws it down to that (`amount: None`).
pub async fn change_allocation(
    app: &AppState,
    p: &Principal,
    allocation_id: i32,
    amount: Option<i64>,
) -> ApiResult<fund_allocation::Model> {
    let amount = amount.map(|a| ledger::amount("amount", a)).transpose()?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (a, f) = visible_allocation(txn, p, allocation_id).await?;
    policy::may_manage(p, &f)?;
    let (delta, kind, verb) = match amount {
        Some(new) => (new - a.amount_fen, LedgerKind::AllocationChanged, Verbs::AllocationChange),
        None => {
            (a.pending_fen + a.spent_fen - a.amount_fen, LedgerKind::AllocationWithdrawn, Verbs::AllocationWithdraw)
        }
    };
    if delta == 0 {
        return Err(ApiError::bad_input("amount", t!("funds.allocation_already_has_amount")));
    }
    let change = Change { allocated: delta, ..Change::new(kind, f.id, delta.abs()).on(&a) };
    let (_, after) = ledger::apply(txn, p, change).await?;
    let after = after.ok_or_else(|| ApiError::internal("allocation missing"))?;
    uow.commit(
        Audit::of::<FundAllocation>(verb, a.id)
            .community(a.community_id)
            .details(json!({ "fromFen": a.amount_fen.to_string(), "toFen": after.amount_fen.to_string() })),
    )
    .await?;
    Ok(after)
}
