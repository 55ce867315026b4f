use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A meeting of a community's residents' council (居民议事会).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "council_meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub title: String,
    pub scheduled_at: DateTimeUtc,
    pub place: String,
    pub attendance: Option<i32>,
    /// Superseded by the minutes' revisions (`council_minutes`); kept as
    /// the latest text.
    pub minutes: Option<String>,
    pub created_at: DateTimeUtc,
    pub status: MeetingStatus,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
