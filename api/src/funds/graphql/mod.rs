//! GraphQL of special funds and participatory budgets: the types
//! ([`types`], [`rounds`]), the queries and the mutations.

pub mod rounds;
pub mod types;

use async_graphql::{Context, ID, InputObject, MergedObject, Object, SimpleObject};
use entity::{budget_round, fund};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::funds::lifecycle::Action;
use crate::funds::{rounds as round_service, service};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::{Date, DateTime, Money};
use crate::projects::graphql::Project;

pub use rounds::{BudgetRound, BudgetRoundStatus};
pub use types::{Fund, FundAllocation, FundExpenditure, FundStatus, PayeeType, ProjectFunding};

/// Filters of the `funds` list.
#[derive(InputObject, Default)]
pub struct FundFilter {
    /// The fund's region (global id).
    pub region_id: Option<ID>,
    /// The fiscal year.
    pub fiscal_year: Option<i32>,
    /// The status.
    pub status: Option<Vec<FundStatus>>,
}

/// Filters of the `budgetRounds` list.
#[derive(InputObject, Default)]
pub struct BudgetRoundFilter {
    /// The community (global id).
    pub community_id: Option<ID>,
    /// The status.
    pub status: Option<Vec<BudgetRoundStatus>>,
}

/// The funds domain's queries.
#[derive(Default)]
pub struct FundsQueries;

#[Object]
impl FundsQueries {
    /// Funds the viewer may read: the office those in its region, residents
    /// and the committee those covering their community, organisations those
    /// paying for projects they take part in. Newest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn funds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which funds (all the viewer may read by default).")] filter: Option<FundFilter>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Fund>> {
        let f = filter.unwrap_or_default();
        let list = service::FundList {
            region_id: f.region_id.as_ref().map(|r| ids::id_of::<Region>(r, "regionId")).transpose()?,
            fiscal_year: f.fiscal_year,
            statuses: f.status.map(|s| s.into_iter().map(Into::into).collect()),
        };
        let q = service::list(ctx.principal()?, list);
        paginate_ordered(ctx, q, fund::Column::Id, PageArgs::new(after, before, first, last), true, Fund).await
    }

    /// One fund; NOT_FOUND when it does not exist or the viewer may not read it.
    #[graphql(guard = "Authenticated")]
    async fn fund(&self, ctx: &Context<'_>, #[graphql(desc = "The fund (global id).")] id: ID) -> ApiResult<Fund> {
        let id = ids::id_of::<Fund>(&id, "id")?;
        Ok(Fund(service::visible_fund(&ctx.db().read, ctx.principal()?, id).await?))
    }

    /// The money of a project: allocations, expenditures, totals. NOT_FOUND
    /// when the viewer may not read the project (same as `Project.funding`).
    #[graphql(guard = "Authenticated")]
    async fn project_funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (global id).")] project_id: ID,
    ) -> ApiResult<ProjectFunding> {
        let id = ids::id_of::<Project>(&project_id, "projectId")?;
        crate::projects::graphql::types::project_by_id(ctx, id).await?;
        ProjectFunding::of(ctx, id).await
    }

    /// Participatory budget rounds the viewer may read (the people of the
    /// community, its office and the organisations serving it), newest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    async fn budget_rounds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rounds (all the viewer may read by default).")] filter: Option<BudgetRoundFilter>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<BudgetRound>> {
        let f = filter.unwrap_or_default();
        let community = f.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?;
        let statuses = f.status.map(|s| s.into_iter().map(Into::into).collect());
        let q = round_service::list(ctx.principal()?, community, statuses);
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, budget_round::Column::Id, args, true, BudgetRound).await
    }

    /// One budget round; NOT_FOUND when the viewer may not read it.
    #[graphql(guard = "Authenticated")]
    async fn budget_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round (global id).")] id: ID,
    ) -> ApiResult<BudgetRound> {
        let id = ids::id_of::<BudgetRound>(&id, "id")?;
        let mut found = <BudgetRound as NodeType>::fetch_visible(ctx, vec![id]).await?;
        found.pop().ok_or_else(|| crate::error::ApiError::not_found("BudgetRound"))
    }
}

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

/// The input of `openBudgetRound`.
#[derive(InputObject)]
pub struct OpenBudgetRoundInput {
    /// The fund the amount comes from (global id); it is reserved at once.
    pub fund_id: ID,
    /// The community whose residents decide (global id), in the fund's region.
    pub community_id: ID,
    /// The title.
    pub title: String,
    /// The amount the residents decide, in fen.
    pub amount: Money,
}

