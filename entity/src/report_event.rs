use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// One step of a report's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "report_events")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub report_id: i32,
    pub kind: ReportEventKind,
    pub from_status: Option<ReportStatus>,
    pub to_status: Option<ReportStatus>,
    /// Null for steps the server takes itself (automatic acceptance, escalation, closing).
    pub account_id: Option<i32>,
    pub role: Option<Role>,
    pub organisation_id: Option<i32>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
