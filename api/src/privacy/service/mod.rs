//! Personal-data rights as services, by part: corrections, consent and
//! legal holds (here), erasure (`erase`), the export of everything about a
//! person (`export`), the access records (`access`) and the retention jobs
//! (`retention`). Writes go through the unit of work; audit rows name
//! fields, never their values.

mod access;
mod erase;
mod export;
pub mod retention;

pub use access::*;
pub use erase::*;
pub use export::*;

use chrono::Utc;
use entity::{account, membership, region};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use super::Verbs;
use super::policy::{PrivacyPermission, may_hold};
use crate::accounts::graphql::Account;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::input::{PersonName, Reason};
use crate::policy;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// A correction: `None` leaves a field as it is; for the real name and the
/// phone an empty text removes it.
#[derive(Default)]
pub struct Correction {
    pub display_name: Option<String>,
    pub real_name: Option<String>,
    pub phone: Option<String>,
}

/// Corrects an account's names and phone: the person their own (PIPL Art.
/// 46), or staff who manage the account (the platform admin; the committee
/// for its residents and building heads) on the person's behalf. The audit
/// row names the fields corrected and who did it, and the person sees it in
/// their data (`myData.corrections`).
pub async fn correct(app: &AppState, p: &Principal, account_id: i32, c: Correction) -> ApiResult<account::Model> {
    policy::authorize(p, PrivacyPermission::OwnData)?;
    let display_name = c.display_name.map(|d| PersonName::parse("displayName", &d).map(PersonName::into_inner));
    let display_name = display_name.transpose()?;
    let real_name = c
        .real_name
        .map(|r| PersonName::parse_opt("realName", Some(&r)).map(|n| n.map(PersonName::into_inner)))
        .transpose()?;
    let phone = c.phone.map(|ph| crate::accounts::service::check_phone(Some(ph))).transpose()?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let a = live_account(txn, account_id).await?;
    let by_staff = p.account_id() != Some(account_id);
    if by_staff {
        let memberships = membership::Entity::find().filter(membership::Column::AccountId.eq(a.id)).all(txn).await?;
        crate::accounts::policy::may_manage_account(p, a.id, &memberships)?;
    }
    let mut changed: Vec<&str> = Vec::new();
    let mut active = account::ActiveModel { id: Set(a.id), ..Default::default() };
    if let Some(d) = display_name.filter(|d| *d != a.display_name) {
        active.display_name = Set(d);
        changed.push("displayName");
    }
    if let Some(r) = real_name.filter(|r| *r != a.real_name) {
        active.real_name = Set(r);
        changed.push("realName");
    }
    if let Some(ph) = phone.filter(|ph| *ph != a.phone) {
        active.phone = Set(ph);
        changed.push("phone");
    }
    if changed.is_empty() {
        return Err(ApiError::bad_input("input", t!("privacy.nothing_to_correct")));
    }
    let updated = active.update(txn).await?;
    let details = json!({ "fields": changed, "byStaff": by_staff });
    uow.commit(Audit::of::<Account>(Verbs::AccountCorrect, a.id).details(details)).await?;
    Ok(updated)
}

/// The person's choice to show their phone to their building head in the
/// household register (PIPL Art. 14: consent, withdrawable at any time).
pub async fn set_phone_sharing(app: &AppState, p: &Principal, shared: bool) -> ApiResult<account::Model> {
    policy::authorize(p, PrivacyPermission::OwnData)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("auth.people_only")))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    live_account(txn, me).await?;
    let updated =
        account::ActiveModel { id: Set(me), phone_shared_with_building_head: Set(shared), ..Default::default() }
            .update(txn)
            .await?;
    let details = json!({ "phoneSharedWithBuildingHead": shared });
    uow.commit(Audit::of::<Account>(Verbs::AccountSetConsent, me).details(details)).await?;
    Ok(updated)
}

/// Puts an account under legal hold (a dispute in mediation: its erasure
/// waits), or releases it (`reason` none). The person sees the reason.
pub async fn set_legal_hold(
    app: &AppState,
    p: &Principal,
    account_id: i32,
    reason: Option<Reason>,
) -> ApiResult<account::Model> {
    policy::authorize(p, PrivacyPermission::Hold)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let a = live_account(txn, account_id).await?;
    let paths = community_paths(txn, a.id).await?;
    if !may_hold(p, &paths) {
        return Err(policy::refusal_on(p, t!("privacy.action.hold"), t!("privacy.this_account")));
    }
    let (verb, reason, at) = match reason {
        Some(r) => (Verbs::AccountHold, Some(r.into_inner()), Some(Utc::now())),
        None if a.legal_hold_at.is_none() => return Err(ApiError::conflict(t!("privacy.not_on_hold"))),
        None => (Verbs::AccountRelease, None, None),
    };
    let updated = account::ActiveModel {
        id: Set(a.id),
        legal_hold_reason: Set(reason),
        legal_hold_at: Set(at),
        ..Default::default()
    }
    .update(txn)
    .await?;
    uow.commit(Audit::of::<Account>(verb, a.id)).await?;
    Ok(updated)
}

/// An account that was not erased, or NOT_FOUND.
pub(super) async fn live_account<C: ConnectionTrait>(conn: &C, id: i32) -> ApiResult<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::ErasedAt.is_null())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))
}

/// The materialised paths of the regions an account holds roles in.
async fn community_paths<C: ConnectionTrait>(conn: &C, account_id: i32) -> ApiResult<Vec<String>> {
    Ok(region::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .filter(
            region::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(membership::Column::RegionId)
                    .from(membership::Entity)
                    .and_where(membership::Column::AccountId.eq(account_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?)
}
