//! Funds, allocations, expenditures, the ledger and a project's funding.

use async_graphql::{Context, Enum, ID, Object};
use entity::{fund, fund_allocation, fund_expenditure, fund_ledger, organisation, project, region};

use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::funds::ByProject;
use crate::funds::ledger::{allocation_remaining, fund_remaining};
use crate::funds::policy;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_loaded, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{Main, Visible, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::{Date, DateTime, Money};
use crate::projects::graphql::Project;

/// State of a fund.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::FundStatus")]
pub enum FundStatus {
    /// Takes allocations and expenditures.
    Open,
    /// Takes no new allocations or expenditures; pending ones may be rejected.
    Frozen,
    /// Finished; nothing changes any more.
    Closed,
}

/// State of an expenditure.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ExpenditureStatus")]
pub enum ExpenditureStatus {
    /// Recorded; counts against the allocation, not yet as spent.
    Pending,
    /// Approved by the office: counts as spent.
    Approved,
    /// Rejected by the office, with a reason; the amount is free again.
    Rejected,
}

/// Who was paid.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PayeeType")]
pub enum PayeeType {
    /// A private person (their name is not shown to residents).
    Person,
    /// A social organisation or other non-profit.
    Organisation,
    /// A company.
    Business,
    /// A government body.
    Government,
}

/// What a ledger entry records.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::LedgerKind")]
pub enum LedgerKind {
    /// An allocation was made.
    AllocationMade,
    /// An allocation's amount was changed.
    AllocationChanged,
    /// An allocation was withdrawn down to what is pending or spent.
    AllocationWithdrawn,
    /// An expenditure was recorded (pending).
    ExpenditureRecorded,
    /// An expenditure was approved (spent).
    ExpenditureApproved,
    /// An expenditure was rejected (freed).
    ExpenditureRejected,
    /// An amount was reserved for a participatory budget round.
    RoundReserved,
    /// A round's reserve was released (at its close or cancellation).
    RoundReleased,
}

/// A special community-governance fund (社区治理专项资金) owned by a
/// government office. Balances are in fen and agree with the ledger.
#[derive(Clone)]
pub struct Fund(pub fund::Model);

/// A special community-governance fund (社区治理专项资金) owned by a
/// government office. Balances are in fen and agree with the ledger.
#[Object(visible = "super::shown::read_funds")]
impl Fund {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the money is for.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// The fiscal year.
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }
    /// The current status.
    async fn status(&self) -> FundStatus {
        self.0.status.into()
    }
    /// The region whose projects it pays for.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.region_id, Region).await
    }
    /// The government office that owns it.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The total.
    async fn total(&self) -> Money {
        Money(self.0.total_fen)
    }
    /// Allocated to projects.
    async fn allocated(&self) -> Money {
        Money(self.0.allocated_fen)
    }
    /// Reserved for participatory budget rounds not yet closed.
    async fn reserved(&self) -> Money {
        Money(self.0.reserved_fen)
    }
    /// Recorded against allocations and not yet decided.
    async fn pending(&self) -> Money {
        Money(self.0.pending_fen)
    }
    /// Approved expenditures.
    async fn spent(&self) -> Money {
        Money(self.0.spent_fen)
    }
    /// What may still be allocated or reserved: total − allocated − reserved.
    async fn remaining(&self) -> Money {
        Money(fund_remaining(&self.0))
    }
    /// May the viewer manage it (allocate, decide expenditures, open rounds)?
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(policy::owns(ctx.principal()?, &self.0))
    }
    /// Its allocations the viewer may see, oldest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn allocations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<FundAllocation>> {
        let rows = ctx.loader::<Visible<fund_allocation::Entity, Main>>()?.load_one(self.0.id).await?;
        paginate_loaded(rows.unwrap_or_default(), |a| a.id, PageArgs::new(after, before, first, last), FundAllocation)
    }
    /// Every change of money, newest first, paged in SQL. Only the offices
    /// over the fund's region (and platform admins) see entries; for anyone
    /// else the list is empty.
    #[graphql(visible = "super::shown::manage_funds", complexity = "page_cost(first, last) * child_complexity")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<FundLedgerEntry>> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let q = policy::visible_ledger(ctx.principal()?).filter(fund_ledger::Column::FundId.eq(self.0.id));
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, fund_ledger::Column::Id, args, true, FundLedgerEntry).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// An amount of a fund allocated to a project.
#[derive(Clone)]
pub struct FundAllocation(pub fund_allocation::Model);

