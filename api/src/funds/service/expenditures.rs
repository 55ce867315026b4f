//! Expenditures: recorded by implementers against an allocation, decided by
//! the owning office.

use chrono::{NaiveDate, Utc};
use entity::enums::{ExpenditureStatus, LedgerKind, PayeeType, Role};
use entity::{fund_allocation, fund_expenditure, project_participant};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::funds::graphql::FundExpenditure;
use crate::funds::ledger::{self, Change};
use crate::funds::lifecycle::{self, Action};
use crate::funds::{Verbs, policy};
use crate::input::{Body, PersonName, Reason, Reference};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

use super::*;

/// What an implementer fills in to record an expenditure.
pub struct NewExpenditure {
    pub allocation_id: i32,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub payee_name: String,
    pub payee_type: PayeeType,
    pub description: String,
    pub receipt_ref: Option<String>,
}

/// The roles of the principal's organisation in a project.
pub(super) async fn my_participation(
    txn: &DatabaseTransaction,
    p: &Principal,
    project_id: i32,
) -> ApiResult<Vec<entity::enums::ParticipationRole>> {
    let Some(o) =
        p.scope.organisation_id.filter(|_| matches!(p.role, Role::SocialOrganization | Role::PropertyCompany))
    else {
        return Ok(Vec::new());
    };
    Ok(project_participant::Entity::find()
        .filter(project_participant::Column::ProjectId.eq(project_id))
        .filter(project_participant::Column::OrganisationId.eq(o))
        .all(txn)
        .await?
        .into_iter()
        .map(|pp| pp.role)
        .collect())
}

/// The project's lead or an implementer records an expenditure (PENDING)
/// against an allocation of an OPEN fund, within what is left of it.
pub async fn record_expenditure(
    app: &AppState,
    p: &Principal,
    input: NewExpenditure,
) -> ApiResult<fund_expenditure::Model> {
    let amount = ledger::amount("amount", input.amount_fen)?;
    let payee_name = PersonName::parse("payeeName", &input.payee_name)?.into_inner();
    let description = Body::parse("description", &input.description)?.into_inner();
    let receipt_ref = Reference::parse_opt("receiptRef", input.receipt_ref.as_deref())?.map(Reference::into_inner);
    // A day of slack for clients in time zones ahead of UTC.
    if input.spent_on > Utc::now().date_naive() + chrono::Days::new(1) {
        return Err(ApiError::bad_input("spentOn", t!("funds.must_not_future")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (a, f) = visible_allocation(txn, p, input.allocation_id).await?;
    policy::may_spend(p, &my_participation(txn, p, a.project_id).await?)?;
    let organisation_id = p.scope.organisation_id.ok_or_else(|| ApiError::forbidden(t!("funds.no_organisation")))?;
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("funds.people")))?;
    let x = fund_expenditure::ActiveModel {
        id: NotSet,
        allocation_id: Set(a.id),
        fund_id: Set(f.id),
        project_id: Set(a.project_id),
        community_id: Set(a.community_id),
        amount_fen: Set(amount),
        spent_on: Set(input.spent_on),
        payee_name: Set(payee_name),
        payee_type: Set(input.payee_type),
        description: Set(description),
        receipt_ref: Set(receipt_ref),
        status: Set(ExpenditureStatus::Pending),
        decision_reason: Set(None),
        recorded_by_account_id: Set(account_id),
        recorded_by_organisation_id: Set(organisation_id),
        decided_by_account_id: Set(None),
        decided_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let change = Change {
        expenditure_id: Some(x.id),
        pending: amount,
        ..Change::new(LedgerKind::ExpenditureRecorded, f.id, amount).on(&a)
    };
    ledger::apply(txn, p, change).await?;
    uow.commit(
        Audit::of::<FundExpenditure>(Verbs::ExpenditureRecord, x.id)
            .community(x.community_id)
            .details(json!({ "amountFen": amount.to_string(), "allocationId": a.id })),
    )
    .await?;
    Ok(x)
}

/// The owning office approves (the amount counts as spent) or rejects (with
/// a reason; the amount is freed) a PENDING expenditure.
pub async fn decide_expenditure(
    app: &AppState,
    p: &Principal,
    id: i32,
    action: Action,
    reason: Option<String>,
) -> ApiResult<fund_expenditure::Model> {
    let reason = Reason::parse_opt("reason", reason.as_deref())?.map(Reason::into_inner);
    if action == Action::Reject && reason.is_none() {
        return Err(ApiError::bad_input("reason", t!("funds.rejection_needs_reason")));
    }
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let x = policy::visible_expenditures(p)
        .filter(fund_expenditure::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("FundExpenditure"))?;
    let f = fund_of(txn, x.fund_id).await?;
    policy::may_decide(p, &f, &x)?;
    let step = lifecycle::check_expenditure(action, x.status)?;
    let to = step.to.ok_or_else(|| ApiError::internal("expenditure move without a target state"))?;
    let res = fund_expenditure::Entity::update_many()
        .set(fund_expenditure::ActiveModel {
            status: Set(to),
            decision_reason: Set(reason),
            decided_by_account_id: Set(p.account_id()),
            decided_at: Set(Some(Utc::now())),
            ..Default::default()
        })
        .filter(fund_expenditure::Column::Id.eq(x.id))
        .filter(fund_expenditure::Column::Status.eq(ExpenditureStatus::Pending))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("funds.expenditure_was_decided_meanwhile_reload")));
    }
    let a = fund_allocation::Entity::find_by_id(x.allocation_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("FundAllocation"))?;
    let base = Change {
        expenditure_id: Some(x.id),
        pending: -x.amount_fen,
        ..Change::new(step_kind(action), f.id, x.amount_fen).on(&a)
    };
    let change = match action {
        Action::Approve => Change { spent: x.amount_fen, ..base },
        // Rejecting frees money; allowed on a frozen fund too.
        _ => Change { needs_open: false, ..base },
    };
    ledger::apply(txn, p, change).await?;
    let after = fund_expenditure::Entity::find_by_id(x.id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("FundExpenditure"))?;
    if action == Action::Approve {
        uow.emit(
            Hook::of::<FundExpenditure>(EventType::FundExpenditureApproved, x.id)
                .community(x.community_id)
                .with("amount", x.amount_fen.to_string()),
        );
    }
    uow.commit(Audit::of::<FundExpenditure>(step.verb, x.id).community(x.community_id)).await?;
    Ok(after)
}

pub(super) fn step_kind(action: Action) -> LedgerKind {
    if action == Action::Approve { LedgerKind::ExpenditureApproved } else { LedgerKind::ExpenditureRejected }
}
