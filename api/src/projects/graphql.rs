//! GraphQL types, queries, mutations and the subscription of shared projects
//! and deliberation.

use crate::graphql::scalars::{Date, DateTime, Money};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use entity::enums::Role as DbRole;
use entity::{
    account, building, council_agenda_item, council_meeting, evaluation, organisation, project, project_comment,
    project_participant, project_task, project_transition, project_update, region,
};
use futures_util::Stream;

use super::loaders::{
    EvaluationSummaryLoader, LatestUpdatesLoader, TallyLoader, ViewerEvaluationLoader, ViewerVoteLoader,
};
use super::policy::ProjectAction;
use super::{council, service, voting};
use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_loaded, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::loaders::{ByColumn, ById};
use crate::graphql::node::NodeType;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ProjectCategory")]
pub enum ProjectCategory {
    Environment,
    ElderlyCare,
    Safety,
    Culture,
    Facilities,
    Children,
    Other,
}

/// Lifecycle state. DRAFT → PROPOSED → DELIBERATING → VOTING → APPROVED |
/// REJECTED → IN_PROGRESS → COMPLETED → EVALUATED; CANCELLED from any state
/// up to IN_PROGRESS.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ProjectStatus")]
pub enum ProjectStatus {
    Draft,
    Proposed,
    Deliberating,
    Voting,
    Approved,
    Rejected,
    InProgress,
    Completed,
    Evaluated,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ParticipationRole")]
pub enum ParticipationRole {
    Lead,
    Funder,
    Implementer,
    Supervisor,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::VoteChoice")]
pub enum VoteChoice {
    Yes,
    No,
    Abstain,
}

/// Result of a closed vote.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::VoteOutcome")]
pub enum VoteOutcome {
    /// Quorum reached and YES above the threshold.
    Passed,
    /// Too few of the registered residents voted.
    FailedQuorum,
    /// Quorum reached, but YES did not exceed the threshold.
    FailedThreshold,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TaskStatus")]
pub enum TaskStatus {
    Open,
    Done,
}

/// Order of the `projects` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ProjectOrder {
    /// Most recently created first.
    #[default]
    NewestFirst,
    OldestFirst,
}

/// A shared community project (共治项目).
#[derive(Clone)]
pub struct Project(pub project::Model);

/// Vote counts. While voting is open they are shown only if the community
/// has live tallies on; after close they are frozen (`final: true`).
#[derive(SimpleObject)]
pub struct VoteTally {
    pub yes: i32,
    pub no: i32,
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
    pub count: i64,
    /// Mean rating (1–5); null without ratings.
    pub average: Option<f64>,
}

/// The voting window of a project.
#[derive(SimpleObject)]
pub struct VotingWindow {
    pub opened_at: Option<DateTime>,
    pub closes_at: Option<DateTime>,
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

#[Object]
impl Project {
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn category(&self) -> ProjectCategory {
        self.0.category.into()
    }
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Estimated budget in fen (1 yuan = 100 fen).
    async fn budget_fen(&self) -> Money {
        Money(self.0.budget_fen)
    }
    async fn planned_start(&self) -> Option<Date> {
        self.0.planned_start.map(Into::into)
    }
    async fn planned_end(&self) -> Option<Date> {
        self.0.planned_end.map(Into::into)
    }
    async fn location_text(&self) -> Option<&str> {
        self.0.location_text.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
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
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ApiResult<Conn<ProjectTask>> {
        let rows = ctx.loader::<ByColumn<project_task::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |t| t.id, PageArgs::new(after, before, first, last), ProjectTask)
    }
    /// All progress updates, oldest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ApiResult<Conn<ProjectUpdate>> {
        let rows = ctx.loader::<ByColumn<project_update::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |u| u.id, PageArgs::new(after, before, first, last), ProjectUpdate)
    }
    /// The newest `count` progress updates (at most 20), newest first.
    #[graphql(complexity = "usize::try_from(count).unwrap_or(1) * child_complexity")]
    async fn latest_updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3)] count: i32,
    ) -> ApiResult<Vec<ProjectUpdate>> {
        if !(1..=20).contains(&count) {
            return Err(ApiError::bad_input("count", "must be between 1 and 20"));
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
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ApiResult<Conn<ProjectComment>> {
        let rows = ctx.loader::<ByColumn<project_comment::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        paginate_loaded(rows, |c| c.id, PageArgs::new(after, before, first, last), ProjectComment)
    }
    /// Every lifecycle transition, oldest first: who, when, why.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ProjectTransition>> {
        let rows = ctx.loader::<ByColumn<project_transition::Entity>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(ProjectTransition).collect())
    }
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
}

