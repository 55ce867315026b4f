use sea_orm::entity::prelude::*;

use crate::enums::SignupStatus;

/// A person's place (or place on the waiting list) in a volunteer activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "volunteer_signups")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub activity_id: i32,
    pub account_id: i32,
    pub status: SignupStatus,
    /// The person lets the organiser see their phone.
    pub share_phone: bool,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    /// Confirmed minutes of service.
    pub minutes: Option<i32>,
    pub confirmed_by_account_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
