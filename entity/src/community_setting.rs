use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// Per-community rules of deliberation. A community without a row uses the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "community_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: i32,
    /// Share of registered residents that must vote (percent, 0–100).
    pub quorum_percent: i32,
    /// Share of YES among YES+NO needed to pass (percent, 1–100, "at least").
    pub threshold_percent: i32,
    /// Show the tally while voting is open (otherwise only after close).
    pub live_tally: bool,
    /// The office approves a project only after the party organisation
    /// endorsed it.
    pub endorsement_required: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
