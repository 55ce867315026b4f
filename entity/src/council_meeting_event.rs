use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// One step of a council meeting's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "council_meeting_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    pub kind: MeetingEventKind,
    pub account_id: Option<i32>,
    pub role: Option<Role>,
    pub organisation_id: Option<i32>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
