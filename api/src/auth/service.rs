use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use entity::{account, api_client, login_throttle, membership, refresh_token, region};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::Verbs;
use super::principal::{Actor, Principal, Scope};
use super::{JwtKeys, password};
use crate::accounts::graphql::{Account, ApiClient};
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Tokens handed out by a login or refresh.
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub principal: Principal,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthenticated(t!("auth.invalid_username_password"))
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The principal of an account acting in one of its memberships.
pub async fn principal_for_membership<C: ConnectionTrait>(conn: &C, m: &membership::Model) -> ApiResult<Principal> {
    let region_path = match m.region_id {
        Some(id) => region::Entity::find_by_id(id).one(conn).await?.map(|r| r.path),
        None => None,
    };
    let community_roles = matches!(m.role, Role::Resident | Role::BuildingHead | Role::CommunityCommittee);
    let scope = Scope {
        region_id: m.region_id,
        region_path,
        community_id: if community_roles { m.region_id } else { None },
        building_id: m.building_id,
        organisation_id: m.organisation_id,
    };
    Ok(Principal { actor: Actor::Account { account_id: m.account_id, membership_id: m.id }, role: m.role, scope })
}

/// The principal of an API client.
pub async fn principal_for_client<C: ConnectionTrait>(conn: &C, c: &api_client::Model) -> ApiResult<Principal> {
    let region_path = match c.region_id {
        Some(id) => region::Entity::find_by_id(id).one(conn).await?.map(|r| r.path),
        None => None,
    };
    let scope = Scope {
        region_id: c.region_id,
        region_path,
        community_id: None,
        building_id: None,
        organisation_id: c.organisation_id,
    };
    Ok(Principal { actor: Actor::Client { api_client_id: c.id }, role: c.role, scope })
}

/// One throttled key: a username, or `@` + a client address (usernames
/// cannot contain `@`, so the two never collide).
struct ThrottleKey<'a> {
    key: String,
    max: i32,
    what: &'a str,
}

