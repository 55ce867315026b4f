//! Funds, allocations and expenditures: the mutations of money.

use async_graphql::{Context, ID, InputObject, Object};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::funds::lifecycle::Action;
use crate::funds::service;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::{Date, Money};
use crate::projects::graphql::Project;

use super::*;

/// The input of `createFund`.
#[derive(InputObject)]
pub struct CreateFundInput {
    /// The region whose projects it pays for: the office's own or one under it (global id).
    pub region_id: ID,
    /// The fiscal year (2000–2100).
    pub fiscal_year: i32,
    /// The name.
    pub name: String,
    /// What the money is for.
    pub purpose: String,
    /// The total, in fen (positive, at most 10^15).
    pub total: Money,
}

/// A move of a fund's status.
#[derive(InputObject)]
pub struct FundTransitionInput {
    /// The fund (global id).
    pub fund_id: ID,
    /// Why, recorded in the audit log.
    pub reason: Option<String>,
}

/// The input of `allocateFunds`.
#[derive(InputObject)]
pub struct AllocateFundsInput {
    /// The fund (global id).
    pub fund_id: ID,
    /// An APPROVED or IN_PROGRESS project in the fund's region (global id).
    pub project_id: ID,
    /// The amount, in fen (positive); added to the project's allocation from this fund if it has one.
    pub amount: Money,
}

/// The input of `changeAllocation`.
#[derive(InputObject)]
pub struct ChangeAllocationInput {
    /// The allocation (global id).
    pub allocation_id: ID,
    /// The new amount, in fen: not below what is pending or spent against it.
    pub amount: Money,
}

/// The input of `withdrawAllocation`.
#[derive(InputObject)]
pub struct WithdrawAllocationInput {
    /// The allocation (global id); its amount goes down to what is pending or spent.
    pub allocation_id: ID,
}

/// The input of `recordExpenditure`.
#[derive(InputObject)]
pub struct RecordExpenditureInput {
    /// The allocation it is spent against (global id).
    pub allocation_id: ID,
    /// The amount, in fen (positive).
    pub amount: Money,
    /// When the money was spent (not in the future).
    pub spent_on: Date,
    /// Who was paid.
    pub payee_name: String,
    /// What kind of payee.
    pub payee_type: PayeeType,
    /// What the money paid for.
    pub description: String,
    /// A receipt or invoice number.
    pub receipt_ref: Option<String>,
}

/// The input of `approveExpenditure` and `rejectExpenditure`.
#[derive(InputObject)]
pub struct DecideExpenditureInput {
    /// The expenditure (global id).
    pub expenditure_id: ID,
    /// Why (required to reject).
    pub reason: Option<String>,
}

pub(super) fn fund_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Fund>(id, "fundId")
}

pub(super) fn allocation_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<FundAllocation>(id, "allocationId")
}

pub(super) async fn move_fund(ctx: &Context<'_>, input: FundTransitionInput, action: Action) -> ApiResult<Fund> {
    let id = fund_id(&input.fund_id)?;
    Ok(Fund(service::move_fund(ctx.app(), ctx.principal()?, id, action, input.reason).await?))
}

pub(super) async fn decide(
    ctx: &Context<'_>,
    input: DecideExpenditureInput,
    action: Action,
) -> ApiResult<FundExpenditure> {
    let id = ids::id_of::<FundExpenditure>(&input.expenditure_id, "expenditureId")?;
    Ok(FundExpenditure(service::decide_expenditure(ctx.app(), ctx.principal()?, id, action, input.reason).await?))
}

/// Fund, allocation and expenditure mutations.
#[derive(Default)]
pub struct MoneyMutation;

