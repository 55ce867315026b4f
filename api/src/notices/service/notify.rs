//! Notices other domains write inside their own unit of work.

use chrono::Utc;
use entity::enums::{NoticeCategory, NoticeStatus};
use entity::{notice, notice_target};
use sea_orm::{ActiveModelTrait, NotSet, Set};
use serde_json::json;

use super::{event, hook, targets_of};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::events::Event;
use crate::input::{Body, Title};
use crate::notices::NoticeEventKind;
use crate::webhooks::EventType;

/// A plain notice to a community's residents written inside another
/// domain's unit of work (the committee scheduling a council meeting):
/// the caller emits the hook, writes the audit row and publishes the event
/// after its commit.
pub async fn notify_community(
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    community_id: i32,
    title: &str,
    body: &str,
) -> ApiResult<(notice::Model, crate::uow::Hook, Event)> {
    let title = Title::parse("title", title)?.into_inner();
    let body = Body::parse("body", body)?.into_inner();
    let now = Utc::now();
    let n = notice::ActiveModel {
        id: NotSet,
        publisher_account_id: Set(p.account_id().unwrap_or_default()),
        publisher_role: Set(p.role),
        publisher_organisation_id: Set(p.scope.organisation_id),
        category: Set(NoticeCategory::General),
        title: Set(title),
        body: Set(body),
        valid_from: Set(now),
        valid_until: Set(None),
        status: Set(NoticeStatus::Published),
        level: Set(None),
        instructions: Set(None),
        follow_up_secs: Set(None),
        frozen_counts: Set(None),
        frozen_households: Set(None),
        frozen_reached_within_hour: Set(None),
        answers_purged_at: Set(None),
        created_at: Set(now),
        edited_at: Set(None),
        withdrawn_at: Set(None),
        closed_at: Set(None),
    }
    .insert(txn)
    .await?;
    notice_target::ActiveModel {
        id: NotSet,
        notice_id: Set(n.id),
        region_id: Set(Some(community_id)),
        building_id: Set(None),
    }
    .insert(txn)
    .await?;
    let targets = targets_of(txn, n.id).await?;
    let h = hook(&n, EventType::NoticePublished, Some(community_id));
    let e = event(&n, &targets, NoticeEventKind::Published, json!({}));
    Ok((n, h, e))
}
