use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A resident report (诉求 / 报事报修).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reports")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub building_id: Option<i32>,
    pub category_id: i32,
    pub category_code: String,
    /// The resident the report is about (the reporter).
    pub reporter_account_id: i32,
    /// Who filed it: the reporter, or a building head on their behalf.
    pub filed_by_account_id: i32,
    pub description: String,
    pub location_text: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub is_public: bool,
    pub is_anonymous: bool,
    pub status: ReportStatus,
    pub assigned_organisation_id: Option<i32>,
    pub due_at: DateTimeUtc,
    pub first_response_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    pub resolution_note: Option<String>,
    pub mediation_outcome: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A building head escalated it to the committee (the first rung).
    pub escalated_to_committee_at: Option<DateTimeUtc>,
    /// When the assigned organisation expects to finish.
    pub expected_completion_at: Option<DateTimeUtc>,
    /// A dispute's mediator: a committee member, or an organisation.
    pub mediator_account_id: Option<i32>,
    pub mediator_organisation_id: Option<i32>,
    /// A dispute's outcome, once mediated.
    pub mediation_result: Option<MediationResult>,
    pub referred_to: Option<ReferralTarget>,
    pub follow_up_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
