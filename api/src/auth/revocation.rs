//! Access that ends at once. An access token is a signed JWT that stays
//! valid until it expires; to end it earlier, a revocation names what it
//! ends (an account, a membership, a login session, an API client, one
//! token) and from when: every token of that subject issued up to that
//! moment is refused from the next request on, by every process.
//!
//! Revocations are rows of `token_revocations`, written in the same
//! transaction as the change that causes them (a removed membership, a
//! disabled account, a password change, …). Every process keeps the live
//! ones in memory ([`Revocations`]), so the check on each request is a few
//! hash lookups, not a database read. A process learns of new rows:
//! - from itself, right after its own commit ([`Revocations::sync`]);
//! - on PostgreSQL, from the `NOTIFY gongzhi_revocations` the revoking
//!   transaction sends, which PostgreSQL delivers at commit to every
//!   process's listener (see `events.rs`);
//! - and every `GONGZHI_REVOCATION_POLL_MS` in any case, so a missed
//!   notification (a listener reconnecting) keeps a revoked token alive at
//!   most that long.
//!
//! A NOTIFY reaches the other processes a moment after the commit, and the
//! revoking process's client could ask another process sooner. So on
//! PostgreSQL the revoking process answers only once every other live
//! process has acknowledged the write's batch (`revocation_acks`; each
//! process keeps a heartbeat in `server_processes` and acknowledges every
//! batch it has applied), waiting at most [`ACK_WAIT`]; past that it
//! answers anyway and the poll bounds the rest. Revocations are rare, so
//! they may take a few milliseconds longer; the check on every request
//! stays in memory.
//!
//! A row is needed only while tokens issued before it can still be valid:
//! it expires with the longest access-token lifetime (plus the clock-skew
//! leeway), and the sweep deletes it afterwards. Each sync reads all live
//! rows (a handful: revocations are rare) rather than "rows after the last
//! id", which on PostgreSQL could skip a row whose transaction committed
//! after one with a higher id.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{Duration, Utc};
use entity::{revocation_ack, server_process, token_revocation};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, NotSet, QueryFilter, Set};

use super::jwt::TokenInfo;
use super::principal::{Actor, Principal};
use crate::db::Db;
use crate::error::ApiResult;

/// The PostgreSQL channel of revocations.
pub const CHANNEL: &str = "gongzhi_revocations";

/// How long a revoking process waits for the others to acknowledge.
pub const ACK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A process counts as alive while its heartbeat is this recent (seconds).
const ALIVE_SECS: i64 = 10;

/// What a revocation ends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// Every token of an account (disabled, erased, logged out everywhere).
    Account(i32),
    /// Tokens acting in one membership (removed).
    Membership(i32),
    /// Tokens of one login session (a refresh-token family ended).
    Session(String),
    /// Every token of an API client (revoked).
    Client(i32),
    /// One token, by its `jti` (RFC 7009 revocation).
    Token(String),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Self::Account(id) => format!("account:{id}"),
            Self::Membership(id) => format!("membership:{id}"),
            Self::Session(sid) => format!("session:{sid}"),
            Self::Client(id) => format!("client:{id}"),
            Self::Token(jti) => format!("token:{jti}"),
        }
    }

    fn parse(key: &str) -> Option<Self> {
        let (kind, rest) = key.split_once(':')?;
        Some(match kind {
            "account" => Self::Account(rest.parse().ok()?),
            "membership" => Self::Membership(rest.parse().ok()?),
            "session" => Self::Session(rest.to_owned()),
            "client" => Self::Client(rest.parse().ok()?),
            "token" => Self::Token(rest.to_owned()),
            _ => return None,
        })
    }
}

/// The revocations one transaction wrote (see [`Revocations::settle`]).
#[must_use = "settle the batch after the commit"]
pub struct Batch(Option<String>);

/// Record revocations of `subjects` from now, in the transaction `conn` of
/// the change that causes them. `token_ttl_secs`: the longest access-token
/// lifetime, after which the rows are no longer needed. On PostgreSQL the
/// transaction also notifies every process (delivered at commit). After
/// the commit, [`Revocations::settle`] the batch.
pub async fn revoke<C: ConnectionTrait>(conn: &C, subjects: &[Subject], token_ttl_secs: i64) -> ApiResult<Batch> {
    if subjects.is_empty() {
        return Ok(Batch(None));
    }
    let now = Utc::now();
    let expires = now + Duration::seconds(token_ttl_secs + i64::try_from(super::jwt::LEEWAY_SECS).unwrap_or(0) + 60);
    let batch = uuid::Uuid::new_v4().simple().to_string();
    for s in subjects {
        token_revocation::ActiveModel {
            id: NotSet,
            batch: Set(batch.clone()),
            subject: Set(s.key()),
            revoked_at: Set(now),
            expires_at: Set(expires),
        }
        .insert(conn)
        .await?;
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("SELECT pg_notify('{CHANNEL}', '{batch}')")).await?;
    }
    Ok(Batch(Some(batch)))
}

