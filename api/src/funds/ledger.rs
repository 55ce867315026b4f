//! The money ledger: the one place where balances change.
//!
//! [`apply`] moves a fund's (and an allocation's) balances by the deltas of
//! one [`Change`] and appends the ledger row recording them with the
//! balances after it, in the caller's transaction. The invariants are
//! conditions of the UPDATE statements themselves:
//!
//! - a fund: `allocated + reserved <= total`, and it must be OPEN for any
//!   change that needs it (new allocations, expenditures, approvals);
//! - an allocation: `pending + spent <= amount`, none negative.
//!
//! A conditional UPDATE is atomic on both engines. On PostgreSQL a second
//! transaction updating the same row waits for the first to commit and then
//! re-evaluates the WHERE clause against the committed row (READ COMMITTED),
//! so two requests can never both take the last fen; on SQLite writes are
//! serialised by the single write connection. Rows are always updated fund
//! first, then allocation, so concurrent changes cannot deadlock. A change
//! that would break an invariant updates no row: the caller gets CONFLICT
//! with the remaining balance, and the transaction (dropped) changes nothing.
//! The database's CHECK constraints repeat the invariants as a last line.

use chrono::Utc;
use entity::enums::{FundStatus, LedgerKind};
use entity::{fund, fund_allocation, fund_ledger};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// The largest amount one request may move (10^15 fen = 10 trillion yuan):
/// sums of many such amounts stay far inside 64 bits.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;

/// A positive amount within [`MAX_AMOUNT_FEN`], else BAD_USER_INPUT on `field`.
pub fn amount(field: &str, fen: i64) -> ApiResult<i64> {
    if fen <= 0 {
        return Err(ApiError::bad_input(field, t!("funds.must_positive_number_fen")));
    }
    if fen > MAX_AMOUNT_FEN {
        return Err(ApiError::bad_input(field, t!("funds.amount_at_most", max = MAX_AMOUNT_FEN)));
    }
    Ok(fen)
}

/// One change of money.
#[derive(Clone, Debug)]
pub struct Change {
    pub kind: LedgerKind,
    pub fund_id: i32,
    pub allocation_id: Option<i32>,
    pub expenditure_id: Option<i32>,
    pub round_id: Option<i32>,
    pub project_id: Option<i32>,
    pub community_id: Option<i32>,
    /// The amount the entry is about (positive).
    pub amount: i64,
    /// Delta of the fund's allocated sum and of the allocation's amount.
    pub allocated: i64,
    /// Delta of the fund's reserve for rounds.
    pub reserved: i64,
    /// Delta of pending expenditures (fund and allocation).
    pub pending: i64,
    /// Delta of approved expenditures (fund and allocation).
    pub spent: i64,
    /// The fund must be OPEN.
    pub needs_open: bool,
}

impl Change {
    /// A change of `kind` about `amount` on the fund, no deltas yet.
    pub fn new(kind: LedgerKind, fund_id: i32, amount: i64) -> Self {
        Self {
            kind,
            fund_id,
            allocation_id: None,
            expenditure_id: None,
            round_id: None,
            project_id: None,
            community_id: None,
            amount,
            allocated: 0,
            reserved: 0,
            pending: 0,
            spent: 0,
            needs_open: true,
        }
    }

    /// The change concerns this allocation (its project and community too).
    pub fn on(mut self, a: &fund_allocation::Model) -> Self {
        self.allocation_id = Some(a.id);
        self.project_id = Some(a.project_id);
        self.community_id = Some(a.community_id);
        self
    }
}

/// The fund's uncommitted balance: what may still be allocated or reserved.
pub fn fund_remaining(f: &fund::Model) -> i64 {
    f.total_fen - f.allocated_fen - f.reserved_fen
}

/// The allocation's balance: what may still be recorded against it.
pub fn allocation_remaining(a: &fund_allocation::Model) -> i64 {
    a.amount_fen - a.pending_fen - a.spent_fen
}

