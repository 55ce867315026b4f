//! What the reporter does: file, confirm or reopen, rate.

use std::io::Read;

use async_graphql::{Context, ID, InputObject, Object, Upload};

use crate::directory::graphql::Building;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::reports::policy::ReportAction;
use crate::reports::service::{self, NewReport, StepInput};

use super::*;

/// Read uploads into memory (they are spooled to temporary files by the
/// multipart parser, capped by the HTTP layer).
pub(crate) fn read_uploads(ctx: &Context<'_>, uploads: Option<Vec<Upload>>) -> ApiResult<Vec<Vec<u8>>> {
    uploads
        .unwrap_or_default()
        .iter()
        .map(|u| {
            let mut buf = Vec::new();
            u.value(ctx)
                .and_then(|v| v.into_read().read_to_end(&mut buf))
                .map_err(|_| ApiError::bad_input("photos", t!("reports.upload_could_not_read")))?;
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

/// The reporter's mutations.
#[derive(Default)]
pub struct FilingMutation;

#[Object]
impl FilingMutation {
    /// A resident files a report (a building head may file for a resident
    /// of their building). Photos by multipart upload.
    #[graphql(visible = "super::shown::file", guard = "Authenticated")]
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

    /// The reporter confirms the resolution; the report closes.
    #[graphql(visible = "super::shown::reporter", guard = "Authenticated")]
    async fn confirm_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<ConfirmReportPayload> {
        Ok(ConfirmReportPayload { report: step(ctx, &input.report_id, ReportAction::Confirm, note(input.note)).await? })
    }

    /// The reporter reopens a resolved report within the confirmation period.
    #[graphql(visible = "super::shown::reporter", guard = "Authenticated")]
    async fn reopen_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ReportStepInput,
    ) -> ApiResult<ReopenReportPayload> {
        Ok(ReopenReportPayload { report: step(ctx, &input.report_id, ReportAction::Reopen, note(input.note)).await? })
    }

    /// The reporter rates a resolved or closed report, once.
    #[graphql(visible = "super::shown::reporter", guard = "Authenticated")]
    async fn rate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RateReportInput,
    ) -> ApiResult<RateReportPayload> {
        let s = StepInput { rating: Some((input.stars, input.comment)), ..StepInput::default() };
        Ok(RateReportPayload { report: step(ctx, &input.report_id, ReportAction::Rate, s).await? })
    }
}
