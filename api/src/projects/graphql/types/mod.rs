//! The project type, its enums and the shared helpers of the project resolvers.

use crate::graphql::scalars::{Date, DateTime, Money};
use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::Role as DbRole;
use entity::{
    account, building, project, project_comment, project_participant, project_task, project_transition, project_update,
    region,
};

use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Building, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, first_page, page_cost, paginate_loaded};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, FirstPerParent, load_by_id, one_with};
use crate::graphql::node::NodeType;
use crate::projects::loaders::{
    EvaluationSummaryLoader, LatestUpdatesLoader, TallyLoader, ViewerEvaluationLoader, ViewerVoteLoader,
};
use crate::projects::service;

use crate::projects::graphql::comments::ProjectComment;
use crate::projects::graphql::voting::Evaluation;
use crate::projects::graphql::work::{ProjectParticipant, ProjectTask, ProjectUpdate};

mod enums;

pub use enums::*;

/// A shared community project (共治项目).
#[derive(Clone)]
pub struct Project(pub project::Model);

/// Vote counts. While voting is open they are shown only if the community
/// has live tallies on; after close they are frozen (`final: true`).
#[derive(SimpleObject)]
pub struct VoteTally {
    /// YES ballots.
    pub yes: i32,
    /// NO ballots.
    pub no: i32,
    /// ABSTAIN ballots.
    pub abstain: i32,
    /// YES + NO + ABSTAIN.
    pub turnout: i32,
    /// Registered residents of the community (the quorum base); null while open.
    pub eligible: Option<i32>,
    /// True once voting has closed and the counts are frozen.
    #[graphql(name = "final")]
    pub is_final: bool,
}

/// How residents rated a completed project.
#[derive(SimpleObject)]
pub struct EvaluationSummary {
    /// How many.
    pub count: i64,
    /// Mean rating (1–5); null without ratings.
    pub average: Option<f64>,
}

/// The voting window of a project.
#[derive(SimpleObject)]
pub struct VotingWindow {
    /// When voting opened.
    pub opened_at: Option<DateTime>,
    /// When voting closes.
    pub closes_at: Option<DateTime>,
    /// When voting was closed.
    pub closed_at: Option<DateTime>,
    /// Ballots are accepted now.
    pub is_open: bool,
}

impl Project {
    fn voting_open(&self) -> bool {
        let p = &self.0;
        p.status == entity::enums::ProjectStatus::Voting
            && p.voting_closed_at.is_none()
            && p.voting_closes_at.is_some_and(|c| c > chrono::Utc::now())
    }

    fn viewer_is_resident(&self, ctx: &Context<'_>) -> bool {
        ctx.principal().is_ok_and(|p| {
            matches!(p.role, DbRole::Resident | DbRole::BuildingHead)
                && p.scope.community_id == Some(self.0.community_id)
                && p.account_id().is_some()
        })
    }
}

