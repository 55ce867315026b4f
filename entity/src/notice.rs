use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A notice or emergency alert published to regions or buildings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub publisher_account_id: i32,
    pub publisher_role: Role,
    pub publisher_organisation_id: Option<i32>,
    pub category: NoticeCategory,
    pub title: String,
    pub body: String,
    pub valid_from: DateTimeUtc,
    pub valid_until: Option<DateTimeUtc>,
    pub status: NoticeStatus,
    /// Emergency alerts only.
    pub level: Option<AlertLevel>,
    pub instructions: Option<String>,
    /// Seconds without a response after which a household is flagged to its building head.
    pub follow_up_secs: Option<i32>,
    /// The counts frozen when the alert was closed (JSON).
    pub frozen_counts: Option<String>,
    /// Households targeted and reached within the hour, frozen at close
    /// (the monthly statistics read them once answers are purged).
    pub frozen_households: Option<i64>,
    pub frozen_reached_within_hour: Option<i64>,
    /// When the answers, visits and flags were purged after retention.
    pub answers_purged_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
