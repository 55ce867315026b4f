use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::enums::*;

/// One recorded lifecycle transition (the project timeline).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_transitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub from_status: Option<ProjectStatus>,
    pub to_status: ProjectStatus,
    pub account_id: Option<i32>,
    pub role: Role,
    pub reason: Option<String>,
    pub at: DateTimeUtc,
    /// The organisation the actor acted for.
    pub organisation_id: Option<i32>,
    /// The party organisation's endorsement (the status does not change).
    pub endorsed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
