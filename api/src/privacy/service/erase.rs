//! Erasure (PIPL Art. 47): the person (with their password) or the platform
//! admin on their request. The account row becomes a tombstone: no name,
//! phone or login, a username nobody can guess, disabled; every session,
//! refresh token, access token and WebSocket ends. What the person did for
//! others stays, anonymised: reports, comments, votes and ballots point at
//! the tombstone ("a former resident"), so counts, tallies, ledgers and
//! indicators do not change. What was only about them goes: memberships
//! (they move out of their flat), join requests, alert answers, visits and
//! flags (closed alerts keep their frozen counts), a party-member
//! registration, the photos they took of
//! their reports (rows and files), the records of who read their data, the
//! login throttle under their name. Delivery records keep their row and
//! lose the resident. Append-only tables (audit, ledgers) keep their rows:
//! they hold ids, never names; so do volunteer sign-ups (hours), the points
//! ledger and the list of surveys answered (counts), which point at the
//! tombstone. A legal hold refuses erasure with its reason.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{
    account, alert_flag, alert_response, alert_visit, delivery_record, household, join_request, login_throttle,
    membership, personal_data_access, refresh_token,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::live_account;
use crate::accounts::graphql::Account;
use crate::auth::{Principal, password};
use crate::error::{ApiError, ApiResult};
use crate::policy;
use crate::privacy::Verbs;
use crate::privacy::policy::PrivacyPermission;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// What an erased account's display name is stored as; shown in the
/// reader's language (`privacy.former_resident`) wherever a name is shown.
pub const ERASED_NAME: &str = "former resident";

/// Who asks for an erasure.
pub enum Eraser<'a> {
    /// The person, re-entering their password.
    Themself { password: &'a str },
    /// The platform admin, on the person's request.
    Admin,
}

/// Erases an account (see the module docs). Returns the tombstone's id.
pub async fn erase(app: &AppState, p: &Principal, account_id: i32, who: Eraser<'_>) -> ApiResult<i32> {
    match &who {
        Eraser::Themself { .. } => {
            policy::authorize(p, PrivacyPermission::OwnData)?;
            if p.account_id() != Some(account_id) {
                return Err(ApiError::forbidden(t!("auth.people_only")));
            }
        }
        Eraser::Admin => {
            policy::authorize(p, PrivacyPermission::Erase)?;
            if p.account_id() == Some(account_id) {
                return Err(ApiError::bad_input("accountId", t!("privacy.erase_yourself_with_password")));
            }
        }
    }
    let a = live_account(&app.db.write, account_id).await?;
    if let Eraser::Themself { password: given } = who
        && !password::verify(given, Some(a.password_hash.clone())).await
    {
        return Err(ApiError::Unauthenticated(t!("auth.wrong_current_password")));
    }
    // Hashed before the transaction: the tombstone's password is random
    // and thrown away, so no password opens it.
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    let dead_hash = password::hash(&base64::Engine::encode(&URL_SAFE_NO_PAD, secret)).await?;

    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let a = live_account(txn, account_id).await?;
    if let Some(reason) = &a.legal_hold_reason {
        return Err(ApiError::conflict(t!("privacy.on_hold", reason = reason.clone())));
    }
    let id = a.id;
    let photos = crate::reports::photos::erase_reporters_photos(txn, id).await?;
    let memberships = membership::Entity::find().filter(membership::Column::AccountId.eq(id)).all(txn).await?;
    let batch = crate::auth::service::end_everything(app, txn, id).await?;
    // The sessions' rows (device, address prefix) go with the person.
    refresh_token::Entity::delete_many().filter(refresh_token::Column::AccountId.eq(id)).exec(txn).await?;
    membership::Entity::delete_many().filter(membership::Column::AccountId.eq(id)).exec(txn).await?;
    for h in memberships.iter().filter_map(|m| m.household_id) {
        crate::residency::service::move_out(txn, h, id).await?;
    }
    household::Entity::update_many()
        .col_expr(household::Column::ContactAccountId, Expr::value(Option::<i32>::None))
        .filter(household::Column::ContactAccountId.eq(id))
        .exec(txn)
        .await?;
    join_request::Entity::delete_many().filter(join_request::Column::AccountId.eq(id)).exec(txn).await?;
    alert_response::Entity::delete_many().filter(alert_response::Column::AccountId.eq(id)).exec(txn).await?;
    alert_visit::Entity::delete_many().filter(alert_visit::Column::AccountId.eq(id)).exec(txn).await?;
    alert_flag::Entity::delete_many().filter(alert_flag::Column::AccountId.eq(id)).exec(txn).await?;
    crate::party::service::forget_account(txn, id).await?;
    delivery_record::Entity::update_many()
        .col_expr(delivery_record::Column::ResidentAccountId, Expr::value(Option::<i32>::None))
        .filter(delivery_record::Column::ResidentAccountId.eq(id))
        .exec(txn)
        .await?;
    personal_data_access::Entity::delete_many()
        .filter(personal_data_access::Column::SubjectAccountId.eq(id))
        .exec(txn)
        .await?;
    login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::Username.eq(a.username.clone()))
        .exec(txn)
        .await?;
    account::ActiveModel {
        id: Set(id),
        username: Set(format!("erased-{}", uuid::Uuid::new_v4().simple())),
        display_name: Set(ERASED_NAME.to_owned()),
        real_name: Set(None),
        phone: Set(None),
        password_hash: Set(dead_hash),
        disabled: Set(true),
        disabled_reason: Set(None),
        must_change_password: Set(false),
        privacy_notice_version: Set(None),
        privacy_accepted_at: Set(None),
        erased_at: Set(Some(Utc::now())),
        legal_hold_reason: Set(None),
        legal_hold_at: Set(None),
        phone_shared_with_building_head: Set(false),
        created_at: Set(a.created_at),
    }
    .update(txn)
    .await?;
    let by_staff = matches!(who, Eraser::Admin);
    uow.commit(Audit::of::<Account>(Verbs::AccountErase, id).details(json!({ "byStaff": by_staff }))).await?;
    crate::reports::photos::delete_files(&app.config, &photos);
    app.revocations.settle(&app.db, batch).await?;
    Ok(id)
}