/// An organisation's part in a project.
pub struct ProjectParticipant(pub project_participant::Model);

#[Object]
impl ProjectParticipant {
    async fn role(&self) -> ParticipationRole {
        self.0.role.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    async fn added_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

#[derive(Clone)]
pub struct ProjectTask(pub project_task::Model);

#[Object]
impl ProjectTask {
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }
    async fn due_date(&self) -> Option<Date> {
        self.0.due_date.map(Into::into)
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(Into::into)
    }
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.assignee_organisation_id, Organisation).await
    }
}

#[derive(Clone)]
pub struct ProjectUpdate(pub project_update::Model);

#[Object]
impl ProjectUpdate {
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn percent_complete(&self) -> i32 {
        self.0.percent_complete
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
}

#[derive(Clone)]
pub struct ProjectComment(pub project_comment::Model);

#[Object]
impl ProjectComment {
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The text; null once removed by the committee.
    async fn body(&self) -> Option<&str> {
        if self.0.removed_at.is_some() { None } else { Some(&self.0.body) }
    }
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.author_account_id, Account).await
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn edited_at(&self) -> Option<DateTime> {
        self.0.edited_at.map(Into::into)
    }
    async fn removed_at(&self) -> Option<DateTime> {
        self.0.removed_at.map(Into::into)
    }
    /// Why the committee removed it.
    async fn removed_reason(&self) -> Option<&str> {
        self.0.removed_reason.as_deref()
    }
    /// Whether the viewer wrote it (and so may edit it).
    async fn viewer_is_author(&self, ctx: &Context<'_>) -> bool {
        ctx.principal().is_ok_and(|p| p.account_id() == Some(self.0.author_account_id))
    }
}

/// One step of a project's lifecycle.
pub struct ProjectTransition(pub project_transition::Model);

