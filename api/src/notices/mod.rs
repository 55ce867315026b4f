//! Notices and emergency alerts (通知 / 预警): the committee, the office and
//! building heads publish notices to regions or buildings; residents in
//! scope read them. An EMERGENCY notice is an alert with a warning level:
//! residents answer SAFE or NEED_HELP, building heads see a roster of their
//! building's households and record door-to-door visits (楼门院长制), the
//! committee and the office see live counts, households that did not answer
//! in time are flagged to their building head ([`jobs`]), and closing the
//! alert freezes the counts.
//!
//! Scale: publishing writes one notice row and one row per target (a region
//! or a building), whatever the number of residents; answers, visits and
//! flags are stored when they happen; counts are SQL aggregates.

pub mod graphql;
pub mod jobs;
pub mod policy;
pub mod service;

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

use crate::graphql::loaders::Loaders;

crate::verbs! {
    /// What notice mutations do, as recorded in the audit log.
    pub enum Verbs {
        NoticePublish = "notice.publish",
        NoticeEdit = "notice.edit",
        NoticeWithdraw = "notice.withdraw",
        AlertRespond = "alert.respond",
        AlertClose = "alert.close",
        AlertVisit = "alert.visit",
        AlertToReport = "alert.to_report",
        AlertFlag = "alert.flag",
    }
}

/// What happened to a notice, as delivered by `noticeEvents`.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeEventKind {
    /// Published (residents in scope receive it).
    Published,
    /// The publisher edited it.
    Edited,
    /// The publisher withdrew it.
    Withdrawn,
    /// The alert was closed; its counts are frozen.
    Closed,
    /// A resident answered the alert (the counts changed).
    Response,
    /// A building head recorded a visit (the counts changed).
    Visit,
    /// A household was flagged to its building head for not answering in time.
    Flagged,
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    use entity::notice_target;
    l.by_column::<notice_target::Entity, crate::graphql::loaders::Main>(notice_target::Column::NoticeId);
    l.add(graphql::ViewerReadLoader { db: l.db.clone(), account_id: l.viewer });
    l.add(graphql::ViewerResponseLoader { db: l.db.clone(), account_id: l.viewer });
}
