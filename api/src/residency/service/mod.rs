//! Sign-up and join requests. Invitations and the household register are
//! in their own files.

mod households;
mod invitations;

pub use households::*;
pub use invitations::*;

use chrono::Utc;
use entity::enums::{JoinRequestStatus, Role};
use entity::{account, building, household, join_request, membership};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, NotSet, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;

use super::Verbs;
use super::graphql::JoinRequest;
use super::lifecycle::{self, JoinAction};
use super::policy::{self, ResidencyPermission};
use crate::accounts::graphql::Account;
use crate::accounts::service::{check_phone, check_username};
use crate::auth::service::{Client, Session, person_membership, session_in, throttle};
use crate::auth::{Principal, password};
use crate::error::{ApiError, ApiResult, Unique, map_unique};
use crate::input::{PersonName, Reason};
use crate::policy::Permission;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Where a person asks to live: a building of a community, and the flat
/// (household) when they know it.
pub struct JoinInput {
    pub community_id: i32,
    pub building_id: i32,
    /// The flat as the person knows it: unit and number.
    pub flat: Option<(String, String)>,
    pub note: Option<String>,
}

pub struct SignUp {
    /// The login name: a username or a phone number.
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub phone: Option<String>,
    /// The privacy notice version the person accepted; must be the current one.
    pub privacy_notice_version: String,
    pub join: Option<JoinInput>,
    pub invitation_code: Option<String>,
}

/// What sign-up made: the account, a session acting as the person (or as
/// the resident an invitation made them), and the join request if asked.
pub struct SignedUp {
    pub account: account::Model,
    pub session: Session,
    pub request: Option<join_request::Model>,
}

const USERNAME_UNAVAILABLE: Unique = Unique {
    name: "accounts_username_key",
    columns: "accounts.username",
    error: || ApiError::bad_input("username", t!("residency.username_unavailable")),
};

const ONE_PENDING: Unique = Unique {
    name: "join_requests_one_pending_key",
    columns: "join_requests.account_id, join_requests.community_id",
    error: || ApiError::conflict(t!("residency.request_already_pending")),
};

/// Sign up (anonymous). Throttled like a login, per client address: wrong
/// invitation codes and refused input count as failures, so guessing codes
/// or probing for taken usernames is slowed and then locked for a while.
pub async fn sign_up(app: &AppState, client: &Client, input: SignUp) -> ApiResult<SignedUp> {
    let key = format!("sign-up@{}", client.addr.map_or_else(|| "-".to_owned(), |a| a.to_string()));
    let check = throttle::begin(&app.db, &app.config, &key, client.addr).await?;
    match sign_up_checked(app, client, input).await {
        Ok(done) => {
            check.passed(&app.db, &app.config).await?;
            Ok(done)
        }
        Err(e) => {
            if matches!(e.code(), "BAD_USER_INPUT" | "CONFLICT") {
                check.failed(&app.db, &app.config).await?;
            } else {
                check.passed(&app.db, &app.config).await?;
            }
            Err(e)
        }
    }
}

async fn sign_up_checked(app: &AppState, client: &Client, input: SignUp) -> ApiResult<SignedUp> {
    let username = check_username(&input.username)?;
    let display_name = PersonName::parse("displayName", &input.display_name)?.into_inner();
    let phone = check_phone(input.phone)?;
    password::check_new("password", &input.password, &username)?;
    if input.privacy_notice_version.trim() != app.config.privacy_notice_version {
        return Err(ApiError::bad_input(
            "privacyNoticeVersion",
            t!("residency.privacy_notice_version", current = app.config.privacy_notice_version.clone()),
        ));
    }
    if input.join.is_some() && input.invitation_code.is_some() {
        return Err(ApiError::bad_input("invitationCode", t!("residency.code_or_request")));
    }
    let password_hash = password::hash(&input.password).await?;
    let now = Utc::now();
    let uow = UnitOfWork::begin_unidentified(&app.db).await?;
    let txn = uow.txn();
    // Phones are not unique in the table (staff share office phones); a
    // person signing up may not take one an account already has. The
    // answer says no more than that the number cannot be used.
    if let Some(ph) = &phone
        && account::Entity::find().filter(account::Column::Phone.eq(ph.as_str())).count(txn).await? > 0
    {
        return Err(ApiError::bad_input("phone", t!("residency.phone_unavailable")));
    }
    let created = account::ActiveModel {
        id: NotSet,
        username: Set(username),
        display_name: Set(display_name),
        real_name: Set(None),
        phone: Set(phone),
        password_hash: Set(password_hash),
        disabled: Set(false),
        created_at: Set(now),
        must_change_password: Set(false),
        disabled_reason: Set(None),
        privacy_notice_version: Set(Some(app.config.privacy_notice_version.clone())),
        privacy_accepted_at: Set(Some(now)),
        erased_at: Set(None),
        legal_hold_reason: Set(None),
        legal_hold_at: Set(None),
        phone_shared_with_building_head: Set(false),
    }
    .insert(txn)
    .await
    .map_err(|e| map_unique(e, &[USERNAME_UNAVAILABLE]))?;
    let person = person_membership(txn, created.id).await?;
    let (acting, invitation) = match &input.invitation_code {
        Some(code) => {
            let (m, inv) = redeem_in(txn, created.id, code).await?;
            (m, Some(inv.id))
        }
        None => (person, None),
    };
    let request = match input.join {
        Some(j) => Some(create_request(txn, created.id, j).await?),
        None => None,
    };
    let session = session_in(txn, app, client, &acting).await?;
    let community = request.as_ref().map(|r| r.community_id).or(acting.region_id);
    uow.commit_as(
        &session.principal,
        Audit::of::<Account>(Verbs::AccountSignUp, created.id).community(community).details(json!({
            "privacyNoticeVersion": app.config.privacy_notice_version,
            "joinRequestId": request.as_ref().map(|r| r.id),
            "invitationId": invitation,
        })),
    )
    .await?;
    Ok(SignedUp { account: created, session, request })
}