#[Object]
impl ProjectTransition {
    async fn from_status(&self) -> Option<ProjectStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> ProjectStatus {
        self.0.to_status.into()
    }
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// The role the actor acted in.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// The viewer's own evaluation.
pub struct Evaluation(pub evaluation::Model);

#[Object]
impl Evaluation {
    async fn rating(&self) -> i32 {
        self.0.rating
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// A meeting of a community's residents' council (居民议事会).
#[derive(Clone)]
pub struct CouncilMeeting(pub council_meeting::Model);

#[Object]
impl CouncilMeeting {
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn scheduled_at(&self) -> DateTime {
        self.0.scheduled_at.into()
    }
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// Residents present (recorded after the meeting).
    async fn attendance(&self) -> Option<i32> {
        self.0.attendance
    }
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// Projects on the agenda.
    async fn agenda(&self, ctx: &Context<'_>) -> ApiResult<Vec<Project>> {
        let items =
            ctx.loader::<ByColumn<council_agenda_item::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let projects = ctx.loader::<ById<project::Entity>>()?.load_many(items.iter().map(|i| i.project_id)).await?;
        Ok(items.iter().filter_map(|i| projects.get(&i.project_id).cloned().map(Project)).collect())
    }
}

/// Deliberation rules of a community.
#[derive(SimpleObject)]
pub struct CommunitySettings {
    /// Share of registered residents that must vote (percent; "at least").
    pub quorum_percent: i32,
    /// YES must be more than this share of YES + NO (percent).
    pub threshold_percent: i32,
    /// Show tallies while voting is open.
    pub live_tally: bool,
}

impl From<entity::community_setting::Model> for CommunitySettings {
    fn from(s: entity::community_setting::Model) -> Self {
        Self { quorum_percent: s.quorum_percent, threshold_percent: s.threshold_percent, live_tally: s.live_tally }
    }
}

/// Filters of the `projects` list.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    pub community_id: Option<ID>,
    pub status: Option<Vec<ProjectStatus>>,
    pub category: Option<ProjectCategory>,
    /// Only projects this organisation participates in.
    pub participating_organisation_id: Option<ID>,
    /// Text contained in the title.
    pub title_contains: Option<String>,
}

#[derive(Default)]
pub struct ProjectsQuery;

#[Object]
impl ProjectsQuery {
    /// Projects the viewer may read: its community (residents, committee),
    /// its region (offices), communities it serves or projects it takes part
    /// in (organisations). Drafts only for their proposer.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilter>,
        #[graphql(default)] order_by: ProjectOrder,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ApiResult<Conn<Project>> {
        let f = filter.unwrap_or_default();
        let list = service::ProjectList {
            community_id: f.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?,
            statuses: f.status.map(|st| st.into_iter().map(Into::into).collect()),
            category: f.category.map(Into::into),
            participating_organisation_id: f
                .participating_organisation_id
                .as_ref()
                .map(|o| ids::id_of::<Organisation>(o, "participatingOrganisationId"))
                .transpose()?,
            title_contains: f.title_contains,
        };
        let q = service::list(ctx.principal()?, list)?;
        let desc = order_by == ProjectOrder::NewestFirst;
        paginate_ordered(ctx, q, project::Column::Id, PageArgs::new(after, before, first, last), desc, Project).await
    }

    /// Council meetings of a community, newest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    async fn council_meetings(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> ApiResult<Conn<CouncilMeeting>> {
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        let q = council::meetings(&ctx.db().read, ctx.principal()?, c).await?;
        paginate_ordered(
            ctx,
            q,
            council_meeting::Column::Id,
            PageArgs::new(after, before, first, last),
            true,
            CouncilMeeting,
        )
        .await
    }

    /// Deliberation rules of a community.
    #[graphql(guard = "Authenticated")]
    async fn community_settings(&self, ctx: &Context<'_>, community_id: ID) -> ApiResult<CommunitySettings> {
        ctx.principal()?;
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        crate::directory::service::community(&ctx.db().read, c, "communityId").await?;
        Ok(voting::settings(&ctx.db().read, c).await?.into())
    }
}

/// The fields a proposer fills in.
#[derive(InputObject)]
pub struct ProjectFieldsInput {
    pub title: String,
    #[graphql(default)]
    pub description: String,
    pub category: ProjectCategory,
    /// Estimated budget in fen.
    #[graphql(default)]
    pub budget_fen: Money,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    pub building_id: Option<ID>,
    pub location_text: Option<String>,
}

impl ProjectFieldsInput {
    fn into_fields(self) -> ApiResult<service::ProjectFields> {
        Ok(service::ProjectFields {
            title: self.title,
            description: self.description,
            category: self.category.into(),
            budget_fen: self.budget_fen.0,
            planned_start: self.planned_start.map(|d| d.0),
            planned_end: self.planned_end.map(|d| d.0),
            building_id: self.building_id.as_ref().map(|b| ids::id_of::<Building>(b, "buildingId")).transpose()?,
            location_text: self.location_text,
        })
    }
}

#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Default: the viewer's own community.
    pub community_id: Option<ID>,
    #[graphql(flatten)]
    pub fields: ProjectFieldsInput,
}

/// The editable fields of a project, all replaced.
#[derive(InputObject)]
pub struct EditProjectInput {
    pub project_id: ID,
    #[graphql(flatten)]
    pub fields: ProjectFieldsInput,
}