/// The live revocations a process knows: subject → the moment up to which
/// its tokens are refused (milliseconds since the epoch).
#[derive(Default)]
struct State {
    accounts: HashMap<i32, i64>,
    memberships: HashMap<i32, i64>,
    sessions: HashMap<String, i64>,
    clients: HashMap<i32, i64>,
    tokens: HashMap<String, i64>,
}

/// What this process knows of revocations (shared by its requests).
#[derive(Clone)]
pub struct Revocations {
    state: Arc<RwLock<State>>,
    /// This process, in `server_processes`.
    process: Arc<str>,
    /// The batches this process has acknowledged.
    acked: Arc<Mutex<HashSet<String>>>,
}

impl Default for Revocations {
    fn default() -> Self {
        Self { state: Arc::default(), process: uuid::Uuid::new_v4().simple().to_string().into(), acked: Arc::default() }
    }
}

impl Revocations {
    /// Is this token, of this principal, revoked? A token issued at or
    /// before a revocation of its account, membership, session, client or
    /// itself is.
    pub fn is_revoked(&self, p: &Principal, info: &TokenInfo) -> bool {
        let Ok(s) = self.state.read() else { return false };
        let issued = info.issued_at_ms;
        let hit = |cut: Option<&i64>| cut.is_some_and(|&c| issued <= c);
        let by_actor = match p.actor {
            Actor::Account { account_id, membership_id } => {
                hit(s.accounts.get(&account_id)) || hit(s.memberships.get(&membership_id))
            }
            Actor::Client { api_client_id } => hit(s.clients.get(&api_client_id)),
            Actor::System => false,
        };
        by_actor
            || info.session_id.as_deref().is_some_and(|sid| hit(s.sessions.get(sid)))
            || info.token_id.as_deref().is_some_and(|jti| hit(s.tokens.get(jti)))
    }