/// Reserves one login attempt on `key` *before* the password is checked.
///
/// Every attempt counts as a failure until it succeeds (then [`release`]
/// gives the slot back), so however many requests race, at most `max`
/// password verifications run per key and window: the 6th concurrent wrong
/// password is refused without being checked, and a right password that
/// arrives while the key is locked is refused too. The read and write are
/// one critical section: the row is locked (`FOR UPDATE`) on PostgreSQL, and
/// on SQLite every write transaction runs on the one write connection.
async fn reserve(db: &Db, config: &Config, k: &ThrottleKey<'_>, now: DateTime<Utc>) -> ApiResult<()> {
    let window = Duration::seconds(config.login_lock_secs);
    // Throttle bookkeeping, not a mutation of the API: a plain transaction,
    // no audit row (failed logins are logged as security events instead).
    let txn = db.write.begin().await?;
    let fresh = login_throttle::ActiveModel {
        username: Set(k.key.clone()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    };
    login_throttle::Entity::insert(fresh)
        .on_conflict(OnConflict::column(login_throttle::Column::Username).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    let row = login_throttle::Entity::find_by_id(k.key.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("login throttle row vanished"))?;
    if let Some(until) = row.locked_until
        && until > now
    {
        txn.commit().await?;
        return Err(locked(k.what, until));
    }
    let (failures, started) =
        if row.window_started_at + window > now { (row.failures + 1, row.window_started_at) } else { (1, now) };
    let lock = (failures > k.max).then_some(now + window);
    login_throttle::ActiveModel {
        username: Set(k.key.clone()),
        failures: Set(failures),
        window_started_at: Set(started),
        locked_until: Set(lock),
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    match lock {
        Some(until) => {
            tracing::warn!(key = %k.what, "login locked after repeated failures");
            Err(locked(k.what, until))
        }
        None => Ok(()),
    }
}

fn locked(what: &str, until: DateTime<Utc>) -> ApiError {
    let wait = std::cmp::max(u64::try_from((until - Utc::now()).num_seconds()).unwrap_or(0), 1);
    let message = match what {
        "username" => t!("auth.locked_username", until = until.to_rfc3339()),
        _ => t!("auth.locked_address", until = until.to_rfc3339()),
    };
    ApiError::RateLimited(message, wait)
}

/// Gives back the slot a successful login reserved. Other failures in the
/// window stay counted: a user logging in in the middle of an attack on
/// their name does not reset the attacker's count.
async fn release<C: ConnectionTrait>(conn: &C, key: &str) -> ApiResult<()> {
    login_throttle::Entity::update_many()
        .col_expr(login_throttle::Column::Failures, Expr::col(login_throttle::Column::Failures).sub(1))
        .filter(login_throttle::Column::Username.eq(key))
        .filter(login_throttle::Column::Failures.gt(0))
        .exec(conn)
        .await?;
    Ok(())
}

async fn issue_session<C: ConnectionTrait>(
    conn: &C,
    keys: &JwtKeys,
    config: &Config,
    principal: Principal,
    family_id: String,
) -> ApiResult<Session> {
    let (Some(account_id), Some(membership_id)) = (principal.account_id(), principal.membership_id()) else {
        return Err(ApiError::internal("session for a non-account principal"));
    };
    let now = Utc::now();
    let refresh_token = new_refresh_token();
    let refresh_expires_at = now + Duration::seconds(config.refresh_token_ttl_secs);
    refresh_token::ActiveModel {
        id: NotSet,
        token_hash: Set(hash_token(&refresh_token)),
        family_id: Set(family_id.clone()),
        account_id: Set(account_id),
        membership_id: Set(membership_id),
        expires_at: Set(refresh_expires_at),
        created_at: Set(now),
        rotated_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let (access_token, access_expires_at) = keys.issue_in_session(&principal, Some(&family_id))?;
    Ok(Session { access_token, access_expires_at, refresh_token, refresh_expires_at, principal })
}

/// Username + password → session acting in the chosen membership (default:
/// the account's first). `client` is the caller's network address, throttled
/// like a username.
pub async fn login(
    app: &AppState,
    client: Option<IpAddr>,
    username: &str,
    secret: &str,
    membership_id: Option<i32>,
) -> ApiResult<Session> {
    let (db, config) = (&app.db, &app.config);
    let now = Utc::now();
    let user_key = ThrottleKey { key: username.to_owned(), max: config.login_max_failures, what: "username" };
    let addr_key = client.map(|ip| ThrottleKey {
        key: format!("@{ip}"),
        max: config.login_max_failures_per_address,
        what: "address",
    });
    if let Some(k) = &addr_key {
        reserve(db, config, k, now).await?;
    }
    reserve(db, config, &user_key, now).await?;
    let account = account::Entity::find().filter(account::Column::Username.eq(username)).one(&db.read).await?;
    app.counters.password_verifications.fetch_add(1, Ordering::Relaxed);
    let ok = password::verify(secret, account.as_ref().map(|a| a.password_hash.clone())).await;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            tracing::warn!(username = %username, "failed login");
            return Err(invalid_credentials());
        }
    };

    let memberships = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account.id))
        .order_by_asc(membership::Column::Id)
        .all(&db.read)
        .await?;
    let chosen = match membership_id {
        Some(id) => memberships
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ApiError::bad_input("membershipId", t!("auth.not_one_account_s_memberships")))?,
        None => memberships
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::forbidden(t!("auth.account_has_no_membership_act")))?,
    };

    let uow = UnitOfWork::begin_unidentified(db).await?;
    let txn = uow.txn();
    release(txn, &user_key.key).await?;
    if let Some(k) = &addr_key {
        release(txn, &k.key).await?;
    }
    let principal = principal_for_membership(txn, &chosen).await?;
    let session = issue_session(txn, &app.keys, config, principal, uuid::Uuid::new_v4().to_string()).await?;
    uow.commit_as(&session.principal, Audit::of::<Account>(Verbs::AuthLogin, account.id)).await?;
    Ok(session)
}

