//! Residents' requests and their steps.

use async_graphql::{Context, ID, InputObject, Object};

use crate::accounts::graphql::Account;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::services::policy::RequestAction;
use crate::services::requests::{self, StepArgs};

use super::*;

/// Ask for a service.
#[derive(InputObject)]
pub struct RequestServiceInput {
    /// The service (global id).
    pub service_id: ID,
    /// The resident it is for (Account id); leave out to ask for yourself.
    /// A building head asks for residents of their building, the committee
    /// for residents of its community.
    pub resident_id: Option<ID>,
    /// A note to the organisation.
    pub note: Option<String>,
}

/// A step on a request.
#[derive(InputObject)]
pub struct ServiceRequestStepInput {
    /// The request (global id).
    pub request_id: ID,
    /// A note for the timeline.
    pub note: Option<String>,
}

/// Schedule a request into a session.
#[derive(InputObject)]
pub struct ScheduleServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// A session of the service in the resident's community with a free seat.
    pub session_id: ID,
    /// A note for the timeline.
    pub note: Option<String>,
}

/// Decline a request.
#[derive(InputObject)]
pub struct DeclineServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// Why (shown to the resident).
    pub reason: String,
}

/// Rate a completed request.
#[derive(InputObject)]
pub struct RateServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub rating: i32,
    /// A comment.
    pub comment: Option<String>,
}

async fn step(ctx: &Context<'_>, id: &ID, action: RequestAction, args: StepArgs) -> ApiResult<ServiceRequest> {
    let id = ids::id_of::<ServiceRequest>(id, "requestId")?;
    Ok(ServiceRequest(requests::step(ctx.db(), ctx.principal()?, id, action, args).await?))
}

/// Mutations of requests.
#[derive(Default)]
pub struct RequestsMutation;

#[Object]
impl RequestsMutation {
    /// A resident asks for a service (or a building head or the committee for a resident).
    #[graphql(visible = "super::shown::request", guard = "Authenticated")]
    async fn request_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RequestServiceInput,
    ) -> ApiResult<RequestServicePayload> {
        let service = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let resident = ids::opt_id_of::<Account>(input.resident_id.as_ref(), "residentId")?;
        let r = requests::request(ctx.db(), ctx.principal()?, service, resident, input.note).await?;
        Ok(RequestServicePayload { request: ServiceRequest(r) })
    }

    /// The organisation accepts a request.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn accept_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<AcceptServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        Ok(AcceptServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Accept, args).await? })
    }

    /// The organisation schedules a request into a session with a free seat
    /// (CONFLICT when it is full).
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn schedule_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ScheduleServiceRequestInput,
    ) -> ApiResult<ScheduleServiceRequestPayload> {
        let session = ids::id_of::<ServiceSession>(&input.session_id, "sessionId")?;
        let args = StepArgs { session_id: Some(session), note: input.note, ..StepArgs::default() };
        let request = step(ctx, &input.request_id, RequestAction::Schedule, args).await?;
        Ok(ScheduleServiceRequestPayload { request })
    }

    /// The organisation declines a request, with a reason.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn decline_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DeclineServiceRequestInput,
    ) -> ApiResult<DeclineServiceRequestPayload> {
        let args = StepArgs { reason: Some(input.reason), ..StepArgs::default() };
        Ok(DeclineServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Decline, args).await? })
    }

    /// The organisation completes a request; its delivery record is stored.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn complete_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<CompleteServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        let request = step(ctx, &input.request_id, RequestAction::Complete, args).await?;
        Ok(CompleteServiceRequestPayload { request })
    }

    /// The resident (or who asked for them) cancels a request before it is scheduled.
    #[graphql(visible = "super::shown::cancel", guard = "Authenticated")]
    async fn cancel_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<CancelServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        Ok(CancelServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Cancel, args).await? })
    }

    /// The resident rates a completed request, once.
    #[graphql(visible = "super::shown::rate", guard = "Authenticated")]
    async fn rate_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RateServiceRequestInput,
    ) -> ApiResult<RateServiceRequestPayload> {
        let args = StepArgs { rating: Some(input.rating), note: input.comment, ..StepArgs::default() };
        Ok(RateServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Rate, args).await? })
    }
}
