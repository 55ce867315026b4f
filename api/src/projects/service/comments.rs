//! Comments: written by anyone who can read the project (a person taking
//! part), edited by their author, removed by the committee with a reason.

use chrono::Utc;
use entity::enums::ProjectStatus;
use entity::{project, project_comment};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, NotSet, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::projects::graphql::ProjectComment;
use crate::projects::policy::{self, ProjectAction, ProjectFacts};
use crate::projects::{ProjectEventKind, Verbs};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

use super::{event, load, wrong_state};
use ProjectStatus::*;

pub async fn add_comment(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    body: &str,
) -> ApiResult<project_comment::Model> {
    let body = crate::input::Remark::parse("body", body).map(crate::input::Remark::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, false).await?;
    policy::authorize_project(p, ProjectAction::Comment, &facts)?;
    let author = p.account_id().ok_or_else(|| ApiError::forbidden(t!("projects.people_comment")))?;
    if matches!(proj.status, Cancelled | Evaluated) {
        return Err(wrong_state(ProjectAction::Comment, proj.status));
    }
    let created = project_comment::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        author_account_id: Set(author),
        body: Set(body),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
        removed_at: Set(None),
        removed_reason: Set(None),
        removed_by_account_id: Set(None),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<ProjectComment>(Verbs::CommentCreate, created.id).community(Some(proj.community_id)))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Comment))
        .await;
    Ok(created)
}

async fn load_comment(
    txn: &DatabaseTransaction,
    p: &Principal,
    comment_id: i32,
) -> ApiResult<(project_comment::Model, project::Model, ProjectFacts)> {
    let c = project_comment::Entity::find_by_id(comment_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("ProjectComment"))?;
    let (proj, facts) = load(txn, p, c.project_id, false).await?;
    if c.removed_at.is_some() {
        return Err(ApiError::bad_input("commentId", t!("projects.comment_was_removed")));
    }
    Ok((c, proj, facts))
}

pub async fn edit_comment(
    app: &AppState,
    p: &Principal,
    comment_id: i32,
    body: &str,
) -> ApiResult<project_comment::Model> {
    let body = crate::input::Remark::parse("body", body).map(crate::input::Remark::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (c, proj, _) = load_comment(txn, p, comment_id).await?;
    if p.account_id() != Some(c.author_account_id) {
        return Err(ApiError::forbidden(t!("projects.author_edits_comment")));
    }
    let mut am: project_comment::ActiveModel = c.into();
    am.body = Set(body);
    am.edited_at = Set(Some(Utc::now()));
    let updated = am.update(txn).await?;
    uow.commit(Audit::of::<ProjectComment>(Verbs::CommentEdit, updated.id).community(Some(proj.community_id)))
        .await?
        .publish(&app.events, event(&proj, ProjectEventKind::Comment))
        .await;
    Ok(updated)
}

pub async fn remove_comment(
    app: &AppState,
    p: &Principal,
    comment_id: i32,
    reason: &str,
) -> ApiResult<project_comment::Model> {
    let reason = crate::input::Reason::parse("reason", reason).map(crate::input::Reason::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (c, proj, facts) = load_comment(txn, p, comment_id).await?;
    policy::authorize_project(p, ProjectAction::RemoveComment, &facts)?;
    let mut am: project_comment::ActiveModel = c.into();
    am.removed_at = Set(Some(Utc::now()));
    am.removed_reason = Set(Some(reason.clone()));
    am.removed_by_account_id = Set(p.account_id());
    let updated = am.update(txn).await?;
    uow.commit(
        Audit::of::<ProjectComment>(Verbs::CommentRemove, updated.id)
            .community(Some(proj.community_id))
            .details(json!({ "reason": reason })),
    )
    .await?
    .publish(&app.events, event(&proj, ProjectEventKind::Comment))
    .await;
    Ok(updated)
}