#[Object]
impl MoneyMutation {
    /// A government office creates a fund for its region or one under it.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn create_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateFundInput,
    ) -> ApiResult<CreateFundPayload> {
        let new = service::NewFund {
            region_id: ids::id_of::<Region>(&input.region_id, "regionId")?,
            fiscal_year: input.fiscal_year,
            name: input.name,
            purpose: input.purpose,
            total_fen: input.total.0,
        };
        Ok(CreateFundPayload { fund: Fund(service::create_fund(ctx.app(), ctx.principal()?, new).await?) })
    }

    /// The owning office freezes an OPEN fund: no new allocations or expenditures.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn freeze_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: FundTransitionInput,
    ) -> ApiResult<FreezeFundPayload> {
        Ok(FreezeFundPayload { fund: move_fund(ctx, input, Action::Freeze).await? })
    }

    /// The owning office reopens a FROZEN fund.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn unfreeze_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: FundTransitionInput,
    ) -> ApiResult<UnfreezeFundPayload> {
        Ok(UnfreezeFundPayload { fund: move_fund(ctx, input, Action::Unfreeze).await? })
    }

    /// The owning office closes a fund with nothing pending and no open round.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn close_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: FundTransitionInput,
    ) -> ApiResult<CloseFundPayload> {
        Ok(CloseFundPayload { fund: move_fund(ctx, input, Action::CloseFund).await? })
    }

    /// The owning office allocates part of an OPEN fund to an APPROVED or
    /// IN_PROGRESS project in its region. CONFLICT (with `remaining`) when
    /// the fund has too little left.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn allocate_funds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AllocateFundsInput,
    ) -> ApiResult<AllocateFundsPayload> {
        let project = ids::id_of::<Project>(&input.project_id, "projectId")?;
        let a =
            service::allocate(ctx.app(), ctx.principal()?, fund_id(&input.fund_id)?, project, input.amount.0).await?;
        Ok(AllocateFundsPayload { allocation: FundAllocation(a) })
    }

    /// The owning office changes an allocation's amount (not below what is
    /// pending or spent against it).
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn change_allocation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ChangeAllocationInput,
    ) -> ApiResult<ChangeAllocationPayload> {
        let id = allocation_id(&input.allocation_id)?;
        let a = service::change_allocation(ctx.app(), ctx.principal()?, id, Some(input.amount.0)).await?;
        Ok(ChangeAllocationPayload { allocation: FundAllocation(a) })
    }

    /// The owning office withdraws an allocation down to what is pending or
    /// spent against it.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn withdraw_allocation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: WithdrawAllocationInput,
    ) -> ApiResult<WithdrawAllocationPayload> {
        let id = allocation_id(&input.allocation_id)?;
        let a = service::change_allocation(ctx.app(), ctx.principal()?, id, None).await?;
        Ok(WithdrawAllocationPayload { allocation: FundAllocation(a) })
    }

    /// The project's lead or an implementing organisation records an
    /// expenditure (PENDING). CONFLICT (with `remaining`) when the
    /// allocation has too little left, or the fund is not OPEN.
    #[graphql(visible = "super::shown::spend", guard = "Authenticated")]
    async fn record_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordExpenditureInput,
    ) -> ApiResult<RecordExpenditurePayload> {
        let new = service::NewExpenditure {
            allocation_id: allocation_id(&input.allocation_id)?,
            amount_fen: input.amount.0,
            spent_on: input.spent_on.0,
            payee_name: input.payee_name,
            payee_type: input.payee_type.into(),
            description: input.description,
            receipt_ref: input.receipt_ref,
        };
        let x = service::record_expenditure(ctx.app(), ctx.principal()?, new).await?;
        Ok(RecordExpenditurePayload { expenditure: FundExpenditure(x) })
    }

    /// The owning office approves a PENDING expenditure (never one its own
    /// staff member or organisation recorded); it then counts as spent.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn approve_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DecideExpenditureInput,
    ) -> ApiResult<ApproveExpenditurePayload> {
        Ok(ApproveExpenditurePayload { expenditure: decide(ctx, input, Action::Approve).await? })
    }

    /// The owning office rejects a PENDING expenditure with a reason; the
    /// amount is free again.
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn reject_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DecideExpenditureInput,
    ) -> ApiResult<RejectExpenditurePayload> {
        Ok(RejectExpenditurePayload { expenditure: decide(ctx, input, Action::Reject).await? })
    }
}
