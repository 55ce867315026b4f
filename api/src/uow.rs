//! The unit of work: every write runs in one transaction that ends with
//! exactly one audit row, and its live event is published only after the
//! commit. A mutation cannot forget the audit row (`commit` requires it) nor
//! publish early (only a [`Committed`] publishes). Dropping a unit of work
//! without committing rolls it back.
//!
//! Commit order is feed order. The audit log and the change feed are paged
//! by id, and a reader must never skip an entry. On PostgreSQL ids come
//! from sequences, which hand out numbers at insert time, not at commit: a
//! transaction holding id 11 may commit after one holding id 12, and a
//! reader that saw 12 would move past 11 for ever. So the feed rows (audit,
//! changes) are inserted last, under a transaction-scoped advisory lock that
//! is held until the commit: ids are then taken in commit order. The
//! serialised part is only those inserts and the commit itself; the work of
//! the transaction runs in parallel before it. (The alternatives weighed: a
//! `pg_current_snapshot()` watermark orders by transaction id, which is not
//! commit order and makes cursors pairs; an outbox renumbered by a single
//! background writer adds latency and a second write of every row.) On
//! SQLite the one write connection already commits in order.

use chrono::Utc;
use entity::enums::ChangeKind;
use entity::{audit_log, change};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, NotSet, Set, TransactionTrait};

use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, EventBus};
use crate::graphql::node::NodeType;
use crate::webhooks::EventType;

/// An audit verb: a domain's enum of what its mutations do. Each variant
/// has a frozen wire name (`project.submit`), stored in the audit log and
/// shown by the API, so renaming a variant changes neither.
pub trait Verb: Copy + Send + Sync + 'static {
    fn wire(self) -> &'static str;
}

/// Declare a domain's audit verbs with their frozen wire names.
#[macro_export]
macro_rules! verbs {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $var:ident = $wire:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name { $($(#[$vm])* $var,)* }
        impl $crate::uow::Verb for $name {
            fn wire(self) -> &'static str {
                match self { $(Self::$var => $wire,)* }
            }
        }
        impl $name {
            /// Every verb of the domain.
            pub const ALL: &'static [Self] = &[$(Self::$var,)*];
        }
    };
}

/// What a mutation did, for the audit log.
pub struct Audit {
    verb: &'static str,
    object_type: &'static str,
    object_id: Option<i32>,
    community_id: Option<i32>,
    details: Option<serde_json::Value>,
}

impl Audit {
    /// `verb` done to the object `id` of node type `T`.
    pub fn of<T: NodeType>(verb: impl Verb, id: i32) -> Self {
        Self { verb: verb.wire(), object_type: T::NAME, object_id: Some(id), community_id: None, details: None }
    }

    /// A write about many objects of type `T` (a batch): no single id; put
    /// the counts in `details`.
    pub fn batch<T: NodeType>(verb: impl Verb) -> Self {
        Self { verb: verb.wire(), object_type: T::NAME, object_id: None, community_id: None, details: None }
    }

    /// The community the object belongs to, if any (scopes the change feed).
    pub fn community(mut self, community_id: impl Into<Option<i32>>) -> Self {
        self.community_id = community_id.into();
        self
    }

    /// Non-personal details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// An object a write created, updated or deleted: one entry of the change
/// feed. The organisation and community scope who may read it.
pub struct Change {
    kind: ChangeKind,
    object_type: &'static str,
    object_id: i32,
    organisation_id: Option<i32>,
    community_id: Option<i32>,
}

impl Change {
    /// `kind` happened to the object `id` of node type `T`.
    pub fn of<T: NodeType>(kind: ChangeKind, id: i32) -> Self {
        Self { kind, object_type: T::NAME, object_id: id, organisation_id: None, community_id: None }
    }

    /// The organisation that owns the object.
    pub fn organisation(mut self, organisation_id: impl Into<Option<i32>>) -> Self {
        self.organisation_id = organisation_id.into();
        self
    }

    /// The community the object belongs to.
    pub fn community(mut self, community_id: impl Into<Option<i32>>) -> Self {
        self.community_id = community_id.into();
        self
    }
}

/// An event for webhook endpoints (`crate::webhooks`): written to the
/// outbox in the transaction of the change, so that it exists if and only
/// if the change committed. Carries a small, non-personal snapshot;
/// receivers fetch the rest through GraphQL.
pub struct Hook {
    pub(crate) event_type: EventType,
    pub(crate) object_type: &'static str,
    pub(crate) object_id: i32,
    pub(crate) community_id: Option<i32>,
    pub(crate) organisation_id: Option<i32>,
    pub(crate) data: serde_json::Map<String, serde_json::Value>,
}

impl Hook {
    /// An event of `event_type` about the object `id` of node type `T`.
    pub fn of<T: NodeType>(event_type: EventType, id: i32) -> Self {
        Self {
            event_type,
            object_type: T::NAME,
            object_id: id,
            community_id: None,
            organisation_id: None,
            data: serde_json::Map::new(),
        }
    }

    /// The community (or region) the object belongs to: endpoints scoped
    /// to a region receive it only when it lies under theirs.
    pub fn community(mut self, community_id: impl Into<Option<i32>>) -> Self {
        self.community_id = community_id.into();
        self
    }

    /// The organisation that owns the object.
    pub fn organisation(mut self, organisation_id: impl Into<Option<i32>>) -> Self {
        self.organisation_id = organisation_id.into();
        self
    }

    /// One field of the snapshot (see the catalogue for each type's).
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }
}

/// Rows per INSERT of change entries (6 parameters each; well under the
/// parameter limits of both engines).
const CHANGE_CHUNK: usize = 2000;

/// Key of the advisory lock that orders feed ids by commit (any constant
/// the application uses for nothing else).
const FEED_LOCK: i64 = 0x6f6e_677a_6869;

/// One write in progress.
pub struct UnitOfWork<'a> {
    db: &'a Db,
    principal: Option<&'a Principal>,
    txn: DatabaseTransaction,
    changes: Vec<Change>,
    hooks: Vec<Hook>,
}

