use sea_orm::entity::prelude::*;

use crate::enums::OrganisationKind;

/// An organisation: government office, community committee, social
/// organisation or property company.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: OrganisationKind,
    /// Home region: the jurisdiction of an office, the community of a committee.
    pub region_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
