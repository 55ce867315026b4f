//! Carrying out a project: participants, tasks and progress updates.

use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{organisation, project, project_participant, project_task, project_update};

use crate::directory::graphql::Organisation;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::projects::service;

use super::types::{ParticipationRole, Project, TaskStatus, pid, project_by_id};

/// An organisation's part in a project.
pub struct ProjectParticipant(pub project_participant::Model);

/// An organisation's part in a project.
#[Object]
impl ProjectParticipant {
    /// The role.
    async fn role(&self) -> ParticipationRole {
        self.0.role.into()
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// When it was added.
    async fn added_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A task of a project, assigned to a participating organisation.
#[derive(Clone)]
pub struct ProjectTask(pub project_task::Model);

/// A task of a project, assigned to a participating organisation.
#[Object(visible = "super::shown::read_projects")]
impl ProjectTask {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The current status.
    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }
    /// When the task is due.
    async fn due_date(&self) -> Option<Date> {
        self.0.due_date.map(Into::into)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(Into::into)
    }
    /// The organisation assigned to it.
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.assignee_organisation_id, Organisation).await
    }
}

/// A progress update posted by a participating organisation.
#[derive(Clone)]
pub struct ProjectUpdate(pub project_update::Model);

/// A progress update posted by a participating organisation.
#[Object(visible = "super::shown::read_projects")]
impl ProjectUpdate {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Progress, 0 to 100.
    async fn percent_complete(&self) -> i32 {
        self.0.percent_complete
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
}

/// The input of `addParticipant`.
#[derive(InputObject)]
pub struct AddParticipantInput {
    /// The project (global id).
    pub project_id: ID,
    /// The organisation (global id).
    pub organisation_id: ID,
    /// The role.
    pub role: ParticipationRole,
}

/// The input of `createTask`.
#[derive(InputObject)]
pub struct CreateTaskInput {
    /// The project (global id).
    pub project_id: ID,
    /// The title.
    pub title: String,
    /// The participating organisation that will do the task (global id).
    pub assignee_organisation_id: ID,
    /// When the task is due.
    pub due_date: Option<Date>,
}

/// The input of `completeTask`.
#[derive(InputObject)]
pub struct CompleteTaskInput {
    /// The task (global id).
    pub task_id: ID,
}

/// The input of `postUpdate`.
#[derive(InputObject)]
pub struct PostUpdateInput {
    /// The project (global id).
    pub project_id: ID,
    /// The text.
    pub body: String,
    /// 0–100.
    pub percent_complete: i32,
}

/// The result of `addProjectParticipant`.
#[derive(SimpleObject)]
pub struct AddProjectParticipantPayload {
    /// The project after the change.
    pub project: Project,
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

#[derive(Default)]
pub struct WorkMutation;

#[Object]
impl WorkMutation {
    /// The office adds a participating organisation.
    #[graphql(visible = "super::shown::decide", guard = "Authenticated")]
    async fn add_project_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddParticipantInput,
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

    /// The lead organisation or the office adds a task for a participant.
    #[graphql(visible = "super::shown::start", guard = "Authenticated")]
    async fn create_project_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateTaskInput,
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
    #[graphql(visible = "super::shown::lead", guard = "Authenticated")]
    async fn complete_project_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CompleteTaskInput,
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
    #[graphql(visible = "super::shown::lead", guard = "Authenticated")]
    async fn post_project_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: PostUpdateInput,
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
}

crate::node_type!(ProjectTask, "ProjectTask", project_task, crate::projects::policy::visible_tasks);

crate::node_type!(ProjectUpdate, "ProjectUpdate", project_update, crate::projects::policy::visible_updates);
