use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// A shared community project (共治项目).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub title: String,
    pub description: String,
    pub category: ProjectCategory,
    pub status: ProjectStatus,
    pub proposer_account_id: i32,
    pub budget_fen: i64,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    pub building_id: Option<i32>,
    pub location_text: Option<String>,
    pub voting_opened_at: Option<DateTimeUtc>,
    pub voting_closes_at: Option<DateTimeUtc>,
    pub voting_closed_at: Option<DateTimeUtc>,
    /// Whether this vote shows a live tally: the community's setting,
    /// copied when the vote opens and fixed until it closes.
    pub voting_live_tally: Option<bool>,
    /// Frozen tally, set when voting closes.
    pub tally_yes: Option<i32>,
    pub tally_no: Option<i32>,
    pub tally_abstain: Option<i32>,
    /// Registered residents when voting closed (the quorum base).
    pub tally_eligible: Option<i32>,
    pub outcome: Option<VoteOutcome>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