/// Revokes every token of a family (logout, or a detected reuse).
async fn revoke_family<C: ConnectionTrait>(conn: &C, family_id: &str) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Exchanges a refresh token for a new access and refresh token. A token can
/// be used once: presenting it again means it was stolen (or the client is
/// broken), so the whole family is revoked and both parties must log in again.
pub async fn refresh(db: &Db, keys: &JwtKeys, config: &Config, token: &str) -> ApiResult<Session> {
    let refused = || ApiError::Unauthenticated(t!("auth.invalid_expired_refresh_token"));
    let now = Utc::now();
    let uow = UnitOfWork::begin_unidentified(db).await?;
    let txn = uow.txn();
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(txn).await?
    else {
        return Err(refused());
    };
    if row.revoked_at.is_some() || row.rotated_at.is_some() {
        // A reused refresh token: the whole session is revoked. A security
        // event for the log, not a change the client asked for, so it
        // commits without an audit row.
        revoke_family(txn, &row.family_id).await?;
        uow.commit_unaudited("refresh-token reuse revokes the session").await?;
        tracing::warn!(family = %row.family_id, account = row.account_id, "refresh token reused; family revoked");
        return Err(ApiError::Unauthenticated(t!("auth.refresh_token_already_used_session")));
    }
    if row.expires_at <= now {
        return Err(refused());
    }
    // Conditional update: of two concurrent refreshes with one token, only
    // one sees rows_affected == 1.
    let rotated = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    if rotated.rows_affected != 1 {
        return Err(refused());
    }
    let Some(m) = membership::Entity::find_by_id(row.membership_id).one(txn).await? else {
        return Err(refused());
    };
    let account = account::Entity::find_by_id(row.account_id).one(txn).await?;
    if account.is_none_or(|a| a.disabled) {
        return Err(refused());
    }
    let principal = principal_for_membership(txn, &m).await?;
    let session = issue_session(txn, keys, config, principal, row.family_id.clone()).await?;
    uow.commit_as(&session.principal, Audit::of::<Account>(Verbs::AuthRefresh, row.account_id)).await?;
    Ok(session)
}

/// Ends the session the refresh token belongs to.
pub async fn logout(db: &Db, token: &str) -> ApiResult<()> {
    let uow = UnitOfWork::begin_unidentified(db).await?;
    let txn = uow.txn();
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(txn).await?
    else {
        return Err(ApiError::Unauthenticated(t!("auth.invalid_refresh_token")));
    };
    revoke_family(txn, &row.family_id).await?;
    let m = membership::Entity::find_by_id(row.membership_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated(t!("auth.invalid_refresh_token")))?;
    let principal = principal_for_membership(txn, &m).await?;
    uow.commit_as(&principal, Audit::of::<Account>(Verbs::AuthLogout, row.account_id)).await?;
    Ok(())
}

/// OAuth2 client credentials (RFC 6749 §4.4): client id + secret → access token.
pub async fn client_credentials(
    app: &AppState,
    client_id: &str,
    secret: &str,
) -> ApiResult<(String, DateTime<Utc>, Principal)> {
    let (db, keys) = (&app.db, &app.keys);
    let client = api_client::Entity::find().filter(api_client::Column::ClientId.eq(client_id)).one(&db.read).await?;
    app.counters.password_verifications.fetch_add(1, Ordering::Relaxed);
    let ok = password::verify(secret, client.as_ref().map(|c| c.secret_hash.clone())).await;
    let client = match client {
        Some(c) if ok && c.revoked_at.is_none() => c,
        _ => {
            return Err(ApiError::Unauthenticated(t!("auth.invalid_client_credentials")));
        }
    };
    let uow = UnitOfWork::begin_unidentified(db).await?;
    let txn = uow.txn();
    let principal = principal_for_client(txn, &client).await?;
    let (token, exp) = keys.issue(&principal)?;
    uow.commit_as(&principal, Audit::of::<ApiClient>(Verbs::AuthClientToken, client.id)).await?;
    Ok((token, exp, principal))
}

/// Is the session behind a live connection still valid? The account exists
/// and is enabled, the membership it acts in still exists, and (for a login
/// session) the refresh-token family has not been revoked. Machine clients:
/// the client is not revoked.
pub async fn session_alive(db: &Db, principal: &Principal, session_id: Option<&str>) -> ApiResult<bool> {
    match principal.actor {
        super::principal::Actor::Account { account_id, membership_id } => {
            let member = membership::Entity::find_by_id(membership_id).one(&db.read).await?;
            if member.is_none_or(|m| m.account_id != account_id) {
                return Ok(false);
            }
            let account = account::Entity::find_by_id(account_id).one(&db.read).await?;
            if account.is_none_or(|a| a.disabled) {
                return Ok(false);
            }
            if let Some(sid) = session_id {
                let live = refresh_token::Entity::find()
                    .filter(refresh_token::Column::FamilyId.eq(sid))
                    .filter(refresh_token::Column::RevokedAt.is_null())
                    .one(&db.read)
                    .await?;
                if live.is_none() {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        super::principal::Actor::Client { api_client_id } => {
            let client = api_client::Entity::find_by_id(api_client_id).one(&db.read).await?;
            Ok(client.is_some_and(|c| c.revoked_at.is_none()))
        }
        super::principal::Actor::System => Ok(true),
    }
}
