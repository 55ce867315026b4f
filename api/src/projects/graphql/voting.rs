//! Votes, tallies, evaluations and a community's deliberation rules.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{evaluation, project};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::projects::loaders::ViewerVoteLoader;
use crate::projects::voting;

use super::lifecycle::ProjectTransitionInput;
use super::types::{Project, VoteChoice, pid};

/// The viewer's own evaluation.
pub struct Evaluation(pub evaluation::Model);

/// The viewer's own evaluation.
#[Object]
impl Evaluation {
    /// The rating, 1 (poor) to 5 (excellent).
    async fn rating(&self) -> i32 {
        self.0.rating
    }
    /// An optional remark.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
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
    /// The office approves a project only after the party organisation
    /// endorsed it (`endorseProject`).
    pub endorsement_required: bool,
}

/// The input of `openVoting`.
#[derive(InputObject)]
pub struct OpenVotingInput {
    /// The project (global id).
    pub project_id: ID,
    /// When the window closes (must be in the future).
    pub closes_at: DateTime,
}

/// The input of `castVote`.
#[derive(InputObject)]
pub struct CastVoteInput {
    /// The project (global id).
    pub project_id: ID,
    /// The ballot choice.
    pub choice: VoteChoice,
}

/// The input of `evaluateProject`.
#[derive(InputObject)]
pub struct EvaluateProjectInput {
    /// The project (global id).
    pub project_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub rating: i32,
    /// An optional remark.
    pub comment: Option<String>,
}

/// The input of `updateCommunitySettings`.
#[derive(InputObject)]
pub struct UpdateCommunitySettingsInput {
    /// The community (global id).
    pub community_id: ID,
    /// Share of registered residents that must vote, 0 to 100 (at least).
    pub quorum_percent: i32,
    /// Share of YES among YES and NO that must be exceeded, 0 to 99.
    pub threshold_percent: i32,
    /// Show counts while a vote is open (applies to votes opened after the change).
    pub live_tally: bool,
    /// Require the party organisation's endorsement before the office
    /// approves. Left out: as it was.
    pub endorsement_required: Option<bool>,
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

/// The result of `updateCommunitySettings`.
#[derive(SimpleObject)]
pub struct UpdateCommunitySettingsPayload {
    /// The community's deliberation rules now.
    pub settings: CommunitySettings,
}

#[derive(Default)]
pub struct VotingMutation;

#[Object]
impl VotingMutation {
    /// The committee opens voting (DELIBERATING → VOTING).
    #[graphql(visible = "super::shown::deliberate", guard = "Authenticated")]
    async fn open_voting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: OpenVotingInput,
    ) -> ApiResult<OpenVotingPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::open_voting(ctx.app(), p, pid(&input.project_id)?, input.closes_at.0).await?))
        }
        .await;
        Ok(OpenVotingPayload { project: project? })
    }

    /// The committee closes voting: the tally is frozen and the outcome set.
    #[graphql(visible = "super::shown::deliberate", guard = "Authenticated")]
    async fn close_voting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<CloseVotingPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::close_voting(ctx.app(), p, pid(&input.project_id)?).await?))
        }
        .await;
        Ok(CloseVotingPayload { project: project? })
    }

    /// Cast or change the viewer's ballot (residents of the community).
    #[graphql(visible = "super::shown::vote", guard = "Authenticated")]
    async fn cast_vote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CastVoteInput,
    ) -> ApiResult<CastVotePayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            let choice = input.choice.into();
            let project = voting::cast_vote(ctx.app(), p, pid(&input.project_id)?, choice).await?;
            // The payload's `viewerVote` is the ballot just written.
            ctx.loader::<ViewerVoteLoader>()?.prime(project.id, Some(choice))?;
            Ok(Project(project))
        }
        .await;
        Ok(CastVotePayload { project: project? })
    }

    /// A resident rates a completed project (one per resident, editable
    /// until evaluation closes).
    #[graphql(visible = "super::shown::vote", guard = "Authenticated")]
    async fn evaluate_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EvaluateProjectInput,
    ) -> ApiResult<EvaluateProjectPayload> {
        let evaluation: ApiResult<Evaluation> = async {
            let p = ctx.principal()?;
            let e = voting::evaluate(ctx.app(), p, pid(&input.project_id)?, input.rating, input.comment).await?;
            Ok(Evaluation(e))
        }
        .await;
        Ok(EvaluateProjectPayload { evaluation: evaluation? })
    }

    /// The committee (or a platform admin) sets quorum, threshold and live tallies.
    #[graphql(visible = "super::shown::manage_settings", guard = "Authenticated")]
    async fn update_community_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: UpdateCommunitySettingsInput,
    ) -> ApiResult<UpdateCommunitySettingsPayload> {
        let settings: ApiResult<CommunitySettings> = async {
            let p = ctx.principal()?;
            let c = ids::id_of::<Region>(&input.community_id, "communityId")?;
            let new = voting::NewSettings {
                quorum_percent: input.quorum_percent,
                threshold_percent: input.threshold_percent,
                live_tally: input.live_tally,
                endorsement_required: input.endorsement_required,
            };
            let s = voting::update_settings(ctx.app(), p, c, new).await?;
            Ok(s.into())
        }
        .await;
        Ok(UpdateCommunitySettingsPayload { settings: settings? })
    }
}

impl From<entity::community_setting::Model> for CommunitySettings {
    fn from(s: entity::community_setting::Model) -> Self {
        Self {
            quorum_percent: s.quorum_percent,
            threshold_percent: s.threshold_percent,
            live_tally: s.live_tally,
            endorsement_required: s.endorsement_required,
        }
    }
}
