//! Creating, editing and moving projects through their lifecycle.

use crate::graphql::scalars::{Date, Money};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::projects::policy::ProjectAction;
use crate::projects::{service, voting};

use super::types::{Project, ProjectCategory, pid};

/// The fields a proposer fills in.
#[derive(InputObject)]
pub struct ProjectFieldsInput {
    /// The title.
    pub title: String,
    /// The description.
    #[graphql(default)]
    pub description: String,
    /// The category.
    pub category: ProjectCategory,
    /// Estimated budget in fen.
    #[graphql(default)]
    pub budget_fen: Money,
    /// When the work is planned to start.
    pub planned_start: Option<Date>,
    /// When the work is planned to end.
    pub planned_end: Option<Date>,
    /// The building (global id), if any.
    pub building_id: Option<ID>,
    /// Where in the community, in words.
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

/// The input of `createProject`.
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
    /// The project (global id).
    pub project_id: ID,
    #[graphql(flatten)]
    pub fields: ProjectFieldsInput,
}

/// A lifecycle move, with an optional reason recorded on the timeline.
#[derive(InputObject)]
pub struct ProjectTransitionInput {
    /// The project (global id).
    pub project_id: ID,
    /// The reason given, if any.
    pub reason: Option<String>,
}

impl LifecycleMutation {
    /// A plain lifecycle move (see [`crate::projects::lifecycle::LIFECYCLE`]).
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

/// The result of `approveProject`.
#[derive(SimpleObject)]
pub struct ApproveProjectPayload {
    /// The project after the change.
    pub project: Project,
}

/// The result of `endorseProject`.
#[derive(SimpleObject)]
pub struct EndorseProjectPayload {
    /// The project after the change, its endorsement on the timeline.
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

#[derive(Default)]
pub struct LifecycleMutation;

#[Object]
impl LifecycleMutation {
    /// Residents, building heads and the committee of the community, and
    /// organisations serving it, create a draft.
    #[graphql(visible = "super::shown::propose", guard = "Authenticated")]
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateProjectInput,
    ) -> ApiResult<CreateProjectPayload> {
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
    #[graphql(visible = "super::shown::propose", guard = "Authenticated")]
    async fn edit_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EditProjectInput,
    ) -> ApiResult<EditProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            let fields = input.fields.into_fields()?;
            Ok(Project(service::edit(ctx.app(), p, pid(&input.project_id)?, fields).await?))
        }
        .await;
        Ok(EditProjectPayload { project: project? })
    }

    /// The proposer submits a draft (DRAFT → PROPOSED).
    #[graphql(visible = "super::shown::propose", guard = "Authenticated")]
    async fn submit_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<SubmitProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Submit).await }.await;
        Ok(SubmitProjectPayload { project: project? })
    }

    /// The committee takes a proposal into deliberation (PROPOSED → DELIBERATING).
    #[graphql(visible = "super::shown::deliberate", guard = "Authenticated")]
    async fn start_deliberation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<StartDeliberationPayload> {
        let project: ApiResult<Project> =
            async { Self::move_project(ctx, input, ProjectAction::StartDeliberation).await }.await;
        Ok(StartDeliberationPayload { project: project? })
    }

    /// The office approves after a passed vote (VOTING → APPROVED).
    #[graphql(visible = "super::shown::decide", guard = "Authenticated")]
    async fn approve_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<ApproveProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::decide(ctx.app(), p, pid(&input.project_id)?, true, input.reason).await?))
        }
        .await;
        Ok(ApproveProjectPayload { project: project? })
    }

    /// The party organisation over the community endorses a project being
    /// deliberated or voted on (status unchanged; a timeline row with
    /// `endorsement: true`). Where the community requires it, the office
    /// approves only an endorsed project.
    #[graphql(visible = "super::shown::endorse", guard = "Authenticated")]
    async fn endorse_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<EndorseProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(service::endorse(ctx.app(), p, pid(&input.project_id)?, input.reason).await?))
        }
        .await;
        Ok(EndorseProjectPayload { project: project? })
    }

    /// The office rejects after the vote (VOTING → REJECTED).
    #[graphql(visible = "super::shown::decide", guard = "Authenticated")]
    async fn reject_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<RejectProjectPayload> {
        let project: ApiResult<Project> = async {
            let p = ctx.principal()?;
            Ok(Project(voting::decide(ctx.app(), p, pid(&input.project_id)?, false, input.reason).await?))
        }
        .await;
        Ok(RejectProjectPayload { project: project? })
    }

    /// The office (any open state) or the proposer (draft or proposed) cancels.
    #[graphql(visible = "super::shown::cancel", guard = "Authenticated")]
    async fn cancel_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<CancelProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Cancel).await }.await;
        Ok(CancelProjectPayload { project: project? })
    }

    /// The lead organisation or the office starts work (APPROVED → IN_PROGRESS).
    #[graphql(visible = "super::shown::start", guard = "Authenticated")]
    async fn start_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<StartProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Start).await }.await;
        Ok(StartProjectPayload { project: project? })
    }

    /// The lead organisation marks the work done (IN_PROGRESS → COMPLETED).
    #[graphql(visible = "super::shown::lead", guard = "Authenticated")]
    async fn complete_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<CompleteProjectPayload> {
        let project: ApiResult<Project> = async { Self::move_project(ctx, input, ProjectAction::Complete).await }.await;
        Ok(CompleteProjectPayload { project: project? })
    }

    /// The committee closes evaluation (COMPLETED → EVALUATED).
    #[graphql(visible = "super::shown::deliberate", guard = "Authenticated")]
    async fn close_evaluation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ProjectTransitionInput,
    ) -> ApiResult<CloseEvaluationPayload> {
        let project: ApiResult<Project> =
            async { Self::move_project(ctx, input, ProjectAction::CloseEvaluation).await }.await;
        Ok(CloseEvaluationPayload { project: project? })
    }
}
