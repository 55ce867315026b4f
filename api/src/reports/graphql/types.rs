//! The report.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{account, building, organisation, region, report, report_category, report_event, report_photo};

use crate::access::{Disclose, Field};
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ByColumn, ById, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::reports::policy::{self};

use super::*;

/// State of a report.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReportStatus")]
pub enum ReportStatus {
    /// Filed, waiting for the committee, the office or the building head.
    Submitted,
    /// Accepted; waiting to be assigned.
    Accepted,
    /// Assigned to an organisation.
    Assigned,
    /// The organisation is working on it.
    InProgress,
    /// Resolved; the reporter may confirm or reopen it.
    Resolved,
    /// Finished.
    Closed,
    /// Not taken up, with a reason.
    Rejected,
    /// Reopened by the reporter after a resolution.
    Reopened,
    /// A dispute the committee mediated, with the outcome.
    Mediated,
}

/// What a timeline step records.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReportEventKind")]
pub enum ReportEventKind {
    /// Filed.
    Submitted,
    /// Accepted.
    Accepted,
    /// Assigned to an organisation.
    Assigned,
    /// Assigned to another organisation.
    Reassigned,
    /// Work started.
    Started,
    /// Resolved, with a note.
    Resolved,
    /// Closed (confirmed, or after the confirmation period).
    Closed,
    /// Rejected, with a reason.
    Rejected,
    /// Reopened by the reporter.
    Reopened,
    /// A dispute marked mediated, with the outcome.
    Mediated,
    /// A note.
    Note,
    /// Escalated to the office (by the committee, or by the server when overdue).
    Escalated,
    /// Rated by the reporter.
    Rated,
    /// Escalated by the building head to the committee.
    EscalatedToCommittee,
    /// Handed back by the assigned organisation to the committee, with a reason.
    Returned,
    /// The assigned organisation set when it expects to finish (the note: the time).
    ExpectedCompletionSet,
    /// A mediation session of a dispute was recorded (the note: when it was held).
    MediationSession,
}

/// A rung of the escalation ladder.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum EscalationLevel {
    /// The community committee (a building head escalated it).
    Committee,
    /// The street office (the committee escalated it, or it was overdue).
    Office,
}

/// What a photo shows.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PhotoKind")]
pub enum PhotoKind {
    /// Sent with the report.
    Report,
    /// Sent with the resolution.
    Resolution,
}

/// A resident report (诉求 / 报事报修).
#[derive(Clone)]
pub struct Report(pub report::Model);

/// Who reported, as far as the viewer may know.
#[derive(SimpleObject)]
pub struct ReportPerson {
    /// The name shown to others.
    pub display_name: String,
    /// The real name (the committee, the assigned organisation, the person themself).
    pub real_name: Option<String>,
    /// The phone (the committee, the assigned organisation, the person themself).
    pub phone: Option<String>,
}

/// The reporter's rating.
#[derive(SimpleObject)]
pub struct ReportRating {
    /// 1 (poor) to 5 (excellent).
    pub stars: i32,
    /// An optional comment.
    pub comment: Option<String>,
    /// When it was given.
    pub rated_at: DateTime,
}