/// A lifecycle move, with an optional reason recorded on the timeline.
#[derive(InputObject)]
pub struct ProjectTransitionInput {
    pub project_id: ID,
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct OpenVotingInput {
    pub project_id: ID,
    /// When the window closes (must be in the future).
    pub closes_at: DateTime,
}

#[derive(InputObject)]
pub struct CastVoteInput {
    pub project_id: ID,
    pub choice: VoteChoice,
}

#[derive(InputObject)]
pub struct EvaluateProjectInput {
    pub project_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub rating: i32,
    pub comment: Option<String>,
}

#[derive(InputObject)]
pub struct AddParticipantInput {
    pub project_id: ID,
    pub organisation_id: ID,
    pub role: ParticipationRole,
}

#[derive(InputObject)]
pub struct CreateTaskInput {
    pub project_id: ID,
    pub title: String,
    pub assignee_organisation_id: ID,
    pub due_date: Option<Date>,
}

#[derive(InputObject)]
pub struct CompleteTaskInput {
    pub task_id: ID,
}

#[derive(InputObject)]
pub struct PostUpdateInput {
    pub project_id: ID,
    pub body: String,
    /// 0–100.
    pub percent_complete: i32,
}

#[derive(InputObject)]
pub struct AddCommentInput {
    pub project_id: ID,
    pub body: String,
}

#[derive(InputObject)]
pub struct EditCommentInput {
    pub comment_id: ID,
    pub body: String,
}

#[derive(InputObject)]
pub struct RemoveCommentInput {
    pub comment_id: ID,
    /// Required: recorded and shown in place of the comment.
    pub reason: String,
}

#[derive(InputObject)]
pub struct ScheduleCouncilMeetingInput {
    pub community_id: ID,
    pub title: String,
    pub scheduled_at: DateTime,
    pub place: String,
    /// Projects on the agenda.
    #[graphql(default)]
    pub project_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct RecordCouncilMeetingInput {
    pub meeting_id: ID,
    pub attendance: i32,
    pub minutes: String,
}

#[derive(InputObject)]
pub struct UpdateCommunitySettingsInput {
    pub community_id: ID,
    pub quorum_percent: i32,
    pub threshold_percent: i32,
    pub live_tally: bool,
}

fn pid(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Project>(id, "projectId")
}

#[derive(Default)]
pub struct ProjectsMutation;

impl ProjectsMutation {
    /// A plain lifecycle move (see [`super::lifecycle::LIFECYCLE`]).
    async fn move_project(
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
        action: ProjectAction,
    ) -> ApiResult<Project> {
        let p = ctx.principal()?;
        let id = pid(&input.project_id)?;
        Ok(Project(service::transition(ctx.app(), p, id, action, input.reason).await?))
    }
}

#[Object]
impl ProjectsMutation {
    /// Residents, building heads and the committee of the community, and
    /// organisations serving it, create a draft.
    async fn create_project(&self, ctx: &Context<'_>, input: CreateProjectInput) -> ApiResult<CreateProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            let community = input.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?;
            let fields = input.fields.into_fields()?;
            Ok(Project(service::create(ctx.app(), p, community, fields).await?))
        }
        .await;
        Ok(CreateProjectPayload { project: project? })
    }

    /// The proposer edits the project until deliberation starts (DRAFT or
    /// PROPOSED). All editable fields are replaced.
    async fn edit_project(&self, ctx: &Context<'_>, input: EditProjectInput) -> ApiResult<EditProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            let fields = input.fields.into_fields()?;
            Ok(Project(service::edit(ctx.app(), p, pid(&input.project_id)?, fields).await?))
        }
        .await;
        Ok(EditProjectPayload { project: project? })
    }

