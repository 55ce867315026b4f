use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// An item on a council meeting's agenda: a project, a report or a free
/// topic, with the council's decision on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "council_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub meeting_id: i32,
    /// Order on the agenda.
    pub position: i32,
    pub project_id: Option<i32>,
    pub report_id: Option<i32>,
    pub topic: Option<String>,
    pub decision: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by_account_id: Option<i32>,
    /// The project whose vote the council's decision rests on.
    pub vote_project_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
