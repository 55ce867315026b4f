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

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::notices::policy::NoticesPermission;

    crate::shown! {
        read_notices => NoticesPermission::ReadNotices;
        publish => NoticesPermission::Publish;
        answer => NoticesPermission::Answer;
        visit => NoticesPermission::Visit;
        roster => NoticesPermission::Roster;
        to_report => NoticesPermission::ToReport;
        stats => NoticesPermission::Stats;
    }
}

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
