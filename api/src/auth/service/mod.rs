//! Sessions and credentials: logging in (here), the login throttle
//! (`throttle`), refresh tokens and the sessions they make
//! (`sessions`), passwords and the state of accounts (`passwords`),
//! and OAuth2 client credentials.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};
use entity::enums::Role;
use entity::{account, api_client, membership, refresh_token, region};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use crate::accounts::graphql::{Account, ApiClient};
use crate::auth::Verbs;
use crate::auth::password;
use crate::auth::principal::{Actor, Principal, Scope};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

mod passwords;
mod sessions;
pub(crate) mod throttle;

pub use passwords::*;
pub use sessions::*;

/// Who is logging in or refreshing, as the request tells: its network
/// address (throttled like a username; a session keeps only its prefix)
/// and its `User-Agent` (a session's device label).
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub addr: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Client {
    /// The network a session shows: an IPv4 /24 or an IPv6 /48, never the
    /// full address.
    pub fn address_prefix(&self) -> Option<String> {
        Some(match self.addr? {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("{}.{}.{}.0/24", o[0], o[1], o[2])
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        })
    }

    /// The `User-Agent`, cut to what the column holds.
    fn user_agent(&self) -> Option<String> {
        self.user_agent.as_ref().map(|u| u.chars().filter(|c| !c.is_control()).take(300).collect())
    }
}

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

async fn issue_session<C: ConnectionTrait>(
    conn: &C,
    app: &AppState,
    client: &Client,
    principal: Principal,
    family_id: String,
) -> ApiResult<Session> {
    let (keys, config) = (&app.keys, &app.config);
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
        user_agent: Set(client.user_agent()),
        address_prefix: Set(client.address_prefix()),
    }
    .insert(conn)
    .await?;
    let (access_token, access_expires_at) = keys.issue_in_session(&principal, Some(&family_id))?;
    Ok(Session { access_token, access_expires_at, refresh_token, refresh_expires_at, principal })
}

/// The membership in which an account acts as a person: no scope, no
/// community role. Made at sign-up, or at the first login of an account
/// without any (the one a committee moved out, say).
pub async fn person_membership<C: ConnectionTrait>(conn: &C, account_id: i32) -> ApiResult<membership::Model> {
    let existing = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account_id))
        .filter(membership::Column::Role.eq(Role::Person))
        .one(conn)
        .await?;
    if let Some(m) = existing {
        return Ok(m);
    }
    Ok(membership::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        role: Set(Role::Person),
        region_id: Set(None),
        building_id: Set(None),
        organisation_id: Set(None),
        household_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?)
}

/// A new login session acting in `m` (sign-up starts one without a
/// password check: the password was just set).
pub(crate) async fn session_in<C: ConnectionTrait>(
    conn: &C,
    app: &AppState,
    client: &Client,
    m: &membership::Model,
) -> ApiResult<Session> {
    let principal = principal_for_membership(conn, m).await?;
    issue_session(conn, app, client, principal, uuid::Uuid::new_v4().to_string()).await
}