impl<'a> UnitOfWork<'a> {
    /// Begin a write transaction (on SQLite, on the single write connection).
    pub async fn begin(db: &'a Db, principal: &'a Principal) -> ApiResult<Self> {
        Ok(Self {
            db,
            principal: Some(principal),
            txn: db.write.begin().await?,
            changes: Vec::new(),
            hooks: Vec::new(),
        })
    }

    /// Begin a write whose principal is only known inside it (a login
    /// establishes who is acting); commit it with [`Self::commit_as`].
    pub async fn begin_unidentified(db: &'a Db) -> ApiResult<Self> {
        Ok(Self { db, principal: None, txn: db.write.begin().await?, changes: Vec::new(), hooks: Vec::new() })
    }

    /// The transaction, for the mutation's reads and writes.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Record an event for webhook endpoints; written to the outbox at
    /// commit, in the same transaction.
    pub fn emit(&mut self, hook: Hook) {
        self.hooks.push(hook);
    }

    /// Record a change for the feed; written at commit.
    pub fn changed(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Take the feed lock (PostgreSQL) and write the recorded changes: the
    /// last statements before the commit (see the module docs).
    async fn write_feed(&mut self) -> ApiResult<()> {
        if self.txn.get_database_backend() == DbBackend::Postgres {
            self.txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({FEED_LOCK})")).await?;
        }
        let now = Utc::now();
        let changes = std::mem::take(&mut self.changes);
        for chunk in changes.chunks(CHANGE_CHUNK) {
            use change::Column as C;
            let mut insert = Query::insert();
            insert.into_table(change::Entity).columns([
                C::Kind,
                C::ObjectType,
                C::ObjectId,
                C::OrganisationId,
                C::CommunityId,
                C::At,
            ]);
            for c in chunk {
                insert.values_panic([
                    sea_orm::ActiveEnum::to_value(&c.kind).into(),
                    c.object_type.into(),
                    c.object_id.into(),
                    c.organisation_id.into(),
                    c.community_id.into(),
                    now.into(),
                ]);
            }
            self.txn.execute(&insert).await?;
        }
        let hooks = std::mem::take(&mut self.hooks);
        crate::webhooks::outbox::write(&self.txn, hooks, now).await
    }

    /// Write the audit row and commit.
    pub async fn commit(self, audit: Audit) -> ApiResult<Committed<'a>> {
        let p = self.principal.ok_or_else(|| ApiError::internal("unit of work without a principal"))?;
        self.commit_as(p, audit).await
    }

    /// Write the audit row in the name of `p` and commit.
    pub async fn commit_as(mut self, p: &Principal, audit: Audit) -> ApiResult<Committed<'a>> {
        let wake = !self.hooks.is_empty();
        self.write_feed().await?;
        audit_log::ActiveModel {
            id: NotSet,
            at: Set(Utc::now()),
            account_id: Set(p.account_id()),
            api_client_id: Set(p.api_client_id()),
            membership_id: Set(p.membership_id()),
            role: Set(Some(p.role)),
            action: Set(audit.verb.to_owned()),
            object_type: Set(audit.object_type.to_owned()),
            object_id: Set(audit.object_id),
            community_id: Set(audit.community_id),
            details: Set(audit.details.map(|d| d.to_string())),
        }
        .insert(&self.txn)
        .await?;
        self.txn.commit().await?;
        if wake {
            self.db.outbox_wake.notify_one();
        }
        Ok(Committed { db: self.db })
    }

    /// Commit a write that deliberately has no audit row of its own. The one
    /// case is a secret ballot (see `projects::voting`); `why` says so in the
    /// code and the debug log.
    pub async fn commit_unaudited(mut self, why: &'static str) -> ApiResult<Committed<'a>> {
        tracing::debug!(why, "write committed without an audit row");
        let wake = !self.hooks.is_empty();
        if !self.changes.is_empty() || !self.hooks.is_empty() {
            self.write_feed().await?;
        }
        self.txn.commit().await?;
        if wake {
            self.db.outbox_wake.notify_one();
        }
        Ok(Committed { db: self.db })
    }
}

/// A committed write, which may now announce itself.
pub struct Committed<'a> {
    db: &'a Db,
}

impl Committed<'_> {
    /// Publish the write's live event.
    pub async fn publish(self, bus: &EventBus, event: Event) {
        bus.publish(self.db, event).await;
    }

    /// Publish the live events of a write that changed several objects.
    pub async fn publish_all(self, bus: &EventBus, events: Vec<Event>) {
        for event in events {
            bus.publish(self.db, event).await;
        }
    }
}