    /// The proposer submits a draft (DRAFT → PROPOSED).
    async fn submit_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<SubmitProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Submit).await }.await;
        Ok(SubmitProjectPayload { project: project? })
    }

    /// The committee takes a proposal into deliberation (PROPOSED → DELIBERATING).
    async fn start_deliberation(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<StartDeliberationPayload> {
        let project: ApiResult<Project> =
            async { Self::move_project(ctx, input, ProjectAction::StartDeliberation).await }.await;
        Ok(StartDeliberationPayload { project: project? })
    }

    /// The committee opens voting (DELIBERATING → VOTING).
    async fn open_voting(&self, ctx: &Context<'_>, input: OpenVotingInput) -> ApiResult<OpenVotingPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::open_voting(ctx.app(), p, pid(&input.project_id)?, input.closes_at.0).await?))
        }
        .await;
        Ok(OpenVotingPayload { project: project? })
    }

    /// The committee closes voting: the tally is frozen and the outcome set.
    async fn close_voting(&self, ctx: &Context<'_>, input: ProjectTransitionInput) -> ApiResult<CloseVotingPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::close_voting(ctx.app(), p, pid(&input.project_id)?).await?))
        }
        .await;
        Ok(CloseVotingPayload { project: project? })
    }

    /// Cast or change the viewer's ballot (residents of the community).
    async fn cast_vote(&self, ctx: &Context<'_>, input: CastVoteInput) -> ApiResult<CastVotePayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::cast_vote(ctx.app(), p, pid(&input.project_id)?, input.choice.into()).await?))
        }
        .await;
        Ok(CastVotePayload { project: project? })
    }

    /// The office approves after a passed vote (VOTING → APPROVED).
    async fn approve_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<ApproveProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::decide(ctx.app(), p, pid(&input.project_id)?, true, input.reason).await?))
        }
        .await;
        Ok(ApproveProjectPayload { project: project? })
    }

    /// The office rejects after the vote (VOTING → REJECTED).
    async fn reject_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<RejectProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::decide(ctx.app(), p, pid(&input.project_id)?, false, input.reason).await?))
        }
        .await;
        Ok(RejectProjectPayload { project: project? })
    }

    /// The office (any open state) or the proposer (draft or proposed) cancels.
    async fn cancel_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<CancelProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Cancel).await }.await;
        Ok(CancelProjectPayload { project: project? })
    }

    /// The office adds a participating organisation.
    async fn add_project_participant(
        &self,
        ctx: &Context<'_>,
        input: AddParticipantInput,
    ) -> ApiResult<AddProjectParticipantPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            let id = pid(&input.project_id)?;
            let org = ids::id_of::<Organisation>(&input.organisation_id, "organisationId")?;
            service::add_participant(ctx.app(), p, id, org, input.role.into()).await?;
            project_by_id(ctx, id).await
        }
        .await;
        Ok(AddProjectParticipantPayload { project: project? })
    }

    /// The lead organisation or the office starts work (APPROVED → IN_PROGRESS).
    async fn start_project(&self, ctx: &Context<'_>, input: ProjectTransitionInput) -> ApiResult<StartProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Start).await }.await;
        Ok(StartProjectPayload { project: project? })
    }

    /// The lead organisation marks the work done (IN_PROGRESS → COMPLETED).
    async fn complete_project(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<CompleteProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Complete).await }.await;
        Ok(CompleteProjectPayload { project: project? })
    }

    /// The committee closes evaluation (COMPLETED → EVALUATED).
    async fn close_evaluation(
        &self,
        ctx: &Context<'_>,
        input: ProjectTransitionInput,
    ) -> ApiResult<CloseEvaluationPayload> {
        let project: ApiResult<Project> =
            async { Self::move_project(ctx, input, ProjectAction::CloseEvaluation).await }.await;
        Ok(CloseEvaluationPayload { project: project? })
    }

    /// A resident rates a completed project (one per resident, editable
    /// until evaluation closes).
    async fn evaluate_project(
        &self,
        ctx: &Context<'_>,
        input: EvaluateProjectInput,
    ) -> ApiResult<EvaluateProjectPayload> {
        let evaluation: ApiResult<Evaluation> = async {
            let p = ctx.principal()?;
            let e = voting::evaluate(ctx.app(), p, pid(&input.project_id)?, input.rating, input.comment).await?;
            Ok(Evaluation(e))
        }
        .await;
        Ok(EvaluateProjectPayload { evaluation: evaluation? })
    }

    /// The lead organisation or the office adds a task for a participant.
    async fn create_project_task(
        &self,
        ctx: &Context<'_>,
        input: CreateTaskInput,
    ) -> ApiResult<CreateProjectTaskPayload> {
        let task: ApiResult<ProjectTask> = async {
            let p = ctx.principal()?;
            let assignee = ids::id_of::<Organisation>(&input.assignee_organisation_id, "assigneeOrganisationId")?;
            let t = service::create_task(
                ctx.app(),
                p,
                pid(&input.project_id)?,
                &input.title,
                assignee,
                input.due_date.map(|d| d.0),
            )
            .await?;
            Ok(ProjectTask(t))
        }
        .await;
        Ok(CreateProjectTaskPayload { task: task? })
    }

    /// The assignee (or the lead) completes a task.
    async fn complete_project_task(
        &self,
        ctx: &Context<'_>,
        input: CompleteTaskInput,
    ) -> ApiResult<CompleteProjectTaskPayload> {
        let task: ApiResult<ProjectTask> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ProjectTask>(&input.task_id, "taskId")?;
            Ok(ProjectTask(service::complete_task(ctx.app(), p, id).await?))
        }
        .await;
        Ok(CompleteProjectTaskPayload { task: task? })
    }

    /// An implementing (or lead) organisation posts progress.
    async fn post_project_update(
        &self,
        ctx: &Context<'_>,
        input: PostUpdateInput,
    ) -> ApiResult<PostProjectUpdatePayload> {
        let update: ApiResult<ProjectUpdate> = async {
            let p = ctx.principal()?;
            let u = service::post_update(ctx.app(), p, pid(&input.project_id)?, &input.body, input.percent_complete)
                .await?;
            Ok(ProjectUpdate(u))
        }
        .await;
        Ok(PostProjectUpdatePayload { update: update? })
    }

    /// Anyone who can read the project comments on it.
    async fn add_comment(&self, ctx: &Context<'_>, input: AddCommentInput) -> ApiResult<AddCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            Ok(ProjectComment(service::add_comment(ctx.app(), p, pid(&input.project_id)?, &input.body).await?))
        }
        .await;
        Ok(AddCommentPayload { comment: comment? })
    }

    /// The author edits their comment.
    async fn edit_comment(&self, ctx: &Context<'_>, input: EditCommentInput) -> ApiResult<EditCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ProjectComment>(&input.comment_id, "commentId")?;
            Ok(ProjectComment(service::edit_comment(ctx.app(), p, id, &input.body).await?))
        }
        .await;
        Ok(EditCommentPayload { comment: comment? })
    }

    /// The committee removes a comment, with a recorded reason.
    async fn remove_comment(&self, ctx: &Context<'_>, input: RemoveCommentInput) -> ApiResult<RemoveCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ProjectComment>(&input.comment_id, "commentId")?;
            Ok(ProjectComment(service::remove_comment(ctx.app(), p, id, &input.reason).await?))
        }
        .await;
        Ok(RemoveCommentPayload { comment: comment? })
    }

    /// The committee schedules a council meeting with an agenda.
    async fn schedule_council_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleCouncilMeetingInput,
    ) -> ApiResult<ScheduleCouncilMeetingPayload> {
        let meeting: ApiResult<CouncilMeeting> = async {
            let p = ctx.principal()?;
            let new = council::NewMeeting {
                community_id: ids::id_of::<Region>(&input.community_id, "communityId")?,
                title: input.title,
                scheduled_at: input.scheduled_at.0,
                place: input.place,
                project_ids: input
                    .project_ids
                    .iter()
                    .map(|i| ids::id_of::<Project>(i, "projectIds"))
                    .collect::<ApiResult<_>>()?,
            };
            Ok(CouncilMeeting(council::create_meeting(ctx.app(), p, new).await?))
        }
        .await;
        Ok(ScheduleCouncilMeetingPayload { meeting: meeting? })
    }

    /// The committee records attendance and minutes of a meeting.
    async fn record_council_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordCouncilMeetingInput,
    ) -> ApiResult<RecordCouncilMeetingPayload> {
        let meeting: ApiResult<CouncilMeeting> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<CouncilMeeting>(&input.meeting_id, "meetingId")?;
            Ok(CouncilMeeting(council::record_meeting(ctx.app(), p, id, input.attendance, &input.minutes).await?))
        }
        .await;
        Ok(RecordCouncilMeetingPayload { meeting: meeting? })
    }

    /// The committee (or a platform admin) sets quorum, threshold and live tallies.
    async fn update_community_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateCommunitySettingsInput,
    ) -> ApiResult<UpdateCommunitySettingsPayload> {
        let settings: ApiResult<CommunitySettings> = async {
            let p = ctx.principal()?;
            let c = ids::id_of::<Region>(&input.community_id, "communityId")?;
            let s = voting::update_settings(
                ctx.app(),
                p,
                c,
                input.quorum_percent,
                input.threshold_percent,
                input.live_tally,
            )
            .await?;
            Ok(s.into())
        }
        .await;
        Ok(UpdateCommunitySettingsPayload { settings: settings? })
    }
}

