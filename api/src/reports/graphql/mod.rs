//! GraphQL of resident reports, by part: the report (`types`), its
//! timeline, photos and category, the list, counts and categories, the
//! mutations of the reporter and of those who handle it (one payload
//! each), and live events of my reports and of my organisation's queue.
use async_graphql::SimpleObject;

mod filing;
mod handling;
mod mediation;
mod queries;
mod subscriptions;
mod timeline;
mod types;

pub use filing::*;
pub use handling::*;
pub use mediation::*;
pub use queries::*;
pub use subscriptions::*;
pub use timeline::*;
pub use types::*;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::reports::policy::{ReportAction, ReportsPermission};

    crate::shown! {
        read_reports => ReportsPermission::ReadReports;
        file => ReportsPermission::File;
        manage_categories => ReportsPermission::ManageCategories;
        queue => ReportsPermission::Queue;
        accept => ReportAction::Accept;
        triage => ReportAction::Reject;
        work => ReportAction::Start;
        reporter => ReportAction::Confirm;
        mediate => ReportAction::Mediate;
        note => ReportAction::Note;
        escalate => ReportAction::Escalate;
    }
}

/// The reports domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct ReportsMutation(pub(crate) FilingMutation, HandlingMutation, MediationMutation);

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
    /// The result of `returnReport`.
    ReturnReportPayload;
    /// The result of `setExpectedCompletion`.
    SetExpectedCompletionPayload;
    /// The result of `rateReport`.
    RateReportPayload;
}