/// Username + password → session acting in the chosen membership (default:
/// the account's first). The client's network address is throttled like a
/// username. A disabled account is refused with FORBIDDEN whether or not
/// the password was right (no hint); after a reset, the right one-time code
/// is refused until `changePassword` replaces it.
pub async fn login(
    app: &AppState,
    client: &Client,
    username: &str,
    secret: &str,
    membership_id: Option<i32>,
) -> ApiResult<Session> {
    let (db, config) = (&app.db, &app.config);
    let check = throttle::begin(db, config, username, client.addr).await?;
    let account = account::Entity::find().filter(account::Column::Username.eq(username)).one(&db.read).await?;
    app.counters.password_verifications.fetch_add(1, Ordering::Relaxed);
    let ok = password::verify(secret, account.as_ref().map(|a| a.password_hash.clone())).await;
    // The check's outcome is the password's: a right one gives its slot
    // back even where the login goes no further (a disabled account, a
    // password to change first).
    if ok && account.is_some() {
        check.passed(db, config).await?;
    } else {
        check.failed(db, config).await?;
    }
    let account = match account {
        Some(a) if a.disabled => {
            tracing::warn!(username = %username, "login to a disabled account");
            return Err(ApiError::forbidden(t!("auth.account_disabled")));
        }
        Some(a) if ok && a.must_change_password => {
            return Err(ApiError::forbidden(t!("auth.password_change_required")));
        }
        Some(a) if ok => a,
        _ => {
            tracing::warn!(username = %username, "failed login");
            return Err(invalid_credentials());
        }
    };

    let uow = UnitOfWork::begin_unidentified(db).await?;
    let txn = uow.txn();
    let memberships = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account.id))
        .order_by_asc(membership::Column::Id)
        .all(txn)
        .await?;
    let chosen = match membership_id {
        Some(id) => memberships
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ApiError::bad_input("membershipId", t!("auth.not_one_account_s_memberships")))?,
        // The first community or organisation role; else the account acts
        // as a person (signed up and waiting, or moved out).
        None => match memberships.iter().find(|m| m.role != Role::Person).or_else(|| memberships.first()) {
            Some(m) => m.clone(),
            None => person_membership(txn, account.id).await?,
        },
    };
    let principal = principal_for_membership(txn, &chosen).await?;
    let session = issue_session(txn, app, client, principal, uuid::Uuid::new_v4().to_string()).await?;
    uow.commit_as(&session.principal, Audit::of::<Account>(Verbs::AuthLogin, account.id)).await?;
    Ok(session)
}

/// An API client by its id and secret (argon2, counted like a password
/// check): the client credentials grant and the token revocation and
/// introspection endpoints authenticate clients with it.
pub async fn authenticate_client(app: &AppState, client_id: &str, secret: &str) -> ApiResult<api_client::Model> {
    let client =
        api_client::Entity::find().filter(api_client::Column::ClientId.eq(client_id)).one(&app.db.read).await?;
    app.counters.password_verifications.fetch_add(1, Ordering::Relaxed);
    let ok = password::verify(secret, client.as_ref().map(|c| c.secret_hash.clone())).await;
    match client {
        Some(c) if ok && c.revoked_at.is_none() => Ok(c),
        _ => Err(ApiError::Unauthenticated(t!("auth.invalid_client_credentials"))),
    }
}

/// OAuth2 client credentials (RFC 6749 §4.4): client id + secret → access token.
pub async fn client_credentials(
    app: &AppState,
    client_id: &str,
    secret: &str,
) -> ApiResult<(String, DateTime<Utc>, Principal)> {
    let client = authenticate_client(app, client_id, secret).await?;
    let uow = UnitOfWork::begin_unidentified(&app.db).await?;
    let txn = uow.txn();
    let principal = principal_for_client(txn, &client).await?;
    let (token, exp) = app.keys.issue(&principal)?;
    uow.commit_as(&principal, Audit::of::<ApiClient>(Verbs::AuthClientToken, client.id)).await?;
    Ok((token, exp, principal))
}

/// Token revocation (RFC 7009) by an API client of one of its own access
/// tokens: refused from the next request on, by every process. `Ok(false)`
/// when there is nothing to revoke (an invalid or expired token: the RFC
/// answers those as revoked); FORBIDDEN for a token issued to another.
pub async fn revoke_client_token(app: &AppState, client: &api_client::Model, token: &str) -> ApiResult<bool> {
    let Ok((p, info)) = app.keys.verify_with_info(token) else { return Ok(false) };
    if p.api_client_id() != Some(client.id) {
        return Err(ApiError::forbidden(t!("auth.not_your_token")));
    }
    let Some(jti) = info.token_id else { return Ok(false) };
    let uow = UnitOfWork::begin_unidentified(&app.db).await?;
    let txn = uow.txn();
    let subject = crate::auth::revocation::Subject::Token(jti);
    let batch = crate::auth::revocation::revoke(txn, &[subject], app.config.access_token_ttl_secs).await?;
    uow.commit_as(&p, Audit::of::<ApiClient>(Verbs::AuthRevokeToken, client.id)).await?;
    app.revocations.settle(&app.db, batch).await?;
    Ok(true)
}
