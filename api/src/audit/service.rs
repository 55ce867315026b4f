use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::policy::{self, Action};

/// What a mutation did, for the audit log.
pub struct Entry<'a> {
    /// Dotted verb, e.g. `region.create`.
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i32>,
    /// The community the object belongs to, if any (scopes the change feed).
    pub community_id: Option<i32>,
    /// Non-personal details.
    pub details: Option<serde_json::Value>,
}

impl<'a> Entry<'a> {
    pub fn new(action: &'a str, object_type: &'a str, object_id: i32) -> Self {
        Self { action, object_type, object_id: Some(object_id), community_id: None, details: None }
    }

    pub fn community(mut self, community_id: Option<i32>) -> Self {
        self.community_id = community_id;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// Append one audit row in the caller's transaction.
pub async fn record<C: ConnectionTrait>(conn: &C, principal: &Principal, entry: Entry<'_>) -> ApiResult<()> {
    audit_log::ActiveModel {
        id: NotSet,
        at: Set(Utc::now()),
        account_id: Set(principal.account_id()),
        api_client_id: Set(principal.api_client_id()),
        membership_id: Set(principal.membership_id()),
        role: Set(Some(principal.role)),
        action: Set(entry.action.to_owned()),
        object_type: Set(entry.object_type.to_owned()),
        object_id: Set(entry.object_id),
        community_id: Set(entry.community_id),
        details: Set(entry.details.map(|d| d.to_string())),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The audit log the principal may read, as a query (see [`policy::audit_filter`]).
pub fn feed(p: &Principal) -> ApiResult<sea_orm::Select<audit_log::Entity>> {
    policy::authorize(p, Action::ReadAuditLog)?;
    Ok(audit_log::Entity::find().filter(policy::audit_filter(p)))
}
