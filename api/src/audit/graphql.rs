//! The audit log as a query: an ordered change feed. Page forward with
//! `after` (the last cursor you saw) to receive every later change once.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object};
use entity::enums::Role as DbRole;
use entity::{account, audit_log, membership};

use crate::accounts::graphql::{Account, Role};
use crate::audit::policy::AuditPermission;
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, load_by_id};
use crate::graphql::node::NodeType;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::audit::policy::AuditPermission;

    crate::shown! {
        read_audit_log => AuditPermission::ReadAuditLog;
    }
}

/// One successful mutation.
#[derive(Clone)]
pub struct AuditEntry(pub audit_log::Model);

/// One successful mutation.
#[Object(visible = "shown::read_audit_log")]
impl AuditEntry {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// Dotted verb, e.g. `account.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// GraphQL type name of the object acted on.
    async fn object_type(&self) -> &str {
        &self.0.object_type
    }
    /// Global id of the object acted on.
    async fn object_id(&self) -> Option<ID> {
        self.0.object_id.map(|id| ids::encode(&self.0.object_type, id))
    }
    /// The role the actor acted in.
    async fn role(&self) -> Option<Role> {
        self.0.role.map(Into::into)
    }
    /// The acting account (null for machine clients and the command line).
    /// A resident or building head acting is a person, named only to those
    /// who may see that person's personal data (the person, the committee
    /// of their community, platform admins), as the objects themselves name
    /// them (an anonymous report's reporter stays unnamed to everyone else);
    /// staff act in their role and are named.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let Some(id) = self.0.account_id else { return Ok(None) };
        let staff = self.0.role.is_some_and(|r| !matches!(r, DbRole::Resident | DbRole::BuildingHead));
        if !staff {
            let memberships = ctx.loader::<ByColumn<membership::Entity>>()?.load_one(id).await?.unwrap_or_default();
            let communities: Vec<i32> = memberships
                .iter()
                .filter(|m| crate::policy::is_community_role(m.role))
                .filter_map(|m| m.region_id)
                .collect();
            if !crate::accounts::policy::may_see_personal(ctx.principal()?, id, &communities) {
                return Ok(None);
            }
        }
        load_by_id::<account::Entity, _>(ctx, Some(id), Account).await
    }
    /// Action-specific details (JSON), never personal data.
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, oldest first: everything for platform admins; entries
    /// about communities in scope for offices and committees; and an entry
    /// only while you may read the object it records (`node(id: objectId)`),
    /// so the log is exactly as private as what it records.
    #[graphql(
        visible = "shown::read_audit_log",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(AuditPermission::ReadAuditLog)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<AuditEntry>> {
        let q = super::policy::visible_entries(ctx.principal()?);
        paginate(ctx, q, audit_log::Column::Id, PageArgs::new(after, before, first, last), AuditEntry).await
    }
}

crate::node_type!(AuditEntry, "AuditEntry", audit_log, super::policy::visible_entries);