/// A project the viewer may read, freshly loaded.
async fn project_by_id(ctx: &Context<'_>, id: i32) -> ApiResult<Project> {
    Ok(Project(service::visible(&ctx.db().read, ctx.principal()?, id).await?))
}

/// Something happened to a project.
#[derive(SimpleObject)]
pub struct ProjectEvent {
    /// The project.
    pub project_id: ID,
    /// What happened.
    pub kind: super::ProjectEventKind,
    /// The project's status now.
    pub status: ProjectStatus,
    /// When it happened.
    pub at: DateTime,
}

#[derive(Default)]
pub struct ProjectsSubscription;

#[Subscription]
impl ProjectsSubscription {
    /// Live events of one project: transitions, updates, comments, tasks,
    /// participants, evaluations, and tally changes (where tallies are
    /// live). Authorised like reading the project; NOT_FOUND otherwise.
    async fn project_events(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = ProjectEvent>> {
        let p = ctx.principal()?.clone();
        let id = pid(&project_id)?;
        let db = ctx.db().read.clone();
        service::visible(&db, &p, id).await?;
        let rx = ctx.app().events.subscribe();
        Ok(futures_util::stream::unfold(rx, move |mut rx| {
            let (p, db) = (p.clone(), db.clone());
            async move {
                loop {
                    match rx.recv().await {
                        Ok(ev) if ev.is_about::<Project>(id) => {
                            // Re-checked per event: the project may have left the
                            // subscriber's view since it subscribed. Then the
                            // subscription ends, as if the project were gone.
                            let proj = match service::visible(&db, &p, id).await {
                                Ok(proj) => proj,
                                Err(ApiError::Unavailable(_)) => continue,
                                Err(_) => return None,
                            };
                            let Ok(kind) = serde_json::from_value(serde_json::Value::String(ev.kind)) else {
                                continue;
                            };
                            let out = ProjectEvent {
                                project_id: Project(proj.clone()).global_id(),
                                kind,
                                status: proj.status.into(),
                                at: ev.at.into(),
                            };
                            return Some((out, rx));
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        }))
    }
}

crate::node_type!(Project, "Project", project, super::policy::visible_projects);
crate::node_type!(ProjectTask, "ProjectTask", project_task, super::policy::visible_tasks);
crate::node_type!(ProjectUpdate, "ProjectUpdate", project_update, super::policy::visible_updates);
crate::node_type!(ProjectComment, "ProjectComment", project_comment, super::policy::visible_comments);
crate::node_type!(CouncilMeeting, "CouncilMeeting", council_meeting, super::policy::visible_meetings);

/// The result of `createProject`.
#[derive(SimpleObject)]
pub struct CreateProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `editProject`.
#[derive(SimpleObject)]
pub struct EditProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `submitProject`.
#[derive(SimpleObject)]
pub struct SubmitProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `startDeliberation`.
#[derive(SimpleObject)]
pub struct StartDeliberationPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `openVoting`.
#[derive(SimpleObject)]
pub struct OpenVotingPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `closeVoting`.
#[derive(SimpleObject)]
pub struct CloseVotingPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `castVote`.
#[derive(SimpleObject)]
pub struct CastVotePayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `approveProject`.
#[derive(SimpleObject)]
pub struct ApproveProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `rejectProject`.
#[derive(SimpleObject)]
pub struct RejectProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `cancelProject`.
#[derive(SimpleObject)]
pub struct CancelProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `addProjectParticipant`.
#[derive(SimpleObject)]
pub struct AddProjectParticipantPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `startProject`.
#[derive(SimpleObject)]
pub struct StartProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `completeProject`.
#[derive(SimpleObject)]
pub struct CompleteProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `closeEvaluation`.
#[derive(SimpleObject)]
pub struct CloseEvaluationPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `evaluateProject`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct EvaluateProjectPayload {
    /// The viewer's evaluation.
    pub evaluation: Evaluation,
}

#[async_graphql::ComplexObject]
impl EvaluateProjectPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.evaluation.0.project_id, Project).await
    }
}

/// The result of `createProjectTask`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CreateProjectTaskPayload {
    /// The task.
    pub task: ProjectTask,
}

#[async_graphql::ComplexObject]
impl CreateProjectTaskPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.task.0.project_id, Project).await
    }
}

