//! The change feed as a query.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::change;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::policy::{ChangesPermission, visible_changes};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::changes::policy::ChangesPermission;

    crate::shown! {
        read_changes => ChangesPermission::ReadChanges;
    }
}

/// Largest page of the feed (entries): the same cap as every list.
pub const MAX_CHANGES: i32 = crate::graphql::connection::MAX_PAGE;

/// The object types the feed carries: the services domain's catalogue,
/// sessions, requests and delivery records (what integrations sync). A
/// test below checks it against every `Change::of` in the code.
pub const FEED_TYPES: &[&str] = &["DeliveryRecord", "Service", "ServiceRequest", "ServiceSession"];

/// What happened to the object.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ChangeKind")]
pub enum ChangeKind {
    /// The object was created.
    Created,
    /// The object was changed.
    Updated,
    /// The object was deleted (its id no longer resolves).
    Deleted,
}

/// One entry of the change feed.
pub struct Change(change::Model);

/// One entry of the change feed.
#[Object]
impl Change {
    /// Resume the feed after this entry.
    async fn cursor(&self) -> String {
        encode(self.0.id)
    }
    /// CREATED, UPDATED or DELETED.
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }
    /// GraphQL type name of the object (`DeliveryRecord`).
    async fn object_type(&self) -> &str {
        &self.0.object_type
    }
    /// Global id of the object: fetch the current state with `nodes(ids:)`.
    async fn object_id(&self) -> ID {
        ids::encode(&self.0.object_type, self.0.object_id)
    }
    /// When the change was committed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// A page of the change feed.
#[derive(SimpleObject)]
pub struct ChangeFeed {
    /// The entries, oldest first.
    changes: Vec<Change>,
    /// Where to resume: pass it as `after` next time. Equal to `after` when
    /// nothing new has been committed, so a client can store it and poll.
    cursor: String,
    /// More entries follow right now (fetch again without waiting).
    has_more: bool,
}

fn encode(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("f{id}"))
}

fn decode(cursor: &str) -> ApiResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('f').and_then(|n| n.parse().ok()))
        .filter(|n: &i64| *n >= 0)
        .ok_or_else(|| ApiError::bad_input("after", t!("changes.invalid_cursor")))
}

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// The change feed, in commit order: the objects the viewer may see that
    /// were created, updated or deleted after `after`. Integrations store
    /// `cursor` and resume from it after any downtime; no change is ever
    /// skipped, also when concurrent writes commit out of id order.
    /// Organisations read changes to their own objects, committees and
    /// offices those in their communities, platform admins all.
    #[graphql(
        visible = "shown::read_changes",
        complexity = "first.unwrap_or(100).clamp(1, 100) as usize * child_complexity",
        guard = "Allowed(ChangesPermission::ReadChanges)"
    )]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Entries after this cursor (none: from the start).")] after: Option<String>,
        #[graphql(desc = "At most this many entries (default and at most 100).")] first: Option<i32>,
        #[graphql(
            desc = "Only objects of these types: `DeliveryRecord`, `Service`, `ServiceRequest`, `ServiceSession` (any other is BAD_USER_INPUT)."
        )]
        types: Option<Vec<String>>,
    ) -> ApiResult<ChangeFeed> {
        let after = after.as_deref().map(decode).transpose()?.unwrap_or(0);
        let first = first.unwrap_or(100);
        if !(1..=MAX_CHANGES).contains(&first) {
            return Err(ApiError::bad_input("first", t!("connection.first_between", min = 1, max = MAX_CHANGES)));
        }
        let mut q = visible_changes(ctx.principal()?).filter(change::Column::Id.gt(after));
        if let Some(types) = types {
            // A type the feed never carries would give an empty feed
            // forever: refused, not silently empty.
            if let Some(t) = types.iter().find(|t| !FEED_TYPES.contains(&t.as_str())) {
                return Err(ApiError::bad_input("types", t!("changes.no_object_type", name = t)));
            }
            q = q.filter(change::Column::ObjectType.is_in(types));
        }
        let limit = u64::try_from(first).unwrap_or(100);
        let mut rows = q.order_by_asc(change::Column::Id).limit(limit + 1).all(&ctx.db().read).await?;
        let has_more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let cursor = encode(rows.last().map_or(after, |c| c.id));
        Ok(ChangeFeed { changes: rows.into_iter().map(Change).collect(), cursor, has_more })
    }
}

#[cfg(test)]
mod tests {
    use super::FEED_TYPES;

    /// Every `Change::of::<T>` in the code names a type of [`FEED_TYPES`],
    /// and every one of those is written somewhere.
    #[test]
    fn the_feed_types_are_the_ones_written() {
        fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for part in text.split("Change::of::<").skip(1) {
                        let name = part.split('>').next().unwrap_or_default();
                        if name.len() > 1 && name.chars().all(char::is_alphanumeric) {
                            out.insert(name.to_owned());
                        }
                    }
                }
            }
        }
        let mut written = std::collections::BTreeSet::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut written);
        let listed: std::collections::BTreeSet<String> = FEED_TYPES.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(written, listed);
    }
}
