//! GraphQL of resident reports: the report and its timeline, photos and
//! rating; the list, counts and categories; the mutations (one payload
//! each); live events of my reports and of my organisation's queue.

use std::io::Read;

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MergedObject, Object, SimpleObject, Subscription, Upload,
};
use entity::{account, building, organisation, region, report, report_category, report_event, report_photo};
use futures_util::Stream;
use sea_orm::{ColumnTrait, QueryFilter};

use super::policy::{self, ReportAction};
use super::service::{self, NewReport, ReportList, StepInput};
use crate::accounts::graphql::Role;
use crate::directory::graphql::{Building, Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_by_time, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, ById, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

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
    /// Escalated to the office (by a person, or by the server when overdue).
    Escalated,
    /// Rated by the reporter.
    Rated,
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
#[Object]
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
        Ok(a.map(|a| ReportPerson {
            display_name: a.display_name,
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
    /// When it was escalated to the office.
    async fn escalated_at(&self) -> Option<DateTime> {
        self.0.escalated_at.map(Into::into)
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

/// A report category of a community.
pub struct ReportCategory(pub report_category::Model);

/// A report category of a community: a platform default, or the
/// community's own (which overrides a default of the same code).
#[Object]
impl ReportCategory {
    /// The code (HYGIENE, SECURITY, REPAIR, NOISE, GREENERY, PARKING, DISPUTE, OTHER, or the community's own).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Target resolution time (hours).
    async fn target_hours(&self) -> i64 {
        self.0.target_secs / 3600
    }
    /// Reports in it are accepted and assigned to this organisation at once.
    async fn default_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.default_organisation_id, Organisation).await
    }
    /// The community's own (not a platform default).
    async fn is_custom(&self) -> bool {
        self.0.community_id.is_some()
    }
}

/// One step of a report's timeline.
pub struct ReportEvent {
    event: report_event::Model,
    /// The actor is the reporter, whom the viewer may not know.
    hide_actor: bool,
}

/// One step of a report's timeline.
#[Object]
impl ReportEvent {
    /// What happened.
    async fn kind(&self) -> ReportEventKind {
        self.event.kind.into()
    }
    /// The status before.
    async fn from_status(&self) -> Option<ReportStatus> {
        self.event.from_status.map(Into::into)
    }
    /// The status after.
    async fn to_status(&self) -> Option<ReportStatus> {
        self.event.to_status.map(Into::into)
    }
    /// The actor's role; `null` for the server's own steps.
    async fn role(&self) -> Option<Role> {
        self.event.role.map(Into::into)
    }
    /// The actor's display name; `null` for the server's steps and for the
    /// reporter where the viewer may not know them.
    async fn actor_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if self.hide_actor {
            return Ok(None);
        }
        let Some(id) = self.event.account_id else { return Ok(None) };
        Ok(ctx.loader::<ById<account::Entity>>()?.load_one(id).await?.map(|a| a.display_name))
    }
    /// The actor's organisation, if they acted for one.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        if self.hide_actor {
            return Ok(None);
        }
        load_by_id::<organisation::Entity, _>(ctx, self.event.organisation_id, Organisation).await
    }
    /// The note, reason or outcome.
    async fn note(&self) -> Option<&str> {
        self.event.note.as_deref()
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.event.at.into()
    }
}

/// A photo of a report.
pub struct ReportPhoto(pub report_photo::Model);

/// A photo of a report, stored as JPEG without metadata. Its URLs need the
/// viewer's bearer token and answer only those who may read the report.
#[Object]
impl ReportPhoto {
    /// Report or resolution photo.
    async fn kind(&self) -> PhotoKind {
        self.0.kind.into()
    }
    /// The photo (`GET` with `Authorization: Bearer`).
    async fn url(&self) -> String {
        format!("/photos/{}", self.0.id)
    }
    /// A thumbnail of at most 256 pixels (`GET` with `Authorization: Bearer`).
    async fn thumbnail_url(&self) -> String {
        format!("/photos/{}/thumbnail", self.0.id)
    }
    /// Width in pixels.
    async fn width(&self) -> i32 {
        self.0.width
    }
    /// Height in pixels.
    async fn height(&self) -> i32 {
        self.0.height
    }
    /// Size in bytes.
    async fn bytes(&self) -> i64 {
        self.0.bytes
    }
}

