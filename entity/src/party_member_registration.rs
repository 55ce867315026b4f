use sea_orm::entity::prelude::*;

/// A party member's voluntary registration with the community party
/// organisation (党员报到). Sensitive personal information: read by the
/// person and the party organisation only, erased on the person's word.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "party_member_registrations")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub community_id: i32,
    /// The party organisation the member belongs to (原所在党组织), in words.
    pub home_branch: Option<String>,
    pub registered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
