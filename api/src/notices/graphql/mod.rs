//! GraphQL of notices and emergency alerts, by part: the types
//! (`types`), alert rosters and counts, the viewer's own marks, the
//! queries, publishing, answering alerts and the subscriptions.
use async_graphql::SimpleObject;

mod alerts;
mod answers;
mod publishing;
mod queries;
mod subscriptions;
mod types;
mod viewer;

pub use alerts::*;
pub use answers::*;
pub use publishing::*;
pub use queries::*;
pub use subscriptions::*;
pub use types::*;
pub use viewer::*;

/// The notices domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct NoticesMutation(pub(crate) PublishingMutation, AnswersMutation);

macro_rules! notice_payloads {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The notice after the change.
            pub notice: Notice,
        }
    )*};
}

notice_payloads! {
    /// The result of `publishNotice`.
    PublishNoticePayload;
    /// The result of `editNotice`.
    EditNoticePayload;
    /// The result of `withdrawNotice`.
    WithdrawNoticePayload;
    /// The result of `markNoticeRead`.
    MarkNoticeReadPayload;
    /// The result of `respondToAlert`.
    RespondToAlertPayload;
    /// The result of `recordAlertVisit`.
    RecordAlertVisitPayload;
    /// The result of `closeAlert`.
    CloseAlertPayload;
}