/// The order of the `reports` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ReportOrder {
    /// Newest first.
    #[default]
    NewestFirst,
    /// Oldest first.
    OldestFirst,
    /// The soonest due first (forward paging only).
    DueSoonest,
}

/// Filters of the `reports` list.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// The community (global id).
    pub community_id: Option<ID>,
    /// The building (global id).
    pub building_id: Option<ID>,
    /// The status.
    pub status: Option<Vec<ReportStatus>>,
    /// The category code.
    pub category_code: Option<String>,
    /// The assigned organisation (global id).
    pub assigned_organisation_id: Option<ID>,
    /// Only overdue (true) or not overdue (false) reports.
    pub overdue: Option<bool>,
    /// Only escalated (true) or not escalated (false) reports.
    pub escalated: Option<bool>,
    /// Filed at or after.
    pub created_from: Option<DateTime>,
    /// Filed before.
    pub created_to: Option<DateTime>,
    /// Only the viewer's own reports.
    #[graphql(default)]
    pub mine: bool,
}

/// How many reports are in one status.
#[derive(SimpleObject)]
pub struct ReportStatusCount {
    /// The status.
    pub status: ReportStatus,
    /// How many.
    pub count: i64,
}

fn report_id(id: &ID, field: &str) -> ApiResult<i32> {
    ids::id_of::<Report>(id, field)
}

#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// Reports the viewer may read, filtered and ordered, paged in SQL.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports (all the viewer may read by default).")] filter: Option<ReportFilter>,
        #[graphql(default, desc = "The order (newest first by default).")] order_by: ReportOrder,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Report>> {
        let f = filter.unwrap_or_default();
        let list = ReportList {
            community_id: f.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?,
            building_id: f.building_id.as_ref().map(|b| ids::id_of::<Building>(b, "buildingId")).transpose()?,
            statuses: f.status.map(|s| s.into_iter().map(Into::into).collect()),
            category_code: f.category_code,
            assigned_organisation_id: f
                .assigned_organisation_id
                .as_ref()
                .map(|o| ids::id_of::<Organisation>(o, "assignedOrganisationId"))
                .transpose()?,
            overdue: f.overdue,
            escalated: f.escalated,
            created_from: f.created_from.map(|d| d.0),
            created_to: f.created_to.map(|d| d.0),
            mine: f.mine,
        };
        let q = service::list(ctx.principal()?, list);
        let args = PageArgs::new(after, before, first, last);
        match order_by {
            ReportOrder::NewestFirst => paginate_ordered(ctx, q, report::Column::Id, args, true, Report).await,
            ReportOrder::OldestFirst => paginate_ordered(ctx, q, report::Column::Id, args, false, Report).await,
            ReportOrder::DueSoonest => {
                let key = |r: &report::Model| (r.due_at, r.id);
                paginate_by_time(ctx, q, report::Column::DueAt, report::Column::Id, args, key, Report).await
            }
        }
    }

    /// One report; NOT_FOUND when it does not exist or the viewer may not read it.
    #[graphql(guard = "Authenticated")]
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report (global id).")] id: ID,
    ) -> ApiResult<Report> {
        let (r, _) = service::load(&ctx.db().read, ctx.principal()?, report_id(&id, "id")?).await?;
        Ok(Report(r))
    }

    /// The report categories of a community (its own and the defaults it keeps).
    #[graphql(guard = "Authenticated")]
    async fn report_categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: ID,
    ) -> ApiResult<Vec<ReportCategory>> {
        ctx.principal()?;
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        crate::directory::service::community(&ctx.db().read, c, "communityId").await?;
        Ok(service::categories(&ctx.db().read, c).await?.into_iter().map(ReportCategory).collect())
    }

    /// Counts of the reports the viewer may read, by status; with
    /// `organisationId`, of that organisation's queue.
    #[graphql(guard = "Authenticated")]
    async fn report_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An organisation (global id) whose queue to count.")] organisation_id: Option<ID>,
    ) -> ApiResult<Vec<ReportStatusCount>> {
        let org = organisation_id.as_ref().map(|o| ids::id_of::<Organisation>(o, "organisationId")).transpose()?;
        let rows = service::counts(&ctx.db().read, ctx.principal()?, org).await?;
        Ok(rows.into_iter().map(|r| ReportStatusCount { status: r.status.into(), count: r.n }).collect())
    }
}