/// The input of `addBudgetRoundProject`.
#[derive(InputObject)]
pub struct AddBudgetRoundProjectInput {
    /// The round (global id).
    pub round_id: ID,
    /// A PROPOSED or APPROVED project of the round's community (global id).
    pub project_id: ID,
    /// Its budget in this round, in fen (the project's own budget by default).
    pub budget: Option<Money>,
}

/// The input of `startBudgetRoundVoting`.
#[derive(InputObject)]
pub struct StartBudgetRoundVotingInput {
    /// The round (global id).
    pub round_id: ID,
    /// When voting closes (in the future).
    pub closes_at: DateTime,
}

/// The input of `castBudgetBallot`.
#[derive(InputObject)]
pub struct CastBudgetBallotInput {
    /// The round (global id).
    pub round_id: ID,
    /// The projects selected (global ids); their budgets together must fit
    /// the round's amount. Empty withdraws the ballot.
    pub project_ids: Vec<ID>,
}

/// A move of a round (close, cancel).
#[derive(InputObject)]
pub struct BudgetRoundInput {
    /// The round (global id).
    pub round_id: ID,
}

macro_rules! payloads {
    ($($(#[$m:meta])* $name:ident { $(#[$fm:meta])* $field:ident: $ty:ty })*) => {$(
        $(#[$m])*
        #[derive(SimpleObject)]
        pub struct $name {
            $(#[$fm])*
            pub $field: $ty,
        }
    )*};
}

payloads! {
    /// The result of `createFund`.
    CreateFundPayload { /// The fund.
        fund: Fund }
    /// The result of `freezeFund`.
    FreezeFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `unfreezeFund`.
    UnfreezeFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `closeFund`.
    CloseFundPayload { /// The fund after the change.
        fund: Fund }
    /// The result of `allocateFunds`.
    AllocateFundsPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `changeAllocation`.
    ChangeAllocationPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `withdrawAllocation`.
    WithdrawAllocationPayload { /// The allocation after the change.
        allocation: FundAllocation }
    /// The result of `recordExpenditure`.
    RecordExpenditurePayload { /// The expenditure (PENDING).
        expenditure: FundExpenditure }
    /// The result of `approveExpenditure`.
    ApproveExpenditurePayload { /// The expenditure after the change.
        expenditure: FundExpenditure }
    /// The result of `rejectExpenditure`.
    RejectExpenditurePayload { /// The expenditure after the change.
        expenditure: FundExpenditure }
    /// The result of `openBudgetRound`.
    OpenBudgetRoundPayload { /// The round.
        round: BudgetRound }
    /// The result of `addBudgetRoundProject`.
    AddBudgetRoundProjectPayload { /// The round after the change.
        round: BudgetRound }
    /// The result of `startBudgetRoundVoting`.
    StartBudgetRoundVotingPayload { /// The round after the change.
        round: BudgetRound }
    /// The result of `castBudgetBallot`.
    CastBudgetBallotPayload { /// The round, with the viewer's selection.
        round: BudgetRound }
    /// The result of `closeBudgetRound`.
    CloseBudgetRoundPayload { /// The round with its result.
        round: BudgetRound }
    /// The result of `cancelBudgetRound`.
    CancelBudgetRoundPayload { /// The round after the change.
        round: BudgetRound }
}

fn fund_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Fund>(id, "fundId")
}

fn round_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<BudgetRound>(id, "roundId")
}

fn allocation_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<FundAllocation>(id, "allocationId")
}

/// Fund, allocation and expenditure mutations.
#[derive(Default)]
pub struct MoneyMutation;

#[Object]
impl MoneyMutation {
    /// A government office creates a fund for its region or one under it.
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
    async fn freeze_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: FundTransitionInput,
    ) -> ApiResult<FreezeFundPayload> {
        Ok(FreezeFundPayload { fund: move_fund(ctx, input, Action::Freeze).await? })
    }

    /// The owning office reopens a FROZEN fund.
    #[graphql(guard = "Authenticated")]
    async fn unfreeze_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: FundTransitionInput,
    ) -> ApiResult<UnfreezeFundPayload> {
        Ok(UnfreezeFundPayload { fund: move_fund(ctx, input, Action::Unfreeze).await? })
    }

    /// The owning office closes a fund with nothing pending and no open round.
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
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
    #[graphql(guard = "Authenticated")]
    async fn approve_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DecideExpenditureInput,
    ) -> ApiResult<ApproveExpenditurePayload> {
        Ok(ApproveExpenditurePayload { expenditure: decide(ctx, input, Action::Approve).await? })
    }

    /// The owning office rejects a PENDING expenditure with a reason; the
    /// amount is free again.
    #[graphql(guard = "Authenticated")]
    async fn reject_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DecideExpenditureInput,
    ) -> ApiResult<RejectExpenditurePayload> {
        Ok(RejectExpenditurePayload { expenditure: decide(ctx, input, Action::Reject).await? })
    }
}

