//! Refresh tokens, and the login sessions they make. A session is a family
//! of refresh tokens: the login's, then one per refresh. Ending a session
//! revokes its refresh tokens and, through a revocation, every access token
//! issued in it (see `auth::revocation`).

use chrono::{DateTime, Duration, Utc};
use entity::{account, membership, refresh_token};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Client, Session, hash_token, issue_session, principal_for_membership};
use crate::accounts::graphql::Account;
use crate::auth::Verbs;
use crate::auth::principal::Principal;
use crate::auth::revocation::{Batch, Subject, revoke};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Revokes every refresh token of these families and every access token
/// issued in them (logout, a detected reuse, a session ended), and the
/// `also` subjects, in one batch to settle after the commit.
pub(crate) async fn end_families<C: ConnectionTrait>(
    app: &AppState,
    conn: &C,
    families: &[String],
    also: &[Subject],
) -> ApiResult<Batch> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(refresh_token::Column::FamilyId.is_in(families.iter().cloned()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    let mut subjects: Vec<Subject> = families.iter().cloned().map(Subject::Session).collect();
    subjects.extend_from_slice(also);
    revoke(conn, &subjects, app.config.access_token_ttl_secs).await
}

/// The live sessions of an account: families with a refresh token that is
/// neither used, revoked nor expired.
pub(crate) async fn live_families<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
) -> ApiResult<Vec<refresh_token::Model>> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::AccountId.eq(account_id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(refresh_token::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Exchanges a refresh token for a new access and refresh token. A token can
/// be used once: presenting it again means it was stolen (or the client is
/// broken), so the whole family is revoked and both parties must log in again.
pub async fn refresh(app: &AppState, client: &Client, token: &str) -> ApiResult<Session> {
    let refused = || ApiError::Unauthenticated(t!("auth.invalid_expired_refresh_token"));
    let now = Utc::now();
    let uow = UnitOfWork::begin_unidentified(&app.db).await?;
    let txn = uow.txn();
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(txn).await?
    else {
        return Err(refused());
    };
    // Within the grace window a rotated token gets a fresh pair of the same
    // session: two tabs, or an app retrying a refresh whose answer it lost,
    // must not log the user out (RFC 9700 §4.14.2 allows this leeway). The
    // presented token stays rotated; after the window it is a reuse.
    let grace = Duration::seconds(app.config.refresh_grace_secs);
    let in_grace = |r: &refresh_token::Model| r.revoked_at.is_none() && r.rotated_at.is_some_and(|t| now - t <= grace);
    if in_grace(&row) {
        return fresh_pair(app, client, uow, row).await;
    }
    if row.revoked_at.is_some() || row.rotated_at.is_some() {
        // A reused refresh token: the whole session is revoked. A security
        // event for the log, not a change the client asked for, so it
        // commits without an audit row.
        let batch = end_families(app, txn, std::slice::from_ref(&row.family_id), &[]).await?;
        uow.commit_unaudited("refresh-token reuse revokes the session").await?;
        app.revocations.settle(&app.db, batch).await?;
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
        // A concurrent refresh with this token rotated it first: within
        // the grace window this one gets a pair of its own.
        let again = refresh_token::Entity::find_by_id(row.id).one(txn).await?;
        return match again {
            Some(r) if in_grace(&r) => fresh_pair(app, client, uow, r).await,
            _ => Err(refused()),
        };
    }
    fresh_pair(app, client, uow, row).await
}

/// A new access and refresh token in the session of `row`, unless the
/// account may no longer use it.
async fn fresh_pair(
    app: &AppState,
    client: &Client,
    uow: UnitOfWork<'_>,
    row: refresh_token::Model,
) -> ApiResult<Session> {
    let refused = || ApiError::Unauthenticated(t!("auth.invalid_expired_refresh_token"));
    let txn = uow.txn();
    if row.expires_at <= Utc::now() {
        return Err(refused());
    }
    let Some(m) = membership::Entity::find_by_id(row.membership_id).one(txn).await? else {
        return Err(refused());
    };
    let account = account::Entity::find_by_id(row.account_id).one(txn).await?;
    if account.is_none_or(|a| a.disabled || a.must_change_password) {
        return Err(refused());
    }
    let principal = principal_for_membership(txn, &m).await?;
    let session = issue_session(txn, app, client, principal, row.family_id.clone()).await?;
    uow.commit_as(&session.principal, Audit::of::<Account>(Verbs::AuthRefresh, row.account_id)).await?;
    Ok(session)
}

/// Ends the session the refresh token belongs to: its refresh tokens and
/// the access tokens issued in it.
pub async fn logout(app: &AppState, token: &str) -> ApiResult<()> {
    let invalid = || ApiError::Unauthenticated(t!("auth.invalid_refresh_token"));
    let uow = UnitOfWork::begin_unidentified(&app.db).await?;
    let txn = uow.txn();
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash_token(token))).one(txn).await?
    else {
        return Err(invalid());
    };
    let batch = end_families(app, txn, std::slice::from_ref(&row.family_id), &[]).await?;
    let m = membership::Entity::find_by_id(row.membership_id).one(txn).await?.ok_or_else(invalid)?;
    let principal = principal_for_membership(txn, &m).await?;
    uow.commit_as(&principal, Audit::of::<Account>(Verbs::AuthLogout, row.account_id)).await?;
    app.revocations.settle(&app.db, batch).await
}

