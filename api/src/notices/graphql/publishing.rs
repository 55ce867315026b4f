//! Publishing, editing, withdrawing and reading notices.

use async_graphql::{Context, ID, InputObject, Object};

use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::notices::service::{self, NewNotice};

use super::*;

/// The input of `publishNotice`.
#[derive(InputObject)]
pub struct PublishNoticeInput {
    /// The category; EMERGENCY makes it an alert.
    pub category: NoticeCategory,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Shown from (default now).
    pub valid_from: Option<DateTime>,
    /// Shown until.
    pub valid_until: Option<DateTime>,
    /// Target regions (global ids): the committee its community; the office its region or communities under it.
    #[graphql(default)]
    pub target_region_ids: Vec<ID>,
    /// Target buildings (global ids): the committee's community's, the office's region's, the building head's own.
    #[graphql(default)]
    pub target_building_ids: Vec<ID>,
    /// The warning level (required for EMERGENCY, refused otherwise).
    pub level: Option<AlertLevel>,
    /// What residents should do (alerts).
    pub instructions: Option<String>,
    /// Seconds without an answer before a household is flagged to its building head (default from the configuration).
    pub follow_up_seconds: Option<i32>,
}

/// The input of `editNotice`.
#[derive(InputObject)]
pub struct EditNoticeInput {
    /// The notice (global id).
    pub notice_id: ID,
    /// The new title.
    pub title: String,
    /// The new text.
    pub body: String,
    /// New instructions (alerts).
    pub instructions: Option<String>,
}

/// A notice to act on.
#[derive(InputObject)]
pub struct NoticeInput {
    /// The notice (global id).
    pub notice_id: ID,
}

pub(crate) fn nid(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Notice>(id, "noticeId")
}

/// Mutations of publishing and reading.
#[derive(Default)]
pub struct PublishingMutation;

#[Object]
impl PublishingMutation {
    /// The committee, the office or a building head publishes a notice or an alert.
    #[graphql(visible = "super::shown::publish", guard = "Authenticated")]
    async fn publish_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: PublishNoticeInput,
    ) -> ApiResult<PublishNoticePayload> {
        let new = NewNotice {
            category: input.category.into(),
            title: input.title,
            body: input.body,
            valid_from: input.valid_from.map(|d| d.0),
            valid_until: input.valid_until.map(|d| d.0),
            region_ids: input
                .target_region_ids
                .iter()
                .map(|r| ids::id_of::<Region>(r, "targetRegionIds"))
                .collect::<ApiResult<_>>()?,
            building_ids: input
                .target_building_ids
                .iter()
                .map(|b| ids::id_of::<Building>(b, "targetBuildingIds"))
                .collect::<ApiResult<_>>()?,
            level: input.level.map(Into::into),
            instructions: input.instructions,
            follow_up_secs: input.follow_up_seconds,
        };
        Ok(PublishNoticePayload { notice: Notice(service::publish(ctx.app(), ctx.principal()?, new).await?) })
    }

    /// The publisher edits a notice within 10 minutes of publishing.
    #[graphql(visible = "super::shown::publish", guard = "Authenticated")]
    async fn edit_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EditNoticeInput,
    ) -> ApiResult<EditNoticePayload> {
        let n = service::edit(
            ctx.app(),
            ctx.principal()?,
            nid(&input.notice_id)?,
            &input.title,
            &input.body,
            input.instructions,
        )
        .await?;
        Ok(EditNoticePayload { notice: Notice(n) })
    }

    /// The publisher withdraws a notice.
    #[graphql(visible = "super::shown::publish", guard = "Authenticated")]
    async fn withdraw_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<WithdrawNoticePayload> {
        Ok(WithdrawNoticePayload {
            notice: Notice(service::withdraw(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }

    /// The viewer marks a notice read (counted once however often it is sent).
    #[graphql(visible = "super::shown::read_notices", guard = "Authenticated")]
    async fn mark_notice_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<MarkNoticeReadPayload> {
        Ok(MarkNoticeReadPayload {
            notice: Notice(service::mark_read(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }
}