/// A resident report (诉求 / 报事报修). The reporter's identity is shown only
/// where the role needs it (see `reporter`).
#[Object(visible = "super::shown::read_reports")]
impl Report {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The building, if any.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The category.
    async fn category(&self, ctx: &Context<'_>) -> ApiResult<Option<ReportCategory>> {
        load_by_id::<report_category::Entity, _>(ctx, self.0.category_id, ReportCategory).await
    }
    /// What is wrong.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where, in words.
    async fn location_text(&self) -> Option<&str> {
        self.0.location_text.as_deref()
    }
    /// Latitude (WGS-84 degrees).
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS-84 degrees).
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// Shown to the community's residents (never for disputes).
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// The reporter is hidden from organisations.
    async fn is_anonymous(&self) -> bool {
        self.0.is_anonymous
    }
    /// The current status.
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// The reporter: to themself, the committee, the office, the building
    /// head of the building, platform admins, and the assigned organisation
    /// unless anonymous; `null` for everyone else. Contact details only to
    /// the committee, the assigned organisation and the reporter.
    async fn reporter(&self, ctx: &Context<'_>) -> ApiResult<Option<ReportPerson>> {
        let p = ctx.principal()?;
        if !policy::may_see_reporter(p, &self.0) {
            return Ok(None);
        }
        let contact = policy::may_see_contact(p, &self.0);
        let a = ctx.loader::<ById<account::Entity>>()?.load_one(self.0.reporter_account_id).await?;
        if let Some(a) = &a {
            // What this selection shows of the contact, not all it could.
            let selected = |f: &str| ctx.look_ahead().field(f).exists();
            let mut fields = vec![Field::Reporter];
            if contact && a.real_name.is_some() && selected("realName") {
                fields.push(Field::RealName);
            }
            if contact && a.phone.is_some() && selected("phone") {
                fields.push(Field::Phone);
            }
            ctx.disclosed(a.id, (Self::NAME, Some(self.0.id)), &fields);
        }
        Ok(a.map(|a| ReportPerson {
            display_name: crate::accounts::graphql::display_name(&a),
            real_name: if contact { a.real_name } else { None },
            phone: if contact { a.phone } else { None },
        }))
    }
    /// The organisation handling it.
    async fn assigned_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.assigned_organisation_id, Organisation).await
    }
    /// When it is due (its category's target after filing).
    async fn due_at(&self) -> DateTime {
        self.0.due_at.into()
    }
    /// Open and past its due time.
    async fn is_overdue(&self) -> bool {
        policy::is_open(self.0.status) && chrono::Utc::now() > self.0.due_at
    }
    /// When it was escalated to the office (by the committee, or by the
    /// server when overdue).
    async fn escalated_at(&self) -> Option<DateTime> {
        self.0.escalated_at.map(Into::into)
    }
    /// When the building head escalated it to the committee.
    async fn escalated_to_committee_at(&self) -> Option<DateTime> {
        self.0.escalated_to_committee_at.map(Into::into)
    }
    /// The highest rung of the escalation ladder it reached; `null` if none.
    async fn escalation_level(&self) -> Option<EscalationLevel> {
        match (self.0.escalated_at, self.0.escalated_to_committee_at) {
            (Some(_), _) => Some(EscalationLevel::Office),
            (None, Some(_)) => Some(EscalationLevel::Committee),
            _ => None,
        }
    }
    /// When the assigned organisation expects to finish.
    async fn expected_completion_at(&self) -> Option<DateTime> {
        self.0.expected_completion_at.map(Into::into)
    }
    /// A dispute's mediation record (`null` for other reports).
    async fn mediation(&self, ctx: &Context<'_>) -> ApiResult<Option<DisputeMediation>> {
        DisputeMediation::of(ctx, &self.0)
    }
    /// The first step by the handling side.
    async fn first_response_at(&self) -> Option<DateTime> {
        self.0.first_response_at.map(Into::into)
    }
    /// Seconds from filing to the first response.
    async fn first_response_seconds(&self) -> Option<i64> {
        self.0.first_response_at.map(|t| (t - self.0.created_at).num_seconds())
    }
    /// When it was (last) resolved.
    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(Into::into)
    }
    /// Seconds from filing to the (last) resolution.
    async fn resolution_seconds(&self) -> Option<i64> {
        self.0.resolved_at.map(|t| (t - self.0.created_at).num_seconds())
    }
    /// When it was closed.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// The resolution note.
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
    /// The outcome of a mediated dispute.
    async fn mediation_outcome(&self) -> Option<&str> {
        self.0.mediation_outcome.as_deref()
    }
    /// The reporter's rating.
    async fn rating(&self) -> Option<ReportRating> {
        match (self.0.rating, self.0.rated_at) {
            (Some(stars), Some(at)) => {
                Some(ReportRating { stars, comment: self.0.rating_comment.clone(), rated_at: at.into() })
            }
            _ => None,
        }
    }
    /// Every step, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReportEvent>> {
        let rows = ctx.loader::<ByColumn<report_event::Entity, Main>>()?.load_one(self.0.id).await?;
        let shows_reporter = policy::may_see_reporter(ctx.principal()?, &self.0);
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|e| ReportEvent {
                hide_actor: !shows_reporter
                    && (e.account_id == Some(self.0.reporter_account_id)
                        || e.account_id == Some(self.0.filed_by_account_id)),
                event: e,
            })
            .collect())
    }
    /// The photos (report and resolution), as URLs for the viewer's token.
    async fn photos(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReportPhoto>> {
        let rows = ctx.loader::<ByColumn<report_photo::Entity, Main>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(ReportPhoto).collect())
    }
    /// When it was filed.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

crate::node_type!(Report, "Report", report, crate::reports::policy::visible_reports);