/// Read uploads into memory (they are spooled to temporary files by the
/// multipart parser, capped by the HTTP layer).
fn read_uploads(ctx: &Context<'_>, uploads: Option<Vec<Upload>>) -> ApiResult<Vec<Vec<u8>>> {
    uploads
        .unwrap_or_default()
        .iter()
        .map(|u| {
            let mut buf = Vec::new();
            u.value(ctx)
                .and_then(|v| v.into_read().read_to_end(&mut buf))
                .map_err(|_| ApiError::bad_input("photos", "an upload could not be read"))?;
            Ok(buf)
        })
        .collect()
}

/// The input of `submitReport`.
#[derive(InputObject)]
pub struct SubmitReportInput {
    /// The category code (see `reportCategories`).
    pub category_code: String,
    /// What is wrong.
    pub description: String,
    /// The building (global id); default: the reporter's.
    pub building_id: Option<ID>,
    /// Where, in words.
    pub location_text: Option<String>,
    /// Latitude, WGS-84 degrees (-90 to 90), with `longitude`.
    pub latitude: Option<f64>,
    /// Longitude, WGS-84 degrees (-180 to 180), with `latitude`.
    pub longitude: Option<f64>,
    /// Show it to the community's residents (ignored for disputes, which are private).
    #[graphql(default = true)]
    pub is_public: bool,
    /// Hide the reporter from organisations.
    #[graphql(default)]
    pub is_anonymous: bool,
    /// A building head files for this resident of their building (account global id).
    pub on_behalf_of_account_id: Option<ID>,
    /// Up to 6 photos (JPEG, PNG or WebP), by the GraphQL multipart request spec.
    pub photos: Option<Vec<Upload>>,
}

/// A step on a report, with an optional note.
#[derive(InputObject)]
pub struct ReportStepInput {
    /// The report (global id).
    pub report_id: ID,
    /// A note recorded on the timeline (required to reject).
    pub note: Option<String>,
}

/// The input of `assignReport`.
#[derive(InputObject)]
pub struct AssignReportInput {
    /// The report (global id).
    pub report_id: ID,
    /// An organisation serving the community (global id).
    pub organisation_id: ID,
    /// A note.
    pub note: Option<String>,
}

/// The input of `resolveReport`.
#[derive(InputObject)]
pub struct ResolveReportInput {
    /// The report (global id).
    pub report_id: ID,
    /// What was done.
    pub note: String,
    /// Up to 6 photos of the result.
    pub photos: Option<Vec<Upload>>,
}

/// The input of `rateReport`.
#[derive(InputObject)]
pub struct RateReportInput {
    /// The report (global id).
    pub report_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub stars: i32,
    /// An optional comment.
    pub comment: Option<String>,
}

/// The input of `setReportCategory`.
#[derive(InputObject)]
pub struct SetReportCategoryInput {
    /// The community (global id).
    pub community_id: ID,
    /// The code: a default's (to set the community's own version) or a new one.
    pub code: String,
    /// The name.
    pub name: String,
    /// The organisation (serving the community) that gets these reports at once.
    pub default_organisation_id: Option<ID>,
    /// Target resolution time (hours, 1–8760).
    pub target_hours: i32,
}

macro_rules! report_payloads {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The report after the change.
            pub report: Report,
        }
    )*};
}

