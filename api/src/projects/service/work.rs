//! Work on a project: participants, tasks and progress updates.

use chrono::{NaiveDate, Utc};
use entity::enums::{ParticipationRole, ProjectStatus, TaskStatus};
use entity::{organisation, project_participant, project_task, project_update};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Unique, map_unique};
use crate::projects::graphql::{Project, ProjectTask, ProjectUpdate};
use crate::projects::policy::{self, ProjectAction};
use crate::projects::{ProjectEventKind, Verbs};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

use super::{event, load, wrong_state};
use ProjectStatus::*;

/// Open projects may gain participants; finished ones may not.
const PARTICIPANT_STATES: [ProjectStatus; 6] = [Proposed, Deliberating, Voting, Approved, InProgress, Draft];

pub async fn add_participant(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    organisation_id: i32,
    role: ParticipationRole,
) -> ApiResult<project_participant::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::AddParticipant, &facts)?;
    if !PARTICIPANT_STATES.contains(&proj.status) {
        return Err(wrong_state(ProjectAction::AddParticipant, proj.status));
    }
    match organisation::Entity::find_by_id(organisation_id).one(txn).await? {
        Some(o)
            if matches!(
                o.kind,
                entity::enums::OrganisationKind::SocialOrganization | entity::enums::OrganisationKind::PropertyCompany
            ) => {}
        Some(_) => {
            return Err(ApiError::bad_input(
                "organisationId",
                t!("projects.participants_are_social_organisations_property"),
            ));
        }
        None => return Err(ApiError::bad_input("organisationId", t!("projects.no_such_organisation"))),
    }
    let created = project_participant::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        organisation_id: Set(organisation_id),
        role: Set(role),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        map_unique(
            e,
            &[Unique {
                name: "uq_project_participants",
                columns: "project_participants.project_id",
                error: || ApiError::conflict(t!("projects.organisation_already_has_role_project")),
            }],
        )
    })?;
    uow.commit(
        Audit::of::<Project>(Verbs::ProjectAddParticipant, proj.id)
            .community(Some(proj.community_id))
            .details(json!({ "organisationId": organisation_id, "role": role })),
    )
    .await?
    .publish(&app.events, event(&proj, ProjectEventKind::Participant))
    .await;
    Ok(created)
}

pub async fn create_task(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    title: &str,
    assignee: i32,
    due_date: Option<NaiveDate>,
) -> ApiResult<project_task::Model> {
    let title = crate::input::Title::parse("title", title).map(crate::input::Title::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::CreateTask, &facts)?;
    if !matches!(proj.status, Approved | InProgress) {
        return Err(wrong_state(ProjectAction::CreateTask, proj.status));
    }
    let participant = project_participant::Entity::find()
        .filter(project_participant::Column::ProjectId.eq(proj.id))
        .filter(project_participant::Column::OrganisationId.eq(assignee))
        .count(txn)
        .await?;
    if participant == 0 {
        return Err(ApiError::bad_input("assigneeOrganisationId", t!("projects.assignee_must_participate_project")));
    }
    let created = project_task::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        title: Set(title),
        assignee_organisation_id: Set(assignee),
        due_date: Set(due_date),
        status: Set(TaskStatus::Open),
        created_at: Set(Utc::now()),
        completed_at: Set(None),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<ProjectTask>(Verbs::ProjectCreateTask, created.id).community(Some(proj.community_id)))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Task))
        .await;
    Ok(created)
}

pub async fn complete_task(app: &AppState, p: &Principal, task_id: i32) -> ApiResult<project_task::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let task =
        project_task::Entity::find_by_id(task_id).one(txn).await?.ok_or_else(|| ApiError::not_found("ProjectTask"))?;
    let (proj, facts) = load(txn, p, task.project_id, true).await?;
    policy::authorize_project(p, ProjectAction::CompleteTask, &facts)?;
    // The assignee completes its own task (whatever its participation
    // role); the lead any task.
    let lead = facts.my_participation.contains(&ParticipationRole::Lead);
    if !lead && p.scope.organisation_id != Some(task.assignee_organisation_id) {
        return Err(ApiError::forbidden(t!("projects.assignee_lead_completes_task")));
    }
    if proj.status != InProgress {
        return Err(wrong_state(ProjectAction::CompleteTask, proj.status));
    }
    if task.status == TaskStatus::Done {
        return Err(ApiError::bad_input("taskId", t!("projects.task_already_done")));
    }
    let mut am: project_task::ActiveModel = task.into();
    am.status = Set(TaskStatus::Done);
    am.completed_at = Set(Some(Utc::now()));
    let updated = am.update(txn).await?;
    uow.commit(Audit::of::<ProjectTask>(Verbs::ProjectCompleteTask, updated.id).community(Some(proj.community_id)))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Task))
        .await;
    Ok(updated)
}

pub async fn post_update(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    body: &str,
    percent_complete: i32,
) -> ApiResult<project_update::Model> {
    let body = crate::input::Body::parse("body", body).map(crate::input::Body::into_inner)?;
    if !(0..=100).contains(&percent_complete) {
        return Err(ApiError::bad_input("percentComplete", t!("projects.must_between_0_100")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::PostUpdate, &facts)?;
    if proj.status != InProgress {
        return Err(wrong_state(ProjectAction::PostUpdate, proj.status));
    }
    let (Some(org), Some(author)) = (p.scope.organisation_id, p.account_id()) else {
        return Err(ApiError::forbidden(t!("projects.implementing_organisations_post_updates")));
    };
    let created = project_update::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        organisation_id: Set(org),
        author_account_id: Set(author),
        body: Set(body),
        percent_complete: Set(percent_complete),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<ProjectUpdate>(Verbs::ProjectPostUpdate, created.id).community(Some(proj.community_id)))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Update))
        .await;
    Ok(created)
}
