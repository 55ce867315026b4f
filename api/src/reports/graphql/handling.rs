//! What those who handle a report do: accept, route, work, resolve,
//! mediate, note, escalate; and the committee's categories.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};

use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::reports::policy::ReportAction;
use crate::reports::service::{self, StepInput};

use super::*;

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

/// The input of `setExpectedCompletion`.
#[derive(InputObject)]
pub struct SetExpectedCompletionInput {
    /// The report (global id).
    pub report_id: ID,
    /// When the work should be finished (in the future, within a year).
    pub expected_at: crate::graphql::scalars::DateTime,
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

/// The result of `setReportCategory`.
#[derive(SimpleObject)]
pub struct SetReportCategoryPayload {
    /// The category.
    pub category: ReportCategory,
}

pub(crate) async fn step(ctx: &Context<'_>, id: &ID, action: ReportAction, input: StepInput) -> ApiResult<Report> {
    let r = service::step(ctx.app(), ctx.principal()?, report_id(id, "reportId")?, action, input).await?;
    Ok(Report(r))
}

pub(crate) fn note(note: Option<String>) -> StepInput {
    StepInput { note, ..StepInput::default() }
}

/// The mutations of those who handle reports.
#[derive(Default)]
pub struct HandlingMutation;

#[Object]
impl HandlingMutation {
    /// The committee, the office or the building head accepts a report.
    #[graphql(visible = "super::shown::accept", guard = "Authenticated")]
    async fn accept_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<AcceptReportPayload> {
        Ok(AcceptReportPayload { report: step(ctx, &input.report_id, ReportAction::Accept, note(input.note)).await? })
    }

    /// The committee or the office rejects a report, with a reason (`note`).
    #[graphql(visible = "super::shown::triage", guard = "Authenticated")]
    async fn reject_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<RejectReportPayload> {
        Ok(RejectReportPayload { report: step(ctx, &input.report_id, ReportAction::Reject, note(input.note)).await? })
    }

    /// The committee or the office assigns (or reassigns) a report to an
    /// organisation serving the community.
    #[graphql(visible = "super::shown::triage", guard = "Authenticated")]
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
    #[graphql(visible = "super::shown::work", guard = "Authenticated")]
    async fn start_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<StartReportPayload> {
        Ok(StartReportPayload { report: step(ctx, &input.report_id, ReportAction::Start, note(input.note)).await? })
    }

    /// The assigned organisation resolves the report with a note (and photos).
    #[graphql(visible = "super::shown::work", guard = "Authenticated")]
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ResolveReportInput,
    ) -> ApiResult<ResolveReportPayload> {
        let photos = read_uploads(ctx, input.photos)?;
        let s = StepInput { note: Some(input.note), photos, ..StepInput::default() };
        Ok(ResolveReportPayload { report: step(ctx, &input.report_id, ReportAction::Resolve, s).await? })
    }

    /// The committee, the office, the building head or the assigned
    /// organisation adds a note to the timeline.
    #[graphql(visible = "super::shown::note", guard = "Authenticated")]
    async fn add_report_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<AddReportNotePayload> {
        Ok(AddReportNotePayload { report: step(ctx, &input.report_id, ReportAction::Note, note(input.note)).await? })
    }

    /// The assigned organisation hands a misrouted report back to the
    /// committee with a reason (`note`): ACCEPTED again, unassigned.
    #[graphql(visible = "super::shown::work", guard = "Authenticated")]
    async fn return_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<ReturnReportPayload> {
        Ok(ReturnReportPayload { report: step(ctx, &input.report_id, ReportAction::Return, note(input.note)).await? })
    }

    /// The assigned organisation says when it expects to finish (shown to
    /// the reporter; Open311's `expected_datetime`).
    #[graphql(visible = "super::shown::work", guard = "Authenticated")]
    async fn set_expected_completion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetExpectedCompletionInput,
    ) -> ApiResult<SetExpectedCompletionPayload> {
        let s = StepInput { expected_at: Some(input.expected_at.0), ..StepInput::default() };
        Ok(SetExpectedCompletionPayload { report: step(ctx, &input.report_id, ReportAction::Expect, s).await? })
    }

    /// The escalation ladder: the building head escalates a report to the
    /// committee, the committee to the office (each rung once).
    #[graphql(visible = "super::shown::escalate", guard = "Authenticated")]
    async fn escalate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<EscalateReportPayload> {
        Ok(EscalateReportPayload {
            report: step(ctx, &input.report_id, ReportAction::Escalate, note(input.note)).await?,
        })
    }

    /// The committee sets a report category of its community.
    #[graphql(visible = "super::shown::manage_categories", guard = "Authenticated")]
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
