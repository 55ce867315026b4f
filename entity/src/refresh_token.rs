use sea_orm::entity::prelude::*;

/// A refresh token, stored as a SHA-256 hash. Tokens of one login form a
/// family; presenting a rotated token again revokes the whole family.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "refresh_tokens")]
#[serde(rename_all = "camelCase")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    #[serde(skip)]
    pub token_hash: String,
    pub family_id: String,
    pub account_id: i32,
    pub membership_id: i32,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub rotated_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// The client's `User-Agent` when this token was issued (for the
    /// session's device label).
    pub user_agent: Option<String>,
    /// The client's network (an IPv4 /24 or IPv6 /48 prefix), never the
    /// full address.
    pub address_prefix: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
