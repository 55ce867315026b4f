//! The notices domain's live events.

use async_graphql::{Context, ID, SimpleObject, Subscription};
use entity::enums::Role as DbRole;
use entity::notice;
use futures_util::Stream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::accounts::graphql::Account;
use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::notices::{NoticeEventKind, policy};

use super::*;

/// Something happened to a notice.
#[derive(SimpleObject, Clone)]
pub struct NoticeEvent {
    /// The notice (global id); fetch it with `notice(id:)`.
    pub notice_id: ID,
    /// What happened.
    pub kind: NoticeEventKind,
    /// When.
    pub at: DateTime,
}

/// A household flagged to its building head for not answering an alert in time.
#[derive(SimpleObject, Clone)]
pub struct AlertFollowUp {
    /// The alert (global id).
    pub notice_id: ID,
    /// The resident (account global id); see the alert's `roster`.
    pub account_id: ID,
    /// When.
    pub at: DateTime,
}

pub(crate) fn ids_of(v: &serde_json::Value, key: &str) -> Vec<i32> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_i64().and_then(|n| i32::try_from(n).ok())).collect())
        .unwrap_or_default()
}

#[derive(Default)]
pub struct NoticesSubscription;

#[Subscription]
impl NoticesSubscription {
    /// Live events of the notices the viewer may read: published, edited,
    /// withdrawn, closed; and, for those who see counts (not residents),
    /// answers and visits. Across server processes on PostgreSQL.
    #[graphql(visible = "super::shown::read_notices", guard = "Authenticated")]
    async fn notice_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = NoticeEvent>> {
        let p = ctx.principal()?.clone();
        let db = ctx.db().read.clone();
        let rx = ctx.app().events.subscribe();
        let resident = matches!(p.role, DbRole::Resident | DbRole::BuildingHead);
        let my_regions = crate::policy::path_ids(p.scope.region_path.as_deref().unwrap_or_default());
        Ok(futures_util::stream::unfold(rx, move |mut rx| {
            let (p, db, my_regions) = (p.clone(), db.clone(), my_regions.clone());
            async move {
                loop {
                    let ev = match rx.recv().await {
                        Ok(ev) if ev.topic == <Notice as NodeType>::NAME => ev,
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    };
                    let Ok(kind) =
                        serde_json::from_value::<NoticeEventKind>(serde_json::Value::String(ev.kind.clone()))
                    else {
                        continue;
                    };
                    let counts_event = matches!(kind, NoticeEventKind::Response | NoticeEventKind::Visit);
                    let wanted = match (kind, resident) {
                        (NoticeEventKind::Flagged, _) => false,
                        // Residents are matched in memory against the event's
                        // targets (no query per subscriber), and get no count events.
                        (_, true) if counts_event => {
                            p.role == DbRole::BuildingHead
                                && ev.data["extra"]["buildingId"].as_i64() == p.scope.building_id.map(i64::from)
                        }
                        (_, true) => {
                            ids_of(&ev.data, "regions").iter().any(|r| my_regions.contains(r))
                                || p.scope.building_id.is_some_and(|b| ids_of(&ev.data, "buildings").contains(&b))
                        }
                        (_, false) => notice::Entity::find()
                            .filter(policy::notices_condition(&p, true))
                            .filter(notice::Column::Id.eq(ev.id))
                            .one(&db)
                            .await
                            .ok()
                            .flatten()
                            .is_some(),
                    };
                    if wanted {
                        let out = NoticeEvent {
                            notice_id: ids::encode(<Notice as NodeType>::NAME, ev.id),
                            kind,
                            at: ev.at.into(),
                        };
                        return Some((out, rx));
                    }
                }
            }
        }))
    }

    /// For a building head: households of their building flagged for not
    /// answering an alert in time, as they are flagged.
    #[graphql(visible = "super::shown::visit", guard = "Authenticated")]
    async fn alert_follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = AlertFollowUp>> {
        let p = ctx.principal()?;
        use crate::policy::Permission;
        let (true, Some(building)) = (crate::notices::policy::NoticesPermission::Visit.allowed(p), p.scope.building_id)
        else {
            return Err(ApiError::forbidden(t!("notices.follow_ups_are_building_heads")).into());
        };
        let rx = ctx.app().events.subscribe();
        let pending: Vec<AlertFollowUp> = Vec::new();
        Ok(futures_util::stream::unfold((rx, pending), move |(mut rx, mut pending)| async move {
            loop {
                if let Some(next) = pending.pop() {
                    return Some((next, (rx, pending)));
                }
                let ev = match rx.recv().await {
                    Ok(ev) if ev.topic == <Notice as NodeType>::NAME && ev.kind == "FLAGGED" => ev,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                };
                for f in ev.data["flags"].as_array().into_iter().flatten() {
                    if f["buildingId"].as_i64() == Some(i64::from(building))
                        && let Some(a) = f["accountId"].as_i64().and_then(|a| i32::try_from(a).ok())
                    {
                        pending.push(AlertFollowUp {
                            notice_id: ids::encode(<Notice as NodeType>::NAME, ev.id),
                            account_id: ids::encode(<Account as NodeType>::NAME, a),
                            at: ev.at.into(),
                        });
                    }
                }
            }
        }))
    }
}
