//! One-time invitation codes: a committee invites a person to a building
//! (and flat) of its community; the person enters the code at sign-up, or
//! later with `redeemInvitation`, and is a resident at once.
//!
//! A code is `SSSSSS-VVVVVVVVVV` in Crockford's base32 (no I, L, O, U; case
//! and separators ignored when typed): the selector finds the row through
//! an index, the verifier (50 bits) is compared with the stored SHA-256 of
//! it in constant time. Only the maker sees the code, once. Guessing is
//! throttled like a login (see `sign_up`, `redeem`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use entity::{building, invitation, membership};
use rand::Rng;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QuerySelect, Set};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::super::Verbs;
use super::super::graphql::Invitation;
use super::super::policy::ResidencyPermission;
use super::{admit, flat_of};
use crate::auth::Principal;
use crate::auth::service::{Client, throttle};
use crate::error::{ApiError, ApiResult};
use crate::policy::Permission;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SELECTOR_LEN: usize = 6;
const VERIFIER_LEN: usize = 10;
/// Longest an invitation may stay open (hours).
pub const MAX_TTL_HOURS: i64 = 30 * 24;
/// How long an invitation stays open unless its maker says (hours).
pub const DEFAULT_TTL_HOURS: i64 = 7 * 24;

fn random(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

fn digest(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The code as typed → (selector, verifier), or None when it cannot be one.
fn parse(code: &str) -> Option<(String, String)> {
    let s: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if s.len() != SELECTOR_LEN + VERIFIER_LEN || !s.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    let (sel, ver) = s.split_at(SELECTOR_LEN);
    Some((sel.to_owned(), ver.to_owned()))
}

pub struct NewInvitation {
    pub building_id: i32,
    pub household_id: Option<i32>,
    pub ttl_hours: Option<i64>,
}

/// The committee makes an invitation; returns it with its code, shown once.
pub async fn create_invitation(
    app: &AppState,
    p: &Principal,
    input: NewInvitation,
) -> ApiResult<(invitation::Model, String)> {
    crate::policy::authorize(p, ResidencyPermission::Invite)?;
    let ttl = input.ttl_hours.unwrap_or(DEFAULT_TTL_HOURS);
    if !(1..=MAX_TTL_HOURS).contains(&ttl) {
        return Err(ApiError::bad_input("expiresInHours", t!("residency.invitation_ttl", max = MAX_TTL_HOURS)));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let b = match building::Entity::find_by_id(input.building_id).one(txn).await? {
        Some(b) if Some(b.community_id) == p.scope.community_id => b,
        _ => return Err(ApiError::bad_input("buildingId", t!("residency.building_outside_community"))),
    };
    if let Some(h) = input.household_id {
        flat_of(txn, h, b.id).await?;
    }
    let (selector, verifier) = (random(SELECTOR_LEN), random(VERIFIER_LEN));
    let now = Utc::now();
    let inv = invitation::ActiveModel {
        id: NotSet,
        community_id: Set(b.community_id),
        building_id: Set(b.id),
        household_id: Set(input.household_id),
        selector: Set(selector.clone()),
        verifier_hash: Set(digest(&verifier)),
        created_by_account_id: Set(p.account_id().unwrap_or_default()),
        expires_at: Set(now + Duration::hours(ttl)),
        used_at: Set(None),
        used_by_account_id: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<Invitation>(Verbs::InvitationCreate, inv.id).community(inv.community_id)).await?;
    Ok((inv, format!("{selector}-{verifier}")))
}

/// Use a code for `account_id` inside the caller's transaction: the
/// RESIDENT membership it grants, and the invitation. Every wrong code gets
/// the same answer; only the holder of the right one learns that it was
/// used or has expired.
pub(super) async fn redeem_in<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    code: &str,
) -> ApiResult<(membership::Model, invitation::Model)> {
    let invalid = || ApiError::bad_input("invitationCode", t!("residency.invitation_invalid"));
    let (selector, verifier) = parse(code).ok_or_else(invalid)?;
    let row = invitation::Entity::find()
        .filter(invitation::Column::Selector.eq(selector))
        .lock(LockType::Update)
        .one(conn)
        .await?;
    let given = digest(&verifier);
    // Compare even without a row, so that an unknown selector takes as long.
    let stored = row.as_ref().map_or_else(|| "A".repeat(43), |r| r.verifier_hash.clone());
    let matches: bool = given.as_bytes().ct_eq(stored.as_bytes()).into();
    let inv = match row {
        Some(r) if matches => r,
        _ => return Err(invalid()),
    };
    if inv.used_at.is_some() {
        return Err(ApiError::bad_input("invitationCode", t!("residency.invitation_used")));
    }
    if inv.expires_at <= Utc::now() {
        return Err(ApiError::bad_input("invitationCode", t!("residency.invitation_expired")));
    }
    // Claim it: one use even if two redeem at once (the row is locked on
    // PostgreSQL; SQLite has one writer; the WHERE is the last guard).
    let claimed = invitation::Entity::update_many()
        .col_expr(invitation::Column::UsedAt, Expr::val(Utc::now()))
        .col_expr(invitation::Column::UsedByAccountId, Expr::val(account_id))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(ApiError::bad_input("invitationCode", t!("residency.invitation_used")));
    }
    let m = admit(conn, account_id, inv.community_id, inv.building_id, inv.household_id).await?;
    Ok((m, inv))
}

/// A signed-in person uses a code (a resident moving to another community,
/// a person who signed up without one). Throttled per account like a login.
pub async fn redeem(app: &AppState, p: &Principal, client: &Client, code: &str) -> ApiResult<membership::Model> {
    let Some(me) = p.account_id().filter(|_| ResidencyPermission::Join.allowed(p)) else {
        return Err(ApiError::forbidden(t!("residency.people_join")));
    };
    let check = throttle::begin(&app.db, &app.config, &format!("invitation@{me}"), client.addr).await?;
    let outcome = async {
        let uow = UnitOfWork::begin(&app.db, p).await?;
        let (m, inv) = redeem_in(uow.txn(), me, code).await?;
        uow.commit(Audit::of::<Invitation>(Verbs::InvitationRedeem, inv.id).community(inv.community_id)).await?;
        Ok::<_, ApiError>(m)
    }
    .await;
    match &outcome {
        Err(e) if e.code() == "BAD_USER_INPUT" => check.failed(&app.db, &app.config).await?,
        _ => check.passed(&app.db, &app.config).await?,
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_as_typed() {
        let code = format!("{}-{}", random(SELECTOR_LEN), random(VERIFIER_LEN));
        let (s, v) = parse(&code).expect("a made code parses");
        assert_eq!(format!("{s}-{v}"), code);
        assert_eq!(parse(&code.to_lowercase().replace('-', " ")), Some((s, v)));
        assert_eq!(parse("ABCDEF-0123456789X"), None);
        assert_eq!(parse("ILOU00-0000000000"), None);
    }
}