    /// After the commit of a revoking write: this process knows at once,
    /// and (PostgreSQL) the answer waits until every other live process
    /// has acknowledged the batch, at most [`ACK_WAIT`].
    pub async fn settle(&self, db: &Db, batch: Batch) -> ApiResult<()> {
        self.sync(db).await?;
        let Batch(Some(batch)) = batch else { return Ok(()) };
        if !db.is_postgres() {
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + ACK_WAIT;
        loop {
            let alive = Utc::now() - Duration::seconds(ALIVE_SECS);
            let acked = revocation_ack::Entity::find()
                .filter(revocation_ack::Column::Batch.eq(batch.as_str()))
                .all(&db.write)
                .await?
                .into_iter()
                .map(|a| a.process_id)
                .collect::<HashSet<_>>();
            let waiting = server_process::Entity::find()
                .filter(server_process::Column::LastSeenAt.gt(alive))
                .filter(server_process::Column::Id.ne(&*self.process))
                .all(&db.write)
                .await?
                .into_iter()
                .filter(|p| !acked.contains(&p.id))
                .count();
            if waiting == 0 {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(waiting, "revocation not acknowledged by every process; their poll will catch up");
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Read the live revocations from the database (after a commit of this
    /// process, on a notification, and every poll interval), and
    /// acknowledge the batches not acknowledged yet (PostgreSQL).
    pub async fn sync(&self, db: &Db) -> ApiResult<()> {
        let rows = token_revocation::Entity::find()
            .filter(token_revocation::Column::ExpiresAt.gt(Utc::now()))
            .all(&db.write)
            .await?;
        let batches: HashSet<String> = rows.iter().map(|r| r.batch.clone()).collect();
        let mut next = State::default();
        for r in rows {
            let at = r.revoked_at.timestamp_millis();
            let keep = |m: &mut HashMap<_, i64>, k| {
                let e = m.entry(k).or_insert(at);
                *e = (*e).max(at);
            };
            match Subject::parse(&r.subject) {
                Some(Subject::Account(id)) => keep(&mut next.accounts, id),
                Some(Subject::Membership(id)) => keep(&mut next.memberships, id),
                Some(Subject::Client(id)) => keep(&mut next.clients, id),
                Some(Subject::Session(sid)) => {
                    let e = next.sessions.entry(sid).or_insert(at);
                    *e = (*e).max(at);
                }
                Some(Subject::Token(jti)) => {
                    let e = next.tokens.entry(jti).or_insert(at);
                    *e = (*e).max(at);
                }
                None => {}
            }
        }
        if let Ok(mut s) = self.state.write() {
            *s = next;
        }
        if db.is_postgres() {
            self.acknowledge(db, batches).await?;
        }
        Ok(())
    }

    /// Record that this process has applied these batches (those not
    /// recorded before); forget the ones that expired.
    async fn acknowledge(&self, db: &Db, live: HashSet<String>) -> ApiResult<()> {
        let new: Vec<String> = match self.acked.lock() {
            Ok(mut acked) => {
                acked.retain(|b| live.contains(b));
                live.into_iter().filter(|b| acked.insert(b.clone())).collect()
            }
            Err(_) => return Ok(()),
        };
        if new.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let rows = new.into_iter().map(|batch| revocation_ack::ActiveModel {
            batch: Set(batch),
            process_id: Set(self.process.to_string()),
            acked_at: Set(now),
        });
        revocation_ack::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([revocation_ack::Column::Batch, revocation_ack::Column::ProcessId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&db.write)
            .await?;
        Ok(())
    }

    /// This process's heartbeat (PostgreSQL): it is among the processes a
    /// revocation waits for while it beats.
    async fn heartbeat(&self, db: &Db) -> ApiResult<()> {
        if !db.is_postgres() {
            return Ok(());
        }
        let now = Utc::now();
        let me = server_process::ActiveModel {
            id: Set(self.process.to_string()),
            started_at: Set(now),
            last_seen_at: Set(now),
        };
        server_process::Entity::insert(me)
            .on_conflict(
                OnConflict::column(server_process::Column::Id)
                    .update_column(server_process::Column::LastSeenAt)
                    .to_owned(),
            )
            .exec_without_returning(&db.write)
            .await?;
        Ok(())
    }

    /// Sync now, then whenever `wake` fires (a notification) or `poll`
    /// passes; and delete expired rows now and then. Runs for the life of
    /// the process; a failed read is retried at the next turn.
    pub fn spawn(&self, db: &Db, wake: Arc<tokio::sync::Notify>, poll: std::time::Duration) {
        let (me, db) = (self.clone(), db.clone());
        tokio::spawn(async move {
            let mut turns: u64 = 0;
            let mut beat = tokio::time::Instant::now() - std::time::Duration::from_secs(60);
            loop {
                // The heartbeat first: a process acknowledges only while it
                // counts as alive.
                if beat.elapsed() >= std::time::Duration::from_secs(2) {
                    match me.heartbeat(&db).await {
                        Ok(()) => beat = tokio::time::Instant::now(),
                        Err(e) => tracing::warn!(error = ?e.public_message(), "process heartbeat failed"),
                    }
                }
                if let Err(e) = me.sync(&db).await {
                    tracing::warn!(error = ?e.public_message(), "reading revocations failed; retrying");
                }
                turns += 1;
                if turns.is_multiple_of(100) {
                    me.sweep(&db).await;
                }
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                }
            }
        });
    }
}

impl Revocations {
    /// Delete expired revocations, their acknowledgements and processes
    /// not seen for an hour.
    async fn sweep(&self, db: &Db) {
        let now = Utc::now();
        let _ = token_revocation::Entity::delete_many()
            .filter(token_revocation::Column::ExpiresAt.lte(now))
            .exec(&db.write)
            .await;
        let _ = revocation_ack::Entity::delete_many()
            .filter(revocation_ack::Column::AckedAt.lte(now - Duration::hours(1)))
            .exec(&db.write)
            .await;
        let _ = server_process::Entity::delete_many()
            .filter(server_process::Column::LastSeenAt.lte(now - Duration::hours(1)))
            .exec(&db.write)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::Role;

    #[test]
    fn subjects_round_trip_through_their_keys() {
        for s in [
            Subject::Account(7),
            Subject::Membership(9),
            Subject::Session("f-1".into()),
            Subject::Client(3),
            Subject::Token("j".into()),
        ] {
            assert_eq!(Subject::parse(&s.key()), Some(s));
        }
        assert_eq!(Subject::parse("nothing:1"), None);
    }

    #[test]
    fn a_token_issued_up_to_a_revocation_is_refused_and_a_later_one_is_not() {
        let r = Revocations::default();
        let p = Principal {
            actor: Actor::Account { account_id: 7, membership_id: 9 },
            role: Role::Resident,
            scope: Default::default(),
        };
        let info = |at: i64| TokenInfo {
            expires_at: Utc::now(),
            session_id: Some("s".into()),
            token_id: Some("t".into()),
            issued_at_ms: at,
        };
        assert!(!r.is_revoked(&p, &info(1_000)));
        r.state.write().unwrap().memberships.insert(9, 1_000);
        assert!(r.is_revoked(&p, &info(1_000)) && !r.is_revoked(&p, &info(1_001)));
        r.state.write().unwrap().sessions.insert("s".into(), 2_000);
        assert!(r.is_revoked(&p, &info(1_500)) && !r.is_revoked(&p, &info(2_001)));
    }
}
