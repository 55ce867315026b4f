//! Resident reports and work orders (诉求 / 报事报修, 矛盾纠纷): residents
//! report problems of their community, the committee or the office routes
//! each to the organisation that must act, that organisation works and
//! resolves it, the reporter confirms and rates. Every step is a timeline
//! event; overdue reports are escalated to the office once by a sweep inside
//! the server ([`jobs`]); photos are checked by content and stored without
//! metadata ([`photos`]).
//!
//! Lifecycle (the table in [`lifecycle`]): SUBMITTED → ACCEPTED → ASSIGNED →
//! IN_PROGRESS → RESOLVED → CLOSED, with REJECTED, REOPENED (by the
//! reporter) and MEDIATED (disputes, by the committee).

pub mod graphql;
pub mod jobs;
pub mod lifecycle;
pub mod open311;
pub mod photos;
pub mod policy;
pub mod service;

use entity::{dispute_party, mediation_attendee, mediation_session, report_category, report_event, report_photo};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What report mutations do, as recorded in the audit log.
    pub enum Verbs {
        ReportSubmit = "report.submit",
        ReportAccept = "report.accept",
        ReportReject = "report.reject",
        ReportAssign = "report.assign",
        ReportStart = "report.start",
        ReportResolve = "report.resolve",
        ReportConfirm = "report.confirm",
        ReportReopen = "report.reopen",
        ReportMediate = "report.mediate",
        ReportNote = "report.note",
        ReportEscalate = "report.escalate",
        ReportRate = "report.rate",
        ReportReturn = "report.return",
        ReportExpect = "report.set_expected_completion",
        ReportRecordSession = "report.record_mediation_session",
        ReportAddParty = "report.add_dispute_party",
        ReportSetMediator = "report.set_mediator",
        ReportAutoEscalate = "report.auto_escalate",
        ReportAutoClose = "report.auto_close",
        CategorySet = "report_category.set",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.by_id::<report_category::Entity>();
    l.visible_by_id::<entity::report::Entity>(policy::visible_reports);
    l.by_column::<report_event::Entity, Main>(report_event::Column::ReportId);
    l.by_column::<report_photo::Entity, Main>(report_photo::Column::ReportId);
    l.by_column::<dispute_party::Entity, Main>(dispute_party::Column::ReportId);
    l.by_column::<mediation_session::Entity, Main>(mediation_session::Column::ReportId);
    l.by_column::<mediation_attendee::Entity, Main>(mediation_attendee::Column::SessionId);
}