/// A person's request to join a community, checked: the building is of
/// that community, the flat of that building, and the person is not
/// already living there.
async fn create_request<C: ConnectionTrait>(conn: &C, account_id: i32, j: JoinInput) -> ApiResult<join_request::Model> {
    let note = Reason::parse_opt("note", j.note.as_deref())?.map(Reason::into_inner);
    let b = building::Entity::find_by_id(j.building_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("buildingId", t!("accounts.no_such_building")))?;
    if b.community_id != j.community_id {
        return Err(ApiError::bad_input("buildingId", t!("residency.building_outside_community")));
    }
    let household_id = match &j.flat {
        Some((unit, number)) => Some(
            household::Entity::find()
                .filter(household::Column::BuildingId.eq(b.id))
                .filter(household::Column::Unit.eq(unit.trim()))
                .filter(household::Column::Number.eq(number.trim()))
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("number", t!("residency.no_such_flat")))?
                .id,
        ),
        None => None,
    };
    if already_living_in(conn, account_id, j.community_id).await? {
        return Err(ApiError::bad_input("communityId", t!("residency.already_resident")));
    }
    join_request::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        community_id: Set(j.community_id),
        building_id: Set(b.id),
        household_id: Set(household_id),
        unit: Set(j.flat.as_ref().map(|f| f.0.trim().to_owned())),
        number: Set(j.flat.as_ref().map(|f| f.1.trim().to_owned())),
        status: Set(JoinRequestStatus::Pending),
        note: Set(note),
        reason: Set(None),
        decided_by_account_id: Set(None),
        decided_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map_err(|e| map_unique(e, &[ONE_PENDING]))
}

/// The household `id`, which must be a flat of `building_id`.
async fn flat_of<C: ConnectionTrait>(conn: &C, id: i32, building_id: i32) -> ApiResult<household::Model> {
    match household::Entity::find_by_id(id).one(conn).await? {
        Some(h) if h.building_id == building_id => Ok(h),
        _ => Err(ApiError::bad_input("householdId", t!("residency.household_outside_building"))),
    }
}

async fn already_living_in<C: ConnectionTrait>(conn: &C, account_id: i32, community_id: i32) -> ApiResult<bool> {
    let n = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account_id))
        .filter(membership::Column::RegionId.eq(community_id))
        .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Make a person a resident: the RESIDENT membership of that building and
/// flat. The first resident of a flat becomes its household's contact.
async fn admit<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    community_id: i32,
    building_id: i32,
    household_id: Option<i32>,
) -> ApiResult<membership::Model> {
    if already_living_in(conn, account_id, community_id).await? {
        return Err(ApiError::bad_input("communityId", t!("residency.already_resident")));
    }
    let m = membership::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        role: Set(Role::Resident),
        region_id: Set(Some(community_id)),
        building_id: Set(Some(building_id)),
        organisation_id: Set(None),
        household_id: Set(household_id),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    if let Some(h) = household_id {
        move_in(conn, h, account_id).await?;
    }
    Ok(m)
}

