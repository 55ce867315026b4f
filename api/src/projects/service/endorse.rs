//! The party organisation's endorsement (issue 29): a row of the project's
//! timeline marked `endorsed`, its status unchanged. Where the community
//! requires it (`CommunitySettings.endorsementRequired`), the office's
//! approval waits for it (`voting::decide`).

use chrono::Utc;
use entity::{project, project_transition};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set};

use super::{check_reason, event, load, update_if_unchanged, visible};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::projects::graphql::Project;
use crate::projects::lifecycle;
use crate::projects::policy::{self, ProjectAction};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// Has the project been endorsed?
pub(crate) async fn endorsed<C: ConnectionTrait>(conn: &C, project_id: i32) -> ApiResult<bool> {
    Ok(project_transition::Entity::find()
        .filter(project_transition::Column::ProjectId.eq(project_id))
        .filter(project_transition::Column::Endorsed.eq(true))
        .count(conn)
        .await?
        > 0)
}

/// The party organisation over the project's community endorses it, once,
/// while it is deliberated or voted on.
pub async fn endorse(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    note: Option<String>,
) -> ApiResult<project::Model> {
    let note = check_reason(note)?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::Endorse, &facts)?;
    let step = lifecycle::check(ProjectAction::Endorse, proj.status)?;
    // Touch the row first: a second endorsement at the same moment waits
    // here for this one and then finds its row (never two).
    let now = Utc::now();
    let touch = project::ActiveModel { updated_at: Set(now), ..Default::default() };
    update_if_unchanged(txn, proj.id, proj.status, touch).await?;
    if endorsed(txn, proj.id).await? {
        return Err(ApiError::conflict(t!("projects.already_endorsed")));
    }
    project_transition::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        from_status: Set(Some(proj.status)),
        to_status: Set(proj.status),
        account_id: Set(p.account_id()),
        role: Set(p.role),
        reason: Set(note),
        at: Set(now),
        organisation_id: Set(p.scope.organisation_id),
        endorsed: Set(true),
    }
    .insert(txn)
    .await?;
    let updated = visible(txn, p, proj.id).await?;
    uow.emit(
        Hook::of::<Project>(EventType::ProjectEndorsed, proj.id)
            .community(proj.community_id)
            .with("status", serde_json::to_value(proj.status).unwrap_or_default()),
    );
    uow.commit(Audit::of::<Project>(step.verb, proj.id).community(proj.community_id))
        .await?
        .publish(&app.events, event(&updated, step.event))
        .await;
    Ok(updated)
}