/// Apply `c` (see the module docs) and append its ledger row; returns the
/// fund and allocation after it.
pub async fn apply(
    txn: &DatabaseTransaction,
    p: &Principal,
    c: Change,
) -> ApiResult<(fund::Model, Option<fund_allocation::Model>)> {
    use fund::Column as F;
    let now = Utc::now();
    let mut q = fund::Entity::update_many()
        .col_expr(F::AllocatedFen, Expr::col(F::AllocatedFen).add(c.allocated))
        .col_expr(F::ReservedFen, Expr::col(F::ReservedFen).add(c.reserved))
        .col_expr(F::PendingFen, Expr::col(F::PendingFen).add(c.pending))
        .col_expr(F::SpentFen, Expr::col(F::SpentFen).add(c.spent))
        .col_expr(F::UpdatedAt, Expr::val(now))
        .filter(F::Id.eq(c.fund_id))
        .filter(
            Expr::col(F::AllocatedFen)
                .add(Expr::col(F::ReservedFen))
                .add(c.allocated + c.reserved)
                .lte(Expr::col(F::TotalFen)),
        )
        .filter(Expr::col(F::ReservedFen).add(c.reserved).gte(0));
    if c.needs_open {
        q = q.filter(F::Status.eq(FundStatus::Open));
    }
    if q.exec(txn).await?.rows_affected != 1 {
        let f = fund::Entity::find_by_id(c.fund_id).one(txn).await?.ok_or_else(|| ApiError::not_found("Fund"))?;
        if c.needs_open && f.status != FundStatus::Open {
            return Err(ApiError::conflict(t!("funds.fund_not_open", status = super::lifecycle::name(f.status))));
        }
        return Err(ApiError::Insufficient {
            message: t!("funds.fund_has_only", left = fund_remaining(&f)),
            balance: "FUND",
            remaining: fund_remaining(&f),
        });
    }
    let alloc = match c.allocation_id {
        None => None,
        Some(id) => {
            use fund_allocation::Column as A;
            let res = fund_allocation::Entity::update_many()
                .col_expr(A::AmountFen, Expr::col(A::AmountFen).add(c.allocated))
                .col_expr(A::PendingFen, Expr::col(A::PendingFen).add(c.pending))
                .col_expr(A::SpentFen, Expr::col(A::SpentFen).add(c.spent))
                .col_expr(A::UpdatedAt, Expr::val(now))
                .filter(A::Id.eq(id))
                .filter(
                    Expr::col(A::PendingFen)
                        .add(Expr::col(A::SpentFen))
                        .add(c.pending + c.spent)
                        .lte(Expr::col(A::AmountFen).add(c.allocated)),
                )
                .filter(Expr::col(A::PendingFen).add(c.pending).gte(0))
                .filter(Expr::col(A::SpentFen).add(c.spent).gte(0))
                .exec(txn)
                .await?;
            let a = fund_allocation::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| ApiError::not_found("FundAllocation"))?;
            if res.rows_affected != 1 {
                let left = allocation_remaining(&a);
                let message = if c.allocated < 0 {
                    t!("funds.allocation_below_spent", left = left)
                } else {
                    t!("funds.allocation_has_only", left = left)
                };
                return Err(ApiError::Insufficient { message, balance: "ALLOCATION", remaining: left });
            }
            Some(a)
        }
    };
    let f = fund::Entity::find_by_id(c.fund_id).one(txn).await?.ok_or_else(|| ApiError::not_found("Fund"))?;
    fund_ledger::ActiveModel {
        id: NotSet,
        fund_id: Set(c.fund_id),
        allocation_id: Set(c.allocation_id),
        expenditure_id: Set(c.expenditure_id),
        round_id: Set(c.round_id),
        project_id: Set(c.project_id),
        community_id: Set(c.community_id),
        kind: Set(c.kind),
        amount_fen: Set(c.amount),
        allocated_delta: Set(c.allocated),
        reserved_delta: Set(c.reserved),
        pending_delta: Set(c.pending),
        spent_delta: Set(c.spent),
        fund_allocated_after: Set(f.allocated_fen),
        fund_reserved_after: Set(f.reserved_fen),
        fund_pending_after: Set(f.pending_fen),
        fund_spent_after: Set(f.spent_fen),
        allocation_amount_after: Set(alloc.as_ref().map(|a| a.amount_fen)),
        allocation_pending_after: Set(alloc.as_ref().map(|a| a.pending_fen)),
        allocation_spent_after: Set(alloc.as_ref().map(|a| a.spent_fen)),
        account_id: Set(p.account_id()),
        at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok((f, alloc))
}