/// A person moved out of a flat: if they were its contact, the longest
/// remaining resident is (or nobody, for a flat left empty).
pub async fn move_out<C: ConnectionTrait>(conn: &C, household_id: i32, account_id: i32) -> ApiResult<()> {
    use sea_orm::QueryOrder;
    let Some(h) = household::Entity::find_by_id(household_id).one(conn).await? else { return Ok(()) };
    if h.contact_account_id != Some(account_id) {
        return Ok(());
    }
    let next = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household_id))
        .filter(membership::Column::AccountId.ne(account_id))
        .order_by_asc(membership::Column::Id)
        .one(conn)
        .await?;
    let mut m: household::ActiveModel = h.into();
    m.contact_account_id = Set(next.map(|n| n.account_id));
    m.update(conn).await?;
    Ok(())
}

/// A person moved into a flat: the first becomes the household's contact.
pub async fn move_in<C: ConnectionTrait>(conn: &C, household_id: i32, account_id: i32) -> ApiResult<()> {
    household::Entity::update_many()
        .col_expr(household::Column::ContactAccountId, sea_orm::sea_query::Expr::val(account_id))
        .filter(household::Column::Id.eq(household_id))
        .filter(household::Column::ContactAccountId.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// A signed-in person asks to join a community.
pub async fn request_to_join(app: &AppState, p: &Principal, j: JoinInput) -> ApiResult<join_request::Model> {
    let Some(me) = p.account_id().filter(|_| ResidencyPermission::Join.allowed(p)) else {
        return Err(ApiError::forbidden(t!("residency.people_join")));
    };
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let r = create_request(uow.txn(), me, j).await?;
    uow.commit(Audit::of::<JoinRequest>(Verbs::JoinRequestCreate, r.id).community(r.community_id)).await?;
    Ok(r)
}

/// Approve, reject (with a reason) or withdraw a pending request.
pub async fn decide(
    app: &AppState,
    p: &Principal,
    id: i32,
    action: JoinAction,
    reason: Option<String>,
) -> ApiResult<join_request::Model> {
    let reason = match action {
        JoinAction::Reject => Some(Reason::parse("reason", reason.as_deref().unwrap_or_default())?.into_inner()),
        _ => None,
    };
    if action != JoinAction::Withdraw {
        crate::policy::authorize(p, ResidencyPermission::Decide)?;
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = policy::visible_join_requests(p)
        .filter(join_request::Column::Id.eq(id))
        .lock(LockType::Update)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("JoinRequest"))?;
    let allowed = match action {
        JoinAction::Withdraw => p.account_id() == Some(r.account_id),
        _ => policy::decides_for(p, r.community_id, r.building_id),
    };
    if !allowed {
        return Err(crate::policy::refusal_on(
            p,
            crate::lifecycle::Described::words(action),
            t!("residency.this_request"),
        ));
    }
    let t = lifecycle::check(action, r.status)?;
    if action == JoinAction::Approve {
        admit(txn, r.account_id, r.community_id, r.building_id, r.household_id).await?;
    }
    let mut m: join_request::ActiveModel = r.clone().into();
    if let Some(to) = t.to {
        m.status = Set(to);
    }
    if action != JoinAction::Withdraw {
        m.decided_by_account_id = Set(p.account_id());
    }
    m.decided_at = Set(Some(Utc::now()));
    m.reason = Set(reason);
    let updated = m.update(txn).await?;
    uow.commit(Audit::of::<JoinRequest>(t.verb, r.id).community(r.community_id)).await?;
    Ok(updated)
}

/// Join requests the principal may read, optionally of one status or community.
pub fn requests(
    p: &Principal,
    status: Option<JoinRequestStatus>,
    community_id: Option<i32>,
) -> sea_orm::Select<join_request::Entity> {
    let mut q = policy::visible_join_requests(p);
    if let Some(s) = status {
        q = q.filter(join_request::Column::Status.eq(s));
    }
    if let Some(c) = community_id {
        q = q.filter(join_request::Column::CommunityId.eq(c));
    }
    q
}

#[derive(Debug, FromQueryResult)]
pub struct StatusCount {
    pub status: JoinRequestStatus,
    pub n: i64,
}

/// Counts of the join requests the principal may read, by status.
pub async fn counts<C: ConnectionTrait>(conn: &C, p: &Principal) -> ApiResult<Vec<StatusCount>> {
    use sea_orm::sea_query::{Expr, Func};
    Ok(policy::visible_join_requests(p)
        .select_only()
        .column(join_request::Column::Status)
        .expr_as(Func::count(Expr::col(join_request::Column::Id)), "n")
        .group_by(join_request::Column::Status)
        .into_model::<StatusCount>()
        .all(conn)
        .await?)
}
