use sea_orm::entity::prelude::*;

use crate::enums::Role;

/// A read of a resident's personal fields by someone else: who, when,
/// which fields, through which object, on which path and for which
/// operation. Append-only (UPDATE refused by a trigger); rows leave when
/// their retention ends.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "personal_data_access")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose data was read.
    pub subject_account_id: i32,
    pub viewer_account_id: Option<i32>,
    pub viewer_api_client_id: Option<i32>,
    /// The role the viewer acted in.
    pub viewer_role: Role,
    /// The materialised path of the viewer's community or region.
    pub viewer_region_path: Option<String>,
    pub viewer_organisation_id: Option<i32>,
    /// The object it was read through (GraphQL type name).
    pub object_type: String,
    pub object_id: Option<i32>,
    /// Comma-separated field names, sorted.
    pub fields: String,
    /// `graphql`, `websocket`, `open311`, `export`, `webhook`.
    pub channel: String,
    /// The operation and path (`query RosterOfAlert: notice.roster`).
    pub purpose: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
