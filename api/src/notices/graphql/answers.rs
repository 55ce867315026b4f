//! Answering an alert, visits, closing it, and reports from answers.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::accounts::graphql::Account;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::notices::service::{self};

use super::*;

/// The input of `respondToAlert`.
#[derive(InputObject)]
pub struct RespondToAlertInput {
    /// The alert (global id).
    pub notice_id: ID,
    /// SAFE or NEED_HELP.
    pub state: AlertResponseState,
    /// An optional note (what help is needed).
    pub note: Option<String>,
    /// The answer covers the whole household.
    #[graphql(default)]
    pub whole_household: bool,
}

/// The input of `recordAlertVisit` and `reportFromAlertResponse`.
#[derive(InputObject)]
pub struct AlertHouseholdInput {
    /// The alert (global id).
    pub notice_id: ID,
    /// The resident (account global id).
    pub account_id: ID,
    /// A note.
    pub note: Option<String>,
}

/// The result of `reportFromAlertResponse`.
#[derive(SimpleObject)]
pub struct ReportFromAlertResponsePayload {
    /// The report made.
    pub report: crate::reports::graphql::Report,
}

/// Mutations of alert answers.
#[derive(Default)]
pub struct AnswersMutation;

#[Object]
impl AnswersMutation {
    /// A resident in scope answers an open alert (changeable until it closes).
    #[graphql(visible = "super::shown::answer", guard = "Authenticated")]
    async fn respond_to_alert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RespondToAlertInput,
    ) -> ApiResult<RespondToAlertPayload> {
        let p = ctx.principal()?;
        let id = nid(&input.notice_id)?;
        service::respond(ctx.app(), p, id, input.state.into(), input.note, input.whole_household).await?;
        Ok(RespondToAlertPayload { notice: Notice(service::visible(&ctx.db().read, p, id).await?) })
    }

    /// The building head records a door-to-door visit to a household of their building.
    #[graphql(visible = "super::shown::visit", guard = "Authenticated")]
    async fn record_alert_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AlertHouseholdInput,
    ) -> ApiResult<RecordAlertVisitPayload> {
        let p = ctx.principal()?;
        let id = nid(&input.notice_id)?;
        let resident = ids::id_of::<Account>(&input.account_id, "accountId")?;
        service::visit(ctx.app(), p, id, resident, input.note).await?;
        Ok(RecordAlertVisitPayload { notice: Notice(service::visible(&ctx.db().read, p, id).await?) })
    }

    /// The publisher closes an alert; the counts are frozen.
    #[graphql(visible = "super::shown::publish", guard = "Authenticated")]
    async fn close_alert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<CloseAlertPayload> {
        Ok(CloseAlertPayload {
            notice: Notice(service::close(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }

    /// The committee turns a NEED_HELP answer into a private resident report.
    #[graphql(visible = "super::shown::to_report", guard = "Authenticated")]
    async fn report_from_alert_response(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AlertHouseholdInput,
    ) -> ApiResult<ReportFromAlertResponsePayload> {
        let resident = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let r = service::to_report(ctx.app(), ctx.principal()?, nid(&input.notice_id)?, resident).await?;
        Ok(ReportFromAlertResponsePayload { report: crate::reports::graphql::Report(r) })
    }
}