/// The result of `completeProjectTask`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CompleteProjectTaskPayload {
    /// The task.
    pub task: ProjectTask,
}

#[async_graphql::ComplexObject]
impl CompleteProjectTaskPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.task.0.project_id, Project).await
    }
}

/// The result of `postProjectUpdate`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PostProjectUpdatePayload {
    /// The progress update.
    pub update: ProjectUpdate,
}

#[async_graphql::ComplexObject]
impl PostProjectUpdatePayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.update.0.project_id, Project).await
    }
}

/// The result of `addComment`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AddCommentPayload {
    /// The comment.
    pub comment: ProjectComment,
}

#[async_graphql::ComplexObject]
impl AddCommentPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.comment.0.project_id, Project).await
    }
}

/// The result of `editComment`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct EditCommentPayload {
    /// The comment.
    pub comment: ProjectComment,
}

#[async_graphql::ComplexObject]
impl EditCommentPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.comment.0.project_id, Project).await
    }
}

/// The result of `removeComment`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RemoveCommentPayload {
    /// The comment.
    pub comment: ProjectComment,
}

#[async_graphql::ComplexObject]
impl RemoveCommentPayload {
    /// The project it belongs to.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.comment.0.project_id, Project).await
    }
}

/// The result of `scheduleCouncilMeeting`.
#[derive(SimpleObject)]
pub struct ScheduleCouncilMeetingPayload {
    /// The council meeting.
    pub meeting: CouncilMeeting,
}

/// The result of `recordCouncilMeeting`.
#[derive(SimpleObject)]
pub struct RecordCouncilMeetingPayload {
    /// The council meeting.
    pub meeting: CouncilMeeting,
}

/// The result of `updateCommunitySettings`.
#[derive(SimpleObject)]
pub struct UpdateCommunitySettingsPayload {
    /// The community's deliberation rules now.
    pub settings: CommunitySettings,
}
