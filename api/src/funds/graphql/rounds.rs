//! Participatory budget rounds: the round, its ballot, the viewer's own
//! selection and, after the close, the result.

use async_graphql::{Context, Enum, ID, Object};
use entity::enums::RoundStatus as DbStatus;
use entity::{budget_round, budget_round_project, fund, project, region};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::funds::policy;
use crate::funds::rounds::ViewerSelectionLoader;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ByColumn, Main, Visible, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::{DateTime, Money};
use crate::projects::graphql::Project;

use super::types::Fund;

/// State of a participatory budget round.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RoundStatus")]
pub enum BudgetRoundStatus {
    /// The committee is putting projects on the ballot.
    Preparing,
    /// Residents are voting.
    Voting,
    /// Counted; the funded projects have their allocations.
    Closed,
    /// Cancelled by the office; the reserve went back to the fund.
    Cancelled,
}

/// A participatory budget round: the residents of one community decide
/// which projects an amount of a fund pays for.
#[derive(Clone)]
pub struct BudgetRound(pub budget_round::Model);

impl BudgetRound {
    fn closed(&self) -> bool {
        self.0.status == DbStatus::Closed
    }

    async fn lines(&self, ctx: &Context<'_>) -> ApiResult<Vec<budget_round_project::Model>> {
        let rows = ctx.loader::<ByColumn<budget_round_project::Entity, Main>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default())
    }
}

/// A participatory budget round: the residents of one community decide
/// which projects an amount of a fund pays for. Counts are shown only after
/// the close (ballots are secret).
#[Object(visible = "super::shown::read_funds")]
impl BudgetRound {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The current status.
    async fn status(&self) -> BudgetRoundStatus {
        self.0.status.into()
    }
    /// The amount the residents decide.
    async fn amount(&self) -> Money {
        Money(self.0.amount_fen)
    }
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The fund, if the viewer may see it.
    async fn fund(&self, ctx: &Context<'_>) -> ApiResult<Option<Fund>> {
        let rows = ctx.loader::<Visible<fund::Entity, Main>>()?.load_one(self.0.fund_id).await?;
        Ok(rows.and_then(|mut r| r.pop()).map(Fund))
    }
    /// When voting opened.
    async fn voting_opened_at(&self) -> Option<DateTime> {
        self.0.voting_opened_at.map(Into::into)
    }
    /// When voting closes.
    async fn voting_closes_at(&self) -> Option<DateTime> {
        self.0.voting_closes_at.map(Into::into)
    }
    /// When the round was closed or cancelled.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// The projects on the ballot: in ballot order while open, by rank
    /// after the close.
    async fn ballot(&self, ctx: &Context<'_>) -> ApiResult<Vec<BudgetRoundProject>> {
        let mut lines = self.lines(ctx).await?;
        if self.closed() {
            lines.sort_by_key(|l| l.rank.unwrap_or(i32::MAX));
        }
        Ok(lines.into_iter().map(|l| BudgetRoundProject { line: l, closed: self.closed() }).collect())
    }
    /// The viewer's own selection (empty without a ballot).
    async fn viewer_selection(&self, ctx: &Context<'_>) -> ApiResult<Vec<BudgetRoundProject>> {
        let mine = ctx.loader::<ViewerSelectionLoader>()?.load_one(self.0.id).await?.unwrap_or_default();
        let lines = self.lines(ctx).await?;
        Ok(lines
            .into_iter()
            .filter(|l| mine.contains(&l.id))
            .map(|l| BudgetRoundProject { line: l, closed: self.closed() })
            .collect())
    }
    /// May the viewer vote in this round now?
    async fn viewer_can_vote(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let open = self.0.status == DbStatus::Voting && self.0.voting_closes_at.is_some_and(|c| chrono::Utc::now() < c);
        Ok(open && policy::may_vote(ctx.principal()?, &self.0))
    }
    /// Ballots counted (after the close).
    async fn ballots_cast(&self) -> Option<i32> {
        self.0.ballots_cast
    }
    /// What the funded projects take (after the close).
    async fn funded_amount(&self) -> Option<Money> {
        self.0.funded_fen.map(Money)
    }
    /// When it was opened.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A project on a round's ballot.
pub struct BudgetRoundProject {
    line: budget_round_project::Model,
    closed: bool,
}

/// A project on a round's ballot, with its budget; votes, rank and whether
/// it was funded once the round is closed.
#[Object]
impl BudgetRoundProject {
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.line.project_id, Project).await
    }
    /// The project's budget in this round.
    async fn budget(&self) -> Money {
        Money(self.line.budget_fen)
    }
    /// Ballots selecting it (after the close).
    async fn votes(&self) -> Option<i32> {
        self.line.votes.filter(|_| self.closed)
    }
    /// Its rank, 1 for the most votes (after the close).
    async fn rank(&self) -> Option<i32> {
        self.line.rank.filter(|_| self.closed)
    }
    /// Whether the round funds it (after the close).
    async fn funded(&self) -> Option<bool> {
        self.line.funded.filter(|_| self.closed)
    }
}

crate::node_type!(BudgetRound, "BudgetRound", budget_round, crate::funds::policy::visible_rounds);