async fn move_fund(ctx: &Context<'_>, input: FundTransitionInput, action: Action) -> ApiResult<Fund> {
    let id = fund_id(&input.fund_id)?;
    Ok(Fund(service::move_fund(ctx.app(), ctx.principal()?, id, action, input.reason).await?))
}

async fn decide(ctx: &Context<'_>, input: DecideExpenditureInput, action: Action) -> ApiResult<FundExpenditure> {
    let id = ids::id_of::<FundExpenditure>(&input.expenditure_id, "expenditureId")?;
    Ok(FundExpenditure(service::decide_expenditure(ctx.app(), ctx.principal()?, id, action, input.reason).await?))
}

/// Participatory budget round mutations.
#[derive(Default)]
pub struct RoundsMutation;

#[Object]
impl RoundsMutation {
    /// The owning office opens a round on an OPEN fund for a community; the
    /// amount is reserved in the fund (CONFLICT with `remaining` if it has
    /// too little left).
    #[graphql(guard = "Authenticated")]
    async fn open_budget_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: OpenBudgetRoundInput,
    ) -> ApiResult<OpenBudgetRoundPayload> {
        let community = ids::id_of::<Region>(&input.community_id, "communityId")?;
        let f = fund_id(&input.fund_id)?;
        let r =
            round_service::open_round(ctx.app(), ctx.principal()?, f, community, &input.title, input.amount.0).await?;
        Ok(OpenBudgetRoundPayload { round: BudgetRound(r) })
    }

    /// The committee puts a PROPOSED or APPROVED project of the community on
    /// a PREPARING round's ballot.
    #[graphql(guard = "Authenticated")]
    async fn add_budget_round_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddBudgetRoundProjectInput,
    ) -> ApiResult<AddBudgetRoundProjectPayload> {
        let project = ids::id_of::<Project>(&input.project_id, "projectId")?;
        let budget = input.budget.map(|b| b.0);
        let r = round_service::add_project(ctx.app(), ctx.principal()?, round_id(&input.round_id)?, project, budget)
            .await?;
        Ok(AddBudgetRoundProjectPayload { round: BudgetRound(r) })
    }

    /// The committee opens voting until `closesAt`.
    #[graphql(guard = "Authenticated")]
    async fn start_budget_round_voting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: StartBudgetRoundVotingInput,
    ) -> ApiResult<StartBudgetRoundVotingPayload> {
        let r = round_service::start_voting(ctx.app(), ctx.principal()?, round_id(&input.round_id)?, input.closes_at.0)
            .await?;
        Ok(StartBudgetRoundVotingPayload { round: BudgetRound(r) })
    }

    /// A resident of the community sets their (secret) ballot: projects
    /// whose budgets together fit the round's amount; changeable until the
    /// close; an empty list withdraws it.
    #[graphql(guard = "Authenticated")]
    async fn cast_budget_ballot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CastBudgetBallotInput,
    ) -> ApiResult<CastBudgetBallotPayload> {
        let projects =
            input.project_ids.iter().map(|p| ids::id_of::<Project>(p, "projectIds")).collect::<ApiResult<Vec<_>>>()?;
        let r = round_service::cast_ballot(ctx.app(), ctx.principal()?, round_id(&input.round_id)?, &projects).await?;
        Ok(CastBudgetBallotPayload { round: BudgetRound(r) })
    }

    /// The committee or the owning office closes the vote: projects are
    /// ranked and funded by the documented rule, and their allocations made.
    #[graphql(guard = "Authenticated")]
    async fn close_budget_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: BudgetRoundInput,
    ) -> ApiResult<CloseBudgetRoundPayload> {
        let r = round_service::close_round(ctx.app(), ctx.principal()?, round_id(&input.round_id)?).await?;
        Ok(CloseBudgetRoundPayload { round: BudgetRound(r) })
    }

    /// The owning office cancels a round that has not closed; the reserve
    /// goes back to the fund.
    #[graphql(guard = "Authenticated")]
    async fn cancel_budget_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: BudgetRoundInput,
    ) -> ApiResult<CancelBudgetRoundPayload> {
        let r = round_service::cancel_round(ctx.app(), ctx.principal()?, round_id(&input.round_id)?).await?;
        Ok(CancelBudgetRoundPayload { round: BudgetRound(r) })
    }
}

/// The funds domain's query root entry.
pub type FundsQuery = FundsQueries;

/// The funds domain's mutations.
#[derive(MergedObject, Default)]
pub struct FundsMutation(MoneyMutation, RoundsMutation);
