use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use entity::{account, api_client, login_throttle, membership, refresh_token, region};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::principal::{Actor, Principal, Scope};
use super::{JwtKeys, password};
use crate::audit::{self, service::Entry};
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

/// Tokens handed out by a login or refresh.
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub principal: Principal,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthenticated("invalid username or password".into())
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

/// Refuses a login while the username is locked after too many failures.
async fn check_throttle(db: &Db, username: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let row = login_throttle::Entity::find_by_id(username.to_owned()).one(&db.read).await?;
    if let Some(locked_until) = row.and_then(|r| r.locked_until)
        && locked_until > now
    {
        return Err(ApiError::RateLimited(format!(
            "too many failed logins; try again after {}",
            locked_until.to_rfc3339()
        )));
    }
    Ok(())
}

/// Counts a failed login; the row is shared by all replicas through the
/// database. Usernames that do not exist are throttled alike.
async fn record_failure(db: &Db, config: &Config, username: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let window = Duration::seconds(config.login_lock_secs);
    let txn = db.write.begin().await?;
    let row = login_throttle::Entity::find_by_id(username.to_owned()).one(&txn).await?;
    match row {
        Some(r) if r.window_started_at + window > now => {
            let failures = r.failures + 1;
            let locked_until = (failures >= config.login_max_failures).then_some(now + window);
            login_throttle::Entity::update_many()
                .col_expr(login_throttle::Column::Failures, Expr::col(login_throttle::Column::Failures).add(1))
                .col_expr(login_throttle::Column::LockedUntil, Expr::value(locked_until))
                .filter(login_throttle::Column::Username.eq(username))
                .exec(&txn)
                .await?;
        }
        Some(_) => {
            login_throttle::ActiveModel {
                username: Set(username.to_owned()),
                failures: Set(1),
                window_started_at: Set(now),
                locked_until: Set(None),
            }
            .update(&txn)
            .await?;
        }
        None => {
            // Two first failures racing: the loser's row is simply not
            // inserted (one failure fewer counted), instead of an error.
            let row = login_throttle::ActiveModel {
                username: Set(username.to_owned()),
                failures: Set(1),
                window_started_at: Set(now),
                locked_until: Set(None),
            };
            login_throttle::Entity::insert(row)
                .on_conflict(OnConflict::column(login_throttle::Column::Username).do_nothing().to_owned())
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
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
        family_id: Set(family_id),
        account_id: Set(account_id),
        membership_id: Set(membership_id),
        expires_at: Set(refresh_expires_at),
        created_at: Set(now),
        rotated_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let (access_token, access_expires_at) = keys.issue(&principal)?;
    Ok(Session { access_token, access_expires_at, refresh_token, refresh_expires_at, principal })
}

/// Username + password → session acting in the chosen membership (default:
/// the account's first).
pub async fn login(
    db: &Db,
    keys: &JwtKeys,
    config: &Config,
    username: &str,
    secret: &str,
    membership_id: Option<i32>,
) -> ApiResult<Session> {
    let now = Utc::now();
    check_throttle(db, username, now).await?;
    let account = account::Entity::find().filter(account::Column::Username.eq(username)).one(&db.read).await?;
    let ok = password::verify(secret, account.as_ref().map(|a| a.password_hash.clone())).await;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            record_failure(db, config, username, now).await?;
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
            .ok_or_else(|| ApiError::bad_input("membershipId", "not one of this account's memberships"))?,
        None => memberships
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::forbidden("this account has no membership to act in"))?,
    };

    let txn = db.write.begin().await?;
    login_throttle::Entity::delete_by_id(username.to_owned()).exec(&txn).await?;
    let principal = principal_for_membership(&txn, &chosen).await?;
    let session = issue_session(&txn, keys, config, principal, uuid::Uuid::new_v4().to_string()).await?;
    audit::record(&txn, &session.principal, Entry::new("auth.login", "Account", account.id)).await?;
    txn.commit().await?;
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
    let refused = || ApiError::Unauthenticated("invalid or expired refresh token".into());
    let now = Utc::now();
    let txn = db.write.begin().await?;
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(&txn).await?
    else {
        return Err(refused());
    };
    if row.revoked_at.is_some() || row.rotated_at.is_some() {
        revoke_family(&txn, &row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(family = %row.family_id, account = row.account_id, "refresh token reused; family revoked");
        return Err(ApiError::Unauthenticated("refresh token already used; session revoked".into()));
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
        .exec(&txn)
        .await?;
    if rotated.rows_affected != 1 {
        return Err(refused());
    }
    let Some(m) = membership::Entity::find_by_id(row.membership_id).one(&txn).await? else {
        return Err(refused());
    };
    let account = account::Entity::find_by_id(row.account_id).one(&txn).await?;
    if account.is_none_or(|a| a.disabled) {
        return Err(refused());
    }
    let principal = principal_for_membership(&txn, &m).await?;
    let session = issue_session(&txn, keys, config, principal, row.family_id.clone()).await?;
    audit::record(&txn, &session.principal, Entry::new("auth.refresh", "Account", row.account_id)).await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends the session the refresh token belongs to.
pub async fn logout(db: &Db, token: &str) -> ApiResult<()> {
    let txn = db.write.begin().await?;
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(&txn).await?
    else {
        return Err(ApiError::Unauthenticated("invalid refresh token".into()));
    };
    revoke_family(&txn, &row.family_id).await?;
    let m = membership::Entity::find_by_id(row.membership_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("invalid refresh token".into()))?;
    let principal = principal_for_membership(&txn, &m).await?;
    audit::record(&txn, &principal, Entry::new("auth.logout", "Account", row.account_id)).await?;
    txn.commit().await?;
    Ok(())
}

/// OAuth2 client credentials (RFC 6749 §4.4): client id + secret → access token.
pub async fn client_credentials(
    db: &Db,
    keys: &JwtKeys,
    client_id: &str,
    secret: &str,
) -> ApiResult<(String, DateTime<Utc>, Principal)> {
    let client = api_client::Entity::find().filter(api_client::Column::ClientId.eq(client_id)).one(&db.read).await?;
    let ok = password::verify(secret, client.as_ref().map(|c| c.secret_hash.clone())).await;
    let client = match client {
        Some(c) if ok && c.revoked_at.is_none() => c,
        _ => {
            return Err(ApiError::Unauthenticated("invalid client credentials".into()));
        }
    };
    let txn = db.write.begin().await?;
    let principal = principal_for_client(&txn, &client).await?;
    let (token, exp) = keys.issue(&principal)?;
    audit::record(&txn, &principal, Entry::new("auth.client_token", "ApiClient", client.id)).await?;
    txn.commit().await?;
    Ok((token, exp, principal))
}