report_payloads! {
    /// The result of `submitReport`.
    SubmitReportPayload;
    /// The result of `acceptReport`.
    AcceptReportPayload;
    /// The result of `rejectReport`.
    RejectReportPayload;
    /// The result of `assignReport`.
    AssignReportPayload;
    /// The result of `startReport`.
    StartReportPayload;
    /// The result of `resolveReport`.
    ResolveReportPayload;
    /// The result of `confirmReport`.
    ConfirmReportPayload;
    /// The result of `reopenReport`.
    ReopenReportPayload;
    /// The result of `mediateReport`.
    MediateReportPayload;
    /// The result of `addReportNote`.
    AddReportNotePayload;
    /// The result of `escalateReport`.
    EscalateReportPayload;
    /// The result of `rateReport`.
    RateReportPayload;
}

/// The result of `setReportCategory`.
#[derive(SimpleObject)]
pub struct SetReportCategoryPayload {
    /// The category.
    pub category: ReportCategory,
}

async fn step(ctx: &Context<'_>, id: &ID, action: ReportAction, input: StepInput) -> ApiResult<Report> {
    let r = service::step(ctx.app(), ctx.principal()?, report_id(id, "reportId")?, action, input).await?;
    Ok(Report(r))
}

fn note(note: Option<String>) -> StepInput {
    StepInput { note, ..StepInput::default() }
}

#[derive(Default)]
pub struct ReportsMutationRoot;

