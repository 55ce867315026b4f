//! The reports domain's live events.

use async_graphql::{ComplexObject, Context, SimpleObject, Subscription};
use entity::report;
use futures_util::Stream;
use sea_orm::{ColumnTrait, QueryFilter};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::reports::policy::{self};

use super::*;

/// A change to a report.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ReportChange {
    /// What happened.
    pub kind: ReportEventKind,
    /// The status now.
    pub status: ReportStatus,
    /// When.
    pub at: DateTime,
    #[graphql(skip)]
    pub report: report::Model,
}

#[ComplexObject]
impl ReportChange {
    /// The report now.
    async fn report(&self) -> Report {
        Report(self.report.clone())
    }
}

#[derive(Default)]
pub struct ReportsSubscription;

/// Which reports a live feed follows.
#[derive(Clone, Copy)]
pub(crate) enum Feed {
    Mine,
    Queue(i32),
}

pub(crate) fn follow(ctx: &Context<'_>, feed: Feed) -> ApiResult<impl Stream<Item = ReportChange> + use<>> {
    let p = ctx.principal()?.clone();
    let db = ctx.db().read.clone();
    let rx = ctx.app().events.subscribe();
    Ok(futures_util::stream::unfold(rx, move |mut rx| {
        let (p, db) = (p.clone(), db.clone());
        async move {
            loop {
                match rx.recv().await {
                    Ok(ev) if ev.topic == <Report as NodeType>::NAME => {
                        // Re-read through the visibility rule: only reports the
                        // subscriber may read now, of the followed kind.
                        let Ok(Some(r)) =
                            policy::visible_reports(&p).filter(report::Column::Id.eq(ev.id)).one(&db).await
                        else {
                            continue;
                        };
                        let me = p.account_id();
                        let wanted = match feed {
                            Feed::Mine => me == Some(r.reporter_account_id) || me == Some(r.filed_by_account_id),
                            Feed::Queue(o) => r.assigned_organisation_id == Some(o),
                        };
                        let Ok(kind) = serde_json::from_value::<entity::enums::ReportEventKind>(
                            serde_json::Value::String(ev.kind),
                        ) else {
                            continue;
                        };
                        if wanted {
                            let change = ReportChange {
                                kind: kind.into(),
                                status: r.status.into(),
                                at: ev.at.into(),
                                report: r,
                            };
                            return Some((change, rx));
                        }
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    }))
}

#[Subscription]
impl ReportsSubscription {
    /// Changes to the viewer's own reports (across server processes on PostgreSQL).
    #[graphql(visible = "super::shown::file", guard = "Authenticated")]
    async fn my_report_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ReportChange>> {
        Ok(follow(ctx, Feed::Mine)?)
    }

    /// Changes to the reports assigned to the viewer's organisation (its
    /// work queue): new assignments, reopenings, closings.
    #[graphql(visible = "super::shown::queue", guard = "Authenticated")]
    async fn report_queue_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ReportChange>> {
        let p = ctx.principal()?;
        use crate::policy::Permission;
        let org = match (crate::reports::policy::ReportsPermission::Queue.allowed(p), p.scope.organisation_id) {
            (true, Some(o)) => o,
            _ => return Err(ApiError::forbidden(t!("reports.organisation_staff_have_report_queue")).into()),
        };
        Ok(follow(ctx, Feed::Queue(org))?)
    }
}
