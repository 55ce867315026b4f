//! The funds domain's queries.

use async_graphql::{Context, ID, InputObject, Object};
use entity::{budget_round, fund};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::funds::{rounds as round_service, service};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::node::NodeType;
use crate::projects::graphql::Project;

use super::*;

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
    #[graphql(
        visible = "super::shown::read_funds",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
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
    #[graphql(visible = "super::shown::read_funds", guard = "Authenticated")]
    async fn fund(&self, ctx: &Context<'_>, #[graphql(desc = "The fund (global id).")] id: ID) -> ApiResult<Fund> {
        let id = ids::id_of::<Fund>(&id, "id")?;
        Ok(Fund(service::visible_fund(&ctx.db().read, ctx.principal()?, id).await?))
    }

    /// The money of a project: allocations, expenditures, totals. NOT_FOUND
    /// when the viewer may not read the project (same as `Project.funding`).
    #[graphql(visible = "super::shown::read_funds", guard = "Authenticated")]
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
    #[graphql(
        visible = "super::shown::read_funds",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
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
    #[graphql(visible = "super::shown::read_funds", guard = "Authenticated")]
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
