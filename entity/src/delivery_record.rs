use sea_orm::entity::prelude::*;

/// One delivered service occasion (服务记录).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "delivery_records")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub service_id: i32,
    pub community_id: i32,
    /// The organisation's own id of the record (unique per organisation).
    pub external_id: String,
    pub delivered_on: Date,
    pub duration_minutes: i32,
    pub beneficiaries: i32,
    pub resident_account_id: Option<i32>,
    pub notes: Option<String>,
    /// SHA-256 of the content, to tell UNCHANGED from UPDATED in one statement.
    pub content_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