/// An amount of a fund allocated to a project.
#[Object(visible = "super::shown::read_funds")]
impl FundAllocation {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The fund, if the viewer may see it.
    async fn fund(&self, ctx: &Context<'_>) -> ApiResult<Option<Fund>> {
        let rows = ctx.loader::<Visible<fund::Entity, Main>>()?.load_one(self.0.fund_id).await?;
        Ok(rows.and_then(|mut r| r.pop()).map(Fund))
    }
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.0.project_id, Project).await
    }
    /// The amount allocated.
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// Recorded and not yet decided.
    async fn pending(&self) -> Money {
        Money(self.0.pending_fen)
    }
    /// Approved expenditures.
    async fn spent(&self) -> Money {
        Money(self.0.spent_fen)
    }
    /// What may still be recorded: amount − pending − spent.
    async fn remaining(&self) -> Money {
        Money(allocation_remaining(&self.0))
    }
    /// Whether a participatory budget round decided it.
    async fn by_budget_round(&self) -> bool {
        self.0.round_id.is_some()
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// An expenditure recorded against an allocation.
#[derive(Clone)]
pub struct FundExpenditure(pub fund_expenditure::Model);

/// An expenditure recorded against an allocation.
#[Object(visible = "super::shown::read_funds")]
impl FundExpenditure {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The allocation it is recorded against (global id).
    async fn allocation_id(&self) -> ID {
        crate::graphql::ids::encode(<FundAllocation as NodeType>::NAME, self.0.allocation_id)
    }
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.0.project_id, Project).await
    }
    /// The amount.
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// When the money was spent.
    async fn spent_on(&self) -> Date {
        self.0.spent_on.into()
    }
    /// Who was paid; `null` for residents when the payee is a person.
    async fn payee_name(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        let show = policy::may_see_payee_name(ctx.principal()?, &self.0);
        Ok(show.then_some(self.0.payee_name.as_str()))
    }
    /// What kind of payee.
    async fn payee_type(&self) -> PayeeType {
        self.0.payee_type.into()
    }
    /// What the money paid for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// A receipt or invoice number, if given.
    async fn receipt_ref(&self) -> Option<&str> {
        self.0.receipt_ref.as_deref()
    }
    /// The current status.
    async fn status(&self) -> ExpenditureStatus {
        self.0.status.into()
    }
    /// The reason given with the decision.
    async fn decision_reason(&self) -> Option<&str> {
        self.0.decision_reason.as_deref()
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the office decided it.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(Into::into)
    }
}

/// One change of money, with the balances after it.
pub struct FundLedgerEntry(pub fund_ledger::Model);

