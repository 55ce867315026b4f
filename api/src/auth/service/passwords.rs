//! Passwords and the state of accounts: a person changes their password;
//! the platform admin (or a community's committee, for its residents)
//! disables, enables or resets an account. Each ends the sessions it must
//! (their refresh tokens and, by a revocation, their access tokens) in the
//! same transaction, and is audited on the account, so the person sees it
//! in their history.

use entity::{account, membership};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::sessions::{end_families, live_families};
use super::throttle;
use super::{Client, principal_for_membership};
use crate::accounts::graphql::Account;
use crate::auth::Verbs;
use crate::auth::password;
use crate::auth::principal::Principal;
use crate::auth::revocation::{Batch, Subject};
use crate::error::{ApiError, ApiResult};
use crate::input::Reason;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Who changes a password: a person logged in (this session stays, the
/// others end), or, after a reset, someone not logged in who names the
/// account and gives the one-time code as the current password.
pub enum Changer<'a> {
    LoggedIn { principal: &'a Principal, session: Option<&'a str> },
    Anonymous { username: &'a str },
}

/// Change a password. The current one is checked like a login (the login
/// throttle counts a wrong one, per username and address); the new one
/// follows the rules of [`password::check_new`]. Returns how many other
/// sessions ended.
pub async fn change_password(
    app: &AppState,
    who: Changer<'_>,
    client: &Client,
    current: &str,
    new: &str,
) -> ApiResult<usize> {
    let (db, config) = (&app.db, &app.config);
    let found = match &who {
        Changer::LoggedIn { principal, .. } => {
            let id = principal.account_id().ok_or_else(|| ApiError::forbidden(t!("auth.people_only")))?;
            account::Entity::find_by_id(id).one(&db.write).await?
        }
        Changer::Anonymous { username } => {
            account::Entity::find().filter(account::Column::Username.eq(*username)).one(&db.write).await?
        }
    };
    let username = match (&who, &found) {
        (_, Some(a)) => a.username.clone(),
        (Changer::Anonymous { username }, None) => (*username).to_owned(),
        (Changer::LoggedIn { .. }, None) => return Err(ApiError::not_found("Account")),
    };
    let check = throttle::begin(db, config, &username, client.addr).await?;
    app.counters.password_verifications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ok = password::verify(current, found.as_ref().map(|a| a.password_hash.clone())).await;
    // The current password was right: its slot goes back before anything
    // else can fail (a weak new password is not a guess).
    if ok && found.is_some() {
        check.passed(db, config).await?;
    } else {
        check.failed(db, config).await?;
    }
    let account = match found {
        Some(a) if a.disabled => return Err(ApiError::forbidden(t!("auth.account_disabled"))),
        Some(a) if ok => a,
        _ => {
            tracing::warn!(username = %username, "wrong current password");
            return Err(ApiError::Unauthenticated(t!("auth.wrong_current_password")));
        }
    };
    password::check_new("newPassword", new, &account.username)?;
    if new == current {
        return Err(ApiError::bad_input("newPassword", t!("auth.password_unchanged")));
    }
    let hash = password::hash(new).await?;
    let (acting, keep) = match who {
        Changer::LoggedIn { principal, session } => (principal.clone(), session.map(str::to_owned)),
        Changer::Anonymous { .. } => (first_membership_principal(&db.write, account.id).await?, None),
    };
    let uow = UnitOfWork::begin(db, &acting).await?;
    let txn = uow.txn();
    account::ActiveModel {
        id: Set(account.id),
        password_hash: Set(hash),
        must_change_password: Set(false),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let others: Vec<String> = live_families(txn, account.id)
        .await?
        .into_iter()
        .map(|r| r.family_id)
        .filter(|f| Some(f) != keep.as_ref())
        .collect();
    let batch = end_families(app, txn, &others, &[]).await?;
    uow.commit(Audit::of::<Account>(Verbs::AuthChangePassword, account.id)).await?;
    app.revocations.settle(db, batch).await?;
    Ok(others.len())
}

/// The principal a person acts as when not logged in (their first
/// membership), for the audit row of a password change after a reset.
async fn first_membership_principal<C: ConnectionTrait>(conn: &C, account_id: i32) -> ApiResult<Principal> {
    let first = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account_id))
        .order_by_asc(membership::Column::Id)
        .one(conn)
        .await?;
    let m = match first {
        Some(m) => m,
        None => super::person_membership(conn, account_id).await?,
    };
    principal_for_membership(conn, &m).await
}

