use sea_orm::entity::prelude::*;

use crate::enums::PointsKind;

/// A community's rule: points for one kind of taking part, with caps.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "points_rules")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub kind: PointsKind,
    /// Points per unit (an hour of volunteering, a resolved report, ...).
    pub points: i32,
    /// At most this many points of this kind per person and day (Asia/Shanghai).
    pub daily_cap: Option<i32>,
    /// At most this many points of this kind per person and month.
    pub monthly_cap: Option<i32>,
    pub updated_by_account_id: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