/// One change of money, with the balances after it. Deltas apply to the
/// fund and, when the entry concerns an allocation, to that allocation.
#[Object]
impl FundLedgerEntry {
    /// Its position in the ledger (increasing).
    async fn sequence(&self) -> i32 {
        self.0.id
    }
    /// What happened.
    async fn kind(&self) -> LedgerKind {
        self.0.kind.into()
    }
    /// The amount the entry is about.
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// Change of the allocated sum (and of the allocation's amount).
    async fn allocated_delta(&self) -> Money {
        Money(self.0.allocated_delta)
    }
    /// Change of the reserve for rounds.
    async fn reserved_delta(&self) -> Money {
        Money(self.0.reserved_delta)
    }
    /// Change of pending expenditures.
    async fn pending_delta(&self) -> Money {
        Money(self.0.pending_delta)
    }
    /// Change of approved expenditures.
    async fn spent_delta(&self) -> Money {
        Money(self.0.spent_delta)
    }
    /// The fund's allocated sum after it.
    async fn fund_allocated(&self) -> Money {
        Money(self.0.fund_allocated_after)
    }
    /// The fund's reserve after it.
    async fn fund_reserved(&self) -> Money {
        Money(self.0.fund_reserved_after)
    }
    /// The fund's pending sum after it.
    async fn fund_pending(&self) -> Money {
        Money(self.0.fund_pending_after)
    }
    /// The fund's spent sum after it.
    async fn fund_spent(&self) -> Money {
        Money(self.0.fund_spent_after)
    }
    /// The allocation's amount after it, when it concerns one.
    async fn allocation_amount(&self) -> Option<Money> {
        self.0.allocation_amount_after.map(Money)
    }
    /// The allocation's pending sum after it.
    async fn allocation_pending(&self) -> Option<Money> {
        self.0.allocation_pending_after.map(Money)
    }
    /// The allocation's spent sum after it.
    async fn allocation_spent(&self) -> Option<Money> {
        self.0.allocation_spent_after.map(Money)
    }
    /// The allocation it concerns (global id).
    async fn allocation_id(&self) -> Option<ID> {
        self.0.allocation_id.map(|a| crate::graphql::ids::encode(<FundAllocation as NodeType>::NAME, a))
    }
    /// The expenditure it concerns (global id).
    async fn expenditure_id(&self) -> Option<ID> {
        self.0.expenditure_id.map(|x| crate::graphql::ids::encode(<FundExpenditure as NodeType>::NAME, x))
    }
    /// The project it concerns.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.0.project_id, Project).await
    }
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// The money of one project that the viewer may see: its allocations (from
/// any fund) and expenditures.
pub struct ProjectFunding {
    allocations: Vec<fund_allocation::Model>,
    project_id: i32,
}

impl ProjectFunding {
    /// The funding of a project the viewer can see.
    pub async fn of(ctx: &Context<'_>, project_id: i32) -> ApiResult<Self> {
        let allocations = ctx.loader::<Visible<fund_allocation::Entity, ByProject>>()?.load_one(project_id).await?;
        Ok(Self { allocations: allocations.unwrap_or_default(), project_id })
    }

    fn sum(&self, f: impl Fn(&fund_allocation::Model) -> i64) -> Money {
        Money(self.allocations.iter().map(f).sum())
    }
}

/// The money of one project that the viewer may see: its allocations (from
/// any fund) and expenditures. Residents see approved expenditures only.
#[Object]
impl ProjectFunding {
    /// Allocated to the project, all funds together.
    async fn allocated(&self) -> Money {
        self.sum(|a| a.amount_fen)
    }
    /// Recorded and not yet decided.
    async fn pending(&self) -> Money {
        self.sum(|a| a.pending_fen)
    }
    /// Approved expenditures.
    async fn spent(&self) -> Money {
        self.sum(|a| a.spent_fen)
    }
    /// Allocated and not yet pending or spent.
    async fn remaining(&self) -> Money {
        self.sum(allocation_remaining)
    }
    /// The allocations.
    #[graphql(visible = "super::shown::read_funds")]
    async fn allocations(&self) -> Vec<FundAllocation> {
        self.allocations.iter().cloned().map(FundAllocation).collect()
    }
    /// The expenditures the viewer may see, oldest first.
    #[graphql(visible = "super::shown::read_funds")]
    async fn expenditures(&self, ctx: &Context<'_>) -> ApiResult<Vec<FundExpenditure>> {
        let rows = ctx.loader::<Visible<fund_expenditure::Entity, Main>>()?.load_one(self.project_id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(FundExpenditure).collect())
    }
}

crate::node_type!(Fund, "Fund", fund, crate::funds::policy::visible_funds);
crate::node_type!(FundAllocation, "FundAllocation", fund_allocation, crate::funds::policy::visible_allocations);
crate::node_type!(FundExpenditure, "FundExpenditure", fund_expenditure, crate::funds::policy::visible_expenditures);
