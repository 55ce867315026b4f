use sea_orm::entity::prelude::*;

/// Where an API client or an organisation's staff wants events pushed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Owned by this API client, or else by `membership_id`'s organisation.
    pub api_client_id: Option<i32>,
    /// The staff membership that registered it: its principal decides which
    /// events the endpoint receives.
    pub membership_id: Option<i32>,
    pub organisation_id: Option<i32>,
    pub url: String,
    /// JSON array of event type names.
    pub event_types: String,
    /// Only events of objects under this region (within the owner's scope).
    pub scope_region_id: Option<i32>,
    pub description: String,
    pub enabled: bool,
    /// Why the server disabled it (`gone`, `failing`, `owner_gone`).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTimeUtc>,
    /// `whsec_...`: the signing secret (shown to the owner once).
    pub secret: String,
    /// The secret before the last rotation, still signed with until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Since when every attempt has failed (null after a success).
    pub failing_since: Option<DateTimeUtc>,
    pub failure_streak: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