/// The account `account_id`, if the principal may manage its state (see
/// `accounts::policy::may_manage_account`).
async fn managed<C: ConnectionTrait>(conn: &C, p: &Principal, account_id: i32) -> ApiResult<account::Model> {
    let Some(account) = account::Entity::find_by_id(account_id).one(conn).await? else {
        return Err(ApiError::not_found("Account"));
    };
    let memberships = membership::Entity::find().filter(membership::Column::AccountId.eq(account_id)).all(conn).await?;
    crate::accounts::policy::may_manage_account(p, account_id, &memberships)?;
    Ok(account)
}

/// End every session of an account and every access token it holds.
pub(crate) async fn end_everything<C: ConnectionTrait>(app: &AppState, conn: &C, account_id: i32) -> ApiResult<Batch> {
    let families: Vec<String> = live_families(conn, account_id).await?.into_iter().map(|r| r.family_id).collect();
    end_families(app, conn, &families, &[Subject::Account(account_id)]).await
}

/// Disable an account (with a reason the person sees) or enable it again.
/// Disabling ends its sessions and access at once.
pub async fn set_disabled(
    app: &AppState,
    p: &Principal,
    account_id: i32,
    disabled: bool,
    reason: Option<Reason>,
) -> ApiResult<account::Model> {
    if p.account_id() == Some(account_id) {
        return Err(ApiError::bad_input("accountId", t!("auth.not_yourself")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let account = managed(txn, p, account_id).await?;
    if account.disabled == disabled {
        return Err(ApiError::conflict(if disabled { t!("auth.already_disabled") } else { t!("auth.not_disabled") }));
    }
    // Enabling keeps the last reason on record.
    let reason = if disabled {
        Some(reason.ok_or_else(|| ApiError::bad_input("reason", t!("auth.reason_required")))?.into_inner())
    } else {
        account.disabled_reason.clone()
    };
    let updated = account::ActiveModel {
        id: Set(account.id),
        disabled: Set(disabled),
        disabled_reason: Set(reason),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let batch = if disabled { Some(end_everything(app, txn, account.id).await?) } else { None };
    let verb = if disabled { Verbs::AccountDisable } else { Verbs::AccountEnable };
    uow.commit(Audit::of::<Account>(verb, account.id)).await?;
    match batch {
        Some(batch) => app.revocations.settle(&app.db, batch).await?,
        None => app.revocations.sync(&app.db).await?,
    }
    Ok(updated)
}

/// Characters of a one-time code: no 0/O, 1/l/I, to read aloud and type.
const CODE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Reset a password: a one-time code (returned once, to hand over to the
/// person) replaces it; the account's sessions and access end; the code
/// opens only `changePassword` (login refuses it until then).
pub async fn reset_password(app: &AppState, p: &Principal, account_id: i32) -> ApiResult<(account::Model, String)> {
    if p.account_id() == Some(account_id) {
        return Err(ApiError::bad_input("accountId", t!("auth.not_yourself")));
    }
    let code: String =
        {
            let mut rng = rand::rng();
            (0..14)
                .map(|i| {
                    if i == 4 || i == 9 { '-' } else { CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char }
                })
                .collect()
        };
    let hash = password::hash(&code).await?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let account = managed(txn, p, account_id).await?;
    let updated = account::ActiveModel {
        id: Set(account.id),
        password_hash: Set(hash),
        must_change_password: Set(true),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let batch = end_everything(app, txn, account.id).await?;
    uow.commit(Audit::of::<Account>(Verbs::AccountResetPassword, account.id)).await?;
    app.revocations.settle(&app.db, batch).await?;
    Ok((updated, code))
}