/// A shared community project (共治项目).
#[Object(visible = "crate::projects::graphql::shown::read_projects")]
impl Project {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The category.
    async fn category(&self) -> ProjectCategory {
        self.0.category.into()
    }
    /// The current status.
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Estimated budget in fen (1 yuan = 100 fen).
    async fn budget_fen(&self) -> Money {
        Money(self.0.budget_fen)
    }
    /// When the work is planned to start.
    async fn planned_start(&self) -> Option<Date> {
        self.0.planned_start.map(Into::into)
    }
    /// When the work is planned to end.
    async fn planned_end(&self) -> Option<Date> {
        self.0.planned_end.map(Into::into)
    }
    /// Where in the community, in words.
    async fn location_text(&self) -> Option<&str> {
        self.0.location_text.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// The community it belongs to.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The building, if any.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// Who proposed it (personal fields masked as usual).
    async fn proposer(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.proposer_account_id, Account).await
    }
    /// Participating organisations and their roles.
    async fn participants(&self, ctx: &Context<'_>) -> ApiResult<Vec<ProjectParticipant>> {
        let rows = ctx.loader::<ByColumn<project_participant::Entity>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(ProjectParticipant).collect())
    }
    /// Tasks of the project, in creation order.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<ProjectTask>> {
        let args = PageArgs::new(after, before, first, last);
        // A first page (the dashboard's `tasks(first: 10)`) is cut in SQL
        // for all the listed projects at once; other pages load the list.
        if let Some(n) = args.first_page_size()? {
            let loader = ctx.loader::<FirstPerParent<project_task::Entity>>()?;
            let (rows, total) = loader.load_one((self.0.id, n.saturating_add(1))).await?.unwrap_or_default();
            return Ok(first_page(rows, n, total, |t| t.id, ProjectTask));
        }
        let rows = ctx.loader::<ByColumn<project_task::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |t| t.id, args, ProjectTask)
    }
    /// All progress updates, oldest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<ProjectUpdate>> {
        let rows = ctx.loader::<ByColumn<project_update::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |u| u.id, PageArgs::new(after, before, first, last), ProjectUpdate)
    }
    /// The newest `count` progress updates (at most 20), newest first.
    #[graphql(complexity = "usize::try_from(count).unwrap_or(1) * child_complexity")]
    async fn latest_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3, desc = "How many of the newest updates, 1 to 20.")] count: i32,
    ) -> ApiResult<Vec<ProjectUpdate>> {
        if !(1..=20).contains(&count) {
            return Err(ApiError::bad_input("count", t!("projects.must_between_1_20")));
        }
        let n = u32::try_from(count).unwrap_or(3);
        let rows = ctx.loader::<LatestUpdatesLoader>()?.load_one((self.0.id, n)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(ProjectUpdate).collect())
    }
    /// Comments, oldest first. Removed ones stay in place with their reason.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<ProjectComment>> {
        let args = PageArgs::new(after, before, first, last);
        if let Some(n) = args.first_page_size()? {
            let loader = ctx.loader::<FirstPerParent<project_comment::Entity>>()?;
            let (rows, total) = loader.load_one((self.0.id, n.saturating_add(1))).await?.unwrap_or_default();
            return Ok(first_page(rows, n, total, |c| c.id, ProjectComment));
        }
        let rows = ctx.loader::<ByColumn<project_comment::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |c| c.id, args, ProjectComment)
    }
    /// Every lifecycle transition, oldest first: who, when, why.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ProjectTransition>> {
        let rows = ctx.loader::<ByColumn<project_transition::Entity>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(ProjectTransition).collect())
    }
    /// The party organisation's endorsement, if given: its timeline row.
    async fn endorsement(&self, ctx: &Context<'_>) -> ApiResult<Option<ProjectTransition>> {
        let rows = ctx.loader::<ByColumn<project_transition::Entity>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().find(|t| t.endorsed).map(ProjectTransition))
    }
    /// The voting window, once voting opened.
    async fn voting(&self) -> Option<VotingWindow> {
        self.0.voting_opened_at.map(|opened| VotingWindow {
            opened_at: Some(opened.into()),
            closes_at: self.0.voting_closes_at.map(Into::into),
            closed_at: self.0.voting_closed_at.map(Into::into),
            is_open: self.voting_open(),
        })
    }
    /// The tally: after close for everyone who can read the project; while
    /// open only if the community showed live tallies when the vote opened
    /// (changing the setting affects later votes only). Null otherwise.
    async fn tally(&self, ctx: &Context<'_>) -> ApiResult<Option<VoteTally>> {
        let p = &self.0;
        if let (Some(yes), Some(no), Some(abstain)) = (p.tally_yes, p.tally_no, p.tally_abstain) {
            return Ok(Some(VoteTally {
                yes,
                no,
                abstain,
                turnout: yes + no + abstain,
                eligible: p.tally_eligible,
                is_final: true,
            }));
        }
        if p.status != entity::enums::ProjectStatus::Voting {
            return Ok(None);
        }
        // The vote's own copy of the setting, fixed when it opened.
        if p.voting_live_tally != Some(true) {
            return Ok(None);
        }
        let t = ctx.loader::<TallyLoader>()?.load_one(p.id).await?.unwrap_or_default();
        Ok(Some(VoteTally {
            yes: t.yes,
            no: t.no,
            abstain: t.abstain,
            turnout: t.yes + t.no + t.abstain,
            eligible: None,
            is_final: false,
        }))
    }
    /// Result of the vote, once closed.
    async fn outcome(&self) -> Option<VoteOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// Residents' ratings of the completed project.
    async fn evaluation_summary(&self, ctx: &Context<'_>) -> ApiResult<EvaluationSummary> {
        let (count, total) = ctx.loader::<EvaluationSummaryLoader>()?.load_one(self.0.id).await?.unwrap_or((0, 0));
        #[allow(clippy::cast_precision_loss)]
        let average = (count > 0).then(|| total as f64 / count as f64);
        Ok(EvaluationSummary { count, average })
    }
    /// Whether the viewer may cast (or change) a ballot now.
    async fn viewer_can_vote(&self, ctx: &Context<'_>) -> bool {
        self.voting_open() && self.viewer_is_resident(ctx)
    }
    /// The viewer's own ballot, if any. Nobody else's is ever shown.
    async fn viewer_vote(&self, ctx: &Context<'_>) -> ApiResult<Option<VoteChoice>> {
        Ok(ctx.loader::<ViewerVoteLoader>()?.load_one(self.0.id).await?.map(Into::into))
    }
    /// Whether the viewer may evaluate (or re-evaluate) now.
    async fn viewer_can_evaluate(&self, ctx: &Context<'_>) -> bool {
        self.0.status == entity::enums::ProjectStatus::Completed && self.viewer_is_resident(ctx)
    }
    /// The viewer's own evaluation, if any.
    async fn viewer_evaluation(&self, ctx: &Context<'_>) -> ApiResult<Option<Evaluation>> {
        Ok(ctx.loader::<ViewerEvaluationLoader>()?.load_one(self.0.id).await?.map(Evaluation))
    }
    /// The project's money (the funds domain): allocations, expenditures and
    /// totals, as far as the viewer may see them.
    async fn funding(&self, ctx: &Context<'_>) -> ApiResult<crate::funds::graphql::ProjectFunding> {
        crate::funds::graphql::ProjectFunding::of(ctx, self.0.id).await
    }
}

