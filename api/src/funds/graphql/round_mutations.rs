//! Participatory budget rounds: the mutations.

use async_graphql::{Context, ID, InputObject, Object};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::funds::rounds as round_service;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::{DateTime, Money};
use crate::projects::graphql::Project;

use super::*;

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

pub(super) fn round_id(id: &ID) -> ApiResult<i32> {
    ids::id_of::<BudgetRound>(id, "roundId")
}

/// Participatory budget round mutations.
#[derive(Default)]
pub struct RoundsMutation;

#[Object]
impl RoundsMutation {
    /// The owning office opens a round on an OPEN fund for a community; the
    /// amount is reserved in the fund (CONFLICT with `remaining` if it has
    /// too little left).
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::prepare_round", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::prepare_round", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::ballot", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::close_round", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::manage_funds", guard = "Authenticated")]
    async fn cancel_budget_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: BudgetRoundInput,
    ) -> ApiResult<CancelBudgetRoundPayload> {
        let r = round_service::cancel_round(ctx.app(), ctx.principal()?, round_id(&input.round_id)?).await?;
        Ok(CancelBudgetRoundPayload { round: BudgetRound(r) })
    }
}