/// One login session of the viewer, as `mySessions` shows it.
pub struct SessionInfo {
    /// The refresh-token family.
    pub id: String,
    /// The session this request belongs to.
    pub current: bool,
    pub membership_id: i32,
    /// When the login happened.
    pub created_at: DateTime<Utc>,
    /// When the session last issued tokens (the login or the latest refresh).
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub address_prefix: Option<String>,
}

/// The viewer's live sessions, most recently used first (at most 100).
pub async fn my_sessions(app: &AppState, p: &Principal, current: Option<&str>) -> ApiResult<Vec<SessionInfo>> {
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("auth.people_only")))?;
    let live = live_families(&app.db.read, account_id).await?;
    let families: Vec<String> = live.iter().map(|r| r.family_id.clone()).collect();
    // The login of each family is its earliest token.
    let mut started = std::collections::HashMap::new();
    for r in refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.is_in(families))
        .order_by_asc(refresh_token::Column::Id)
        .all(&app.db.read)
        .await?
    {
        started.entry(r.family_id).or_insert(r.created_at);
    }
    Ok(live
        .into_iter()
        .take(100)
        .map(|r| SessionInfo {
            current: current == Some(r.family_id.as_str()),
            created_at: started.get(&r.family_id).copied().unwrap_or(r.created_at),
            id: r.family_id,
            membership_id: r.membership_id,
            last_used_at: r.created_at,
            user_agent: r.user_agent,
            address_prefix: r.address_prefix,
        })
        .collect())
}

/// End sessions of the viewer's own: one (`only`), or all but the current
/// one. Returns how many ended.
pub async fn end_sessions(
    app: &AppState,
    p: &Principal,
    current: Option<&str>,
    only: Option<&str>,
) -> ApiResult<usize> {
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("auth.people_only")))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let live = live_families(uow.txn(), account_id).await?;
    let ending: Vec<String> = match only {
        Some(family) => {
            if !live.iter().any(|r| r.family_id == family) {
                return Err(ApiError::not_found("Session"));
            }
            vec![family.to_owned()]
        }
        None => live.into_iter().map(|r| r.family_id).filter(|f| Some(f.as_str()) != current).collect(),
    };
    let batch = end_families(app, uow.txn(), &ending, &[]).await?;
    let verb = if only.is_some() { Verbs::AuthEndSession } else { Verbs::AuthEndOtherSessions };
    uow.commit(Audit::of::<Account>(verb, account_id).details(serde_json::json!({ "sessions": ending.len() }))).await?;
    app.revocations.settle(&app.db, batch).await?;
    Ok(ending.len())
}