/// One step of a project's lifecycle.
pub struct ProjectTransition(pub project_transition::Model);

/// One step of a project's lifecycle.
#[Object]
impl ProjectTransition {
    /// What happened: the status the project reached (`PROPOSED`,
    /// `APPROVED`, ...). The same core fields as every timeline: `kind`,
    /// `at`, `actor`, `role`, `organisation`, `note`.
    async fn kind(&self) -> ProjectStatus {
        self.0.to_status.into()
    }
    /// An endorsement by the party organisation rather than a move (the
    /// status stays as it was).
    async fn endorsement(&self) -> bool {
        self.0.endorsed
    }
    /// The status before (null for the first entry).
    async fn from_status(&self) -> Option<ProjectStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> ProjectStatus {
        self.0.to_status.into()
    }
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// The role the actor acted in.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Who acted (null for machine clients and the command line).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// The organisation the actor acted for, if any.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<crate::directory::graphql::Organisation>> {
        load_by_id::<entity::organisation::Entity, _>(
            ctx,
            self.0.organisation_id,
            crate::directory::graphql::Organisation,
        )
        .await
    }
    /// The reason given, if any.
    async fn note(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The reason given, if any.
    #[graphql(deprecation = "Use `note`, the name every timeline uses; `reason` goes in the next release.")]
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

pub(crate) fn pid(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Project>(id, "projectId")
}

/// A project the viewer may read, freshly loaded.
pub(crate) async fn project_by_id(ctx: &Context<'_>, id: i32) -> ApiResult<Project> {
    let p = ctx.principal()?;
    // A detail screen shows who proposed the project: read the proposer in
    // the project's statement rather than in a second round trip after it.
    if ctx.look_ahead().field("proposer").exists() {
        let q = service::visible_one(p, id);
        let row = one_with::<project::Entity, account::Entity>(ctx, q, project::Column::ProposerAccountId).await?;
        return row.map(Project).ok_or_else(|| ApiError::not_found("Project"));
    }
    Ok(Project(service::visible(&ctx.db().read, p, id).await?))
}

crate::node_type!(Project, "Project", project, crate::projects::policy::visible_projects);
