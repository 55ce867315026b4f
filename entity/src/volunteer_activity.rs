use sea_orm::entity::prelude::*;

use crate::enums::{ActivityStatus, Role};

/// A volunteer activity (志愿活动) organised for a community.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "volunteer_activities")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    /// The person who created it.
    pub organiser_account_id: i32,
    /// The organising NGO or property company, if one organises it.
    pub organisation_id: Option<i32>,
    /// The organiser's role when creating it.
    pub organiser_role: Role,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    /// Places taken (signed-up people), at most `capacity`.
    pub taken: i32,
    /// Points per hour of confirmed attendance; `None`: the community's rule.
    pub points_per_hour: Option<i32>,
    /// Points for each confirmed attendance, whatever its length (instead
    /// of points per hour); `None`: by the hour.
    pub points_per_activity: Option<i32>,
    pub status: ActivityStatus,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
