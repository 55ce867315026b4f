//! Comments on projects.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{account, project, project_comment};

use crate::accounts::graphql::Account;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::projects::service;

use super::types::{Project, pid};

/// A comment on a project.
#[derive(Clone)]
pub struct ProjectComment(pub project_comment::Model);

/// A comment on a project.
#[Object(visible = "super::shown::read_projects")]
impl ProjectComment {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The text; null once removed by the committee.
    async fn body(&self) -> Option<&str> {
        if self.0.removed_at.is_some() { None } else { Some(&self.0.body) }
    }
    /// Who wrote it (null if the account is gone).
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.author_account_id, Account).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When its author last edited it.
    async fn edited_at(&self) -> Option<DateTime> {
        self.0.edited_at.map(Into::into)
    }
    /// When the committee removed it.
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

/// The input of `addComment`.
#[derive(InputObject)]
pub struct AddCommentInput {
    /// The project (global id).
    pub project_id: ID,
    /// The text.
    pub body: String,
}

/// The input of `editComment`.
#[derive(InputObject)]
pub struct EditCommentInput {
    /// The comment (global id).
    pub comment_id: ID,
    /// The text.
    pub body: String,
}

/// The input of `removeComment`.
#[derive(InputObject)]
pub struct RemoveCommentInput {
    /// The comment (global id).
    pub comment_id: ID,
    /// Required: recorded and shown in place of the comment.
    pub reason: String,
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

#[derive(Default)]
pub struct CommentsMutation;

#[Object]
impl CommentsMutation {
    /// Anyone who can read the project comments on it.
    #[graphql(visible = "super::shown::comment", guard = "Authenticated")]
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddCommentInput,
    ) -> ApiResult<AddCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            Ok(ProjectComment(service::add_comment(ctx.app(), p, pid(&input.project_id)?, &input.body).await?))
        }
        .await;
        Ok(AddCommentPayload { comment: comment? })
    }

    /// The author edits their comment.
    #[graphql(visible = "super::shown::comment", guard = "Authenticated")]
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EditCommentInput,
    ) -> ApiResult<EditCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ProjectComment>(&input.comment_id, "commentId")?;
            Ok(ProjectComment(service::edit_comment(ctx.app(), p, id, &input.body).await?))
        }
        .await;
        Ok(EditCommentPayload { comment: comment? })
    }

    /// The committee removes a comment, with a recorded reason.
    #[graphql(visible = "super::shown::deliberate", guard = "Authenticated")]
    async fn remove_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RemoveCommentInput,
    ) -> ApiResult<RemoveCommentPayload> {
        let comment: ApiResult<ProjectComment> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ProjectComment>(&input.comment_id, "commentId")?;
            Ok(ProjectComment(service::remove_comment(ctx.app(), p, id, &input.reason).await?))
        }
        .await;
        Ok(RemoveCommentPayload { comment: comment? })
    }
}

crate::node_type!(ProjectComment, "ProjectComment", project_comment, crate::projects::policy::visible_comments);