#[Object]
impl ReportsMutationRoot {
    /// A resident files a report (a building head may file for a resident
    /// of their building). Photos by multipart upload.
    #[graphql(guard = "Authenticated")]
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SubmitReportInput,
    ) -> ApiResult<SubmitReportPayload> {
        let photos = read_uploads(ctx, input.photos)?;
        let new = NewReport {
            category_code: input.category_code,
            description: input.description,
            building_id: input.building_id.as_ref().map(|b| ids::id_of::<Building>(b, "buildingId")).transpose()?,
            location_text: input.location_text,
            latitude: input.latitude,
            longitude: input.longitude,
            is_public: input.is_public,
            is_anonymous: input.is_anonymous,
            on_behalf_of: input
                .on_behalf_of_account_id
                .as_ref()
                .map(|a| ids::id_of::<crate::accounts::graphql::Account>(a, "onBehalfOfAccountId"))
                .transpose()?,
            photos,
        };
        Ok(SubmitReportPayload { report: Report(service::submit(ctx.app(), ctx.principal()?, new).await?) })
    }

    /// The committee, the office or the building head accepts a report.
    #[graphql(guard = "Authenticated")]
    async fn accept_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<AcceptReportPayload> {
        Ok(AcceptReportPayload { report: step(ctx, &input.report_id, ReportAction::Accept, note(input.note)).await? })
    }

    /// The committee or the office rejects a report, with a reason (`note`).
    #[graphql(guard = "Authenticated")]
    async fn reject_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<RejectReportPayload> {
        Ok(RejectReportPayload { report: step(ctx, &input.report_id, ReportAction::Reject, note(input.note)).await? })
    }

    /// The committee or the office assigns (or reassigns) a report to an
    /// organisation serving the community.
    #[graphql(guard = "Authenticated")]
    async fn assign_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AssignReportInput,
    ) -> ApiResult<AssignReportPayload> {
        let org = ids::id_of::<Organisation>(&input.organisation_id, "organisationId")?;
        let s = StepInput { note: input.note, organisation_id: Some(org), ..StepInput::default() };
        Ok(AssignReportPayload { report: step(ctx, &input.report_id, ReportAction::Assign, s).await? })
    }

    /// The assigned organisation starts work.
    #[graphql(guard = "Authenticated")]
    async fn start_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<StartReportPayload> {
        Ok(StartReportPayload { report: step(ctx, &input.report_id, ReportAction::Start, note(input.note)).await? })
    }

    /// The assigned organisation resolves the report with a note (and photos).
    #[graphql(guard = "Authenticated")]
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ResolveReportInput,
    ) -> ApiResult<ResolveReportPayload> {
        let photos = read_uploads(ctx, input.photos)?;
        let s = StepInput { note: Some(input.note), photos, ..StepInput::default() };
        Ok(ResolveReportPayload { report: step(ctx, &input.report_id, ReportAction::Resolve, s).await? })
    }

    /// The reporter confirms the resolution; the report closes.
    #[graphql(guard = "Authenticated")]
    async fn confirm_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<ConfirmReportPayload> {
        Ok(ConfirmReportPayload { report: step(ctx, &input.report_id, ReportAction::Confirm, note(input.note)).await? })
    }

    /// The reporter reopens a resolved report within the confirmation period.
    #[graphql(guard = "Authenticated")]
    async fn reopen_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<ReopenReportPayload> {
        Ok(ReopenReportPayload { report: step(ctx, &input.report_id, ReportAction::Reopen, note(input.note)).await? })
    }

    /// The committee marks a dispute as mediated, with the outcome (`note`).
    #[graphql(guard = "Authenticated")]
    async fn mediate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<MediateReportPayload> {
        Ok(MediateReportPayload { report: step(ctx, &input.report_id, ReportAction::Mediate, note(input.note)).await? })
    }

    /// The committee, the office, the building head or the assigned
    /// organisation adds a note to the timeline.
    #[graphql(guard = "Authenticated")]
    async fn add_report_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<AddReportNotePayload> {
        Ok(AddReportNotePayload { report: step(ctx, &input.report_id, ReportAction::Note, note(input.note)).await? })
    }

    /// The building head or the committee escalates a report to the office.
    #[graphql(guard = "Authenticated")]
    async fn escalate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<EscalateReportPayload> {
        Ok(EscalateReportPayload {
            report: step(ctx, &input.report_id, ReportAction::Escalate, note(input.note)).await?,
        })
    }

    /// The reporter rates a resolved or closed report, once.
    #[graphql(guard = "Authenticated")]
    async fn rate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RateReportInput,
    ) -> ApiResult<RateReportPayload> {
        let s = StepInput { rating: Some((input.stars, input.comment)), ..StepInput::default() };
        Ok(RateReportPayload { report: step(ctx, &input.report_id, ReportAction::Rate, s).await? })
    }

    /// The committee sets a report category of its community.
    #[graphql(guard = "Authenticated")]
    async fn set_report_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetReportCategoryInput,
    ) -> ApiResult<SetReportCategoryPayload> {
        let c = ids::id_of::<Region>(&input.community_id, "communityId")?;
        let org = input
            .default_organisation_id
            .as_ref()
            .map(|o| ids::id_of::<Organisation>(o, "defaultOrganisationId"))
            .transpose()?;
        let saved =
            service::set_category(ctx.app(), ctx.principal()?, c, &input.code, &input.name, org, input.target_hours)
                .await?;
        Ok(SetReportCategoryPayload { category: ReportCategory(saved) })
    }
}

/// The reports domain's mutations.
#[derive(MergedObject, Default)]
pub struct ReportsMutation(ReportsMutationRoot);

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
enum Feed {
    Mine,
    Queue(i32),
}

fn follow(ctx: &Context<'_>, feed: Feed) -> ApiResult<impl Stream<Item = ReportChange> + use<>> {
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
    #[graphql(guard = "Authenticated")]
    async fn my_report_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ReportChange>> {
        Ok(follow(ctx, Feed::Mine)?)
    }

    /// Changes to the reports assigned to the viewer's organisation (its
    /// work queue): new assignments, reopenings, closings.
    #[graphql(guard = "Authenticated")]
    async fn report_queue_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ReportChange>> {
        let p = ctx.principal()?;
        let org = match (p.role, p.scope.organisation_id) {
            (entity::enums::Role::SocialOrganization | entity::enums::Role::PropertyCompany, Some(o)) => o,
            _ => return Err(ApiError::forbidden("only organisation staff have a report queue").into()),
        };
        Ok(follow(ctx, Feed::Queue(org))?)
    }
}

crate::node_type!(Report, "Report", report, crate::reports::policy::visible_reports);
