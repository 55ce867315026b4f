//! Volunteer activities: create, publish, start, complete, cancel; sign-ups
//! with a waiting list; attendance with minutes and points. Each write: one
//! transaction, the activity loaded through `visible_activities` (NOT_FOUND
//! otherwise), the organiser's check, the lifecycle table, a conditional
//! update, one audit row.
//!
//! Places: every sign-up and withdrawal first locks the activity's row (a
//! no-op UPDATE), so on PostgreSQL they run one after another per activity
//! and each sees the last one's result: `taken` never passes `capacity`,
//! and nobody waits while a place is free. SQLite serialises writers.

pub mod attendance;

use chrono::{DateTime, Utc};
use entity::enums::{ActivityStatus, Role, SignupStatus};
use entity::{organisation_community, volunteer_activity, volunteer_activity_building, volunteer_signup};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::Verbs;
use super::graphql::VolunteerActivity;
use super::lifecycle::{self, ActivityAction};
use super::policy::{self, VolunteeringPermission};
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Place, Reason, Title};
use crate::policy::{authorize, is_resident_of};
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// The longest activity: a week.
pub const MAX_HOURS: i64 = 7 * 24;
/// The most places one activity offers.
pub const MAX_CAPACITY: i32 = 10_000;
/// The most points per hour an activity may give.
pub const MAX_POINTS_PER_HOUR: i32 = 1_000;

/// A new activity.
pub struct NewActivity {
    pub community_id: i32,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub points_per_hour: Option<i32>,
    /// Fixed points per confirmed attendance (not with `points_per_hour`).
    pub points_per_activity: Option<i32>,
    /// Only for the residents of these buildings of the community (none: all).
    pub building_ids: Vec<i32>,
}

/// Create an activity as a DRAFT: the committee for its community, an
/// organisation for a community it serves.
pub async fn create(db: &Db, p: &Principal, n: NewActivity) -> ApiResult<volunteer_activity::Model> {
    authorize(p, VolunteeringPermission::Organise)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.organise")))?;
    let title = Title::parse("title", &n.title)?.into_inner();
    let description = Body::parse("description", &n.description)?.into_inner();
    let place = Place::parse_opt("place", n.place.as_deref())?.map(Place::into_inner);
    if n.ends_at <= n.starts_at || (n.ends_at - n.starts_at).num_hours() > MAX_HOURS {
        return Err(ApiError::bad_input("endsAt", t!("volunteering.ends_after_start", hours = MAX_HOURS)));
    }
    if !(1..=MAX_CAPACITY).contains(&n.capacity) {
        return Err(ApiError::bad_input("capacity", t!("volunteering.capacity_between", max = MAX_CAPACITY)));
    }
    if n.points_per_activity.is_some_and(|x| !(0..=MAX_POINTS_PER_HOUR).contains(&x)) {
        return Err(ApiError::bad_input(
            "pointsPerActivity",
            t!("volunteering.points_between", max = MAX_POINTS_PER_HOUR),
        ));
    }
    if n.points_per_activity.is_some() && n.points_per_hour.is_some() {
        return Err(ApiError::bad_input("pointsPerActivity", t!("volunteering.per_hour_or_per_activity")));
    }
    if n.points_per_hour.is_some_and(|x| !(0..=MAX_POINTS_PER_HOUR).contains(&x)) {
        return Err(ApiError::bad_input("pointsPerHour", t!("volunteering.points_between", max = MAX_POINTS_PER_HOUR)));
    }
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let organisation_id = acting_for(txn, p, n.community_id).await?;
    let buildings =
        crate::directory::service::buildings_of(txn, n.community_id, &n.building_ids, "buildingIds").await?;
    let now = Utc::now();
    let saved = volunteer_activity::ActiveModel {
        id: NotSet,
        community_id: Set(n.community_id),
        organiser_account_id: Set(me),
        organisation_id: Set(organisation_id),
        organiser_role: Set(p.role),
        title: Set(title),
        description: Set(description),
        place: Set(place),
        starts_at: Set(n.starts_at),
        ends_at: Set(n.ends_at),
        capacity: Set(n.capacity),
        taken: Set(0),
        points_per_hour: Set(n.points_per_hour),
        points_per_activity: Set(n.points_per_activity),
        status: Set(ActivityStatus::Draft),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    if !buildings.is_empty() {
        let rows = buildings
            .iter()
            .map(|&b| volunteer_activity_building::ActiveModel { activity_id: Set(saved.id), building_id: Set(b) });
        volunteer_activity_building::Entity::insert_many(rows).exec(txn).await?;
    }
    uow.commit(Audit::of::<VolunteerActivity>(Verbs::ActivityCreate, saved.id).community(saved.community_id)).await?;
    Ok(saved)
}

/// Whom `p` acts for in `community_id` when organising or offering: the
/// committee itself (`None`) in its own community, its organisation in a
/// community that organisation serves, or the party organisation's in one
/// of its region; BAD_USER_INPUT otherwise.
pub(super) async fn acting_for(txn: &DatabaseTransaction, p: &Principal, community_id: i32) -> ApiResult<Option<i32>> {
    let not_yours = || ApiError::bad_input("communityId", t!("volunteering.community_not_yours"));
    match (p.role, p.scope.organisation_id) {
        (Role::CommunityCommittee, _) if p.scope.community_id == Some(community_id) => Ok(None),
        (Role::SocialOrganization | Role::PropertyCompany, Some(o)) => {
            let serves = organisation_community::Entity::find_by_id((o, community_id)).one(txn).await?.is_some();
            if serves { Ok(Some(o)) } else { Err(not_yours()) }
        }
        // The party organisation acts as its organisation in the
        // communities of its community or street.
        (Role::PartyOrganisation, Some(o)) => {
            let path = entity::region::Entity::find_by_id(community_id).one(txn).await?.map(|r| r.path);
            if path.is_some_and(|path| crate::policy::party_over(p, &path)) { Ok(Some(o)) } else { Err(not_yours()) }
        }
        _ => Err(not_yours()),
    }
}

/// The activity `id` as `p` sees it, its row locked for this transaction.
pub(super) async fn locked(txn: &DatabaseTransaction, p: &Principal, id: i32) -> ApiResult<volunteer_activity::Model> {
    let a = policy::visible_activities(p)
        .filter(volunteer_activity::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("VolunteerActivity"))?;
    volunteer_activity::Entity::update_many()
        .col_expr(volunteer_activity::Column::Taken, Expr::col(volunteer_activity::Column::Taken))
        .filter(volunteer_activity::Column::Id.eq(id))
        .exec(txn)
        .await?;
    // Read again: another sign-up may have committed while we waited.
    volunteer_activity::Entity::find_by_id(a.id).one(txn).await?.ok_or_else(|| ApiError::not_found("VolunteerActivity"))
}

/// One organiser move (publish, start, complete, cancel) on activity `id`.
pub async fn step(
    db: &Db,
    p: &Principal,
    id: i32,
    action: ActivityAction,
    reason: Option<String>,
) -> ApiResult<volunteer_activity::Model> {
    let reason = match action {
        ActivityAction::Cancel => Some(Reason::parse("reason", reason.as_deref().unwrap_or_default())?.into_inner()),
        _ => None,
    };
    let mut uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let a = locked(txn, p, id).await?;
    if !policy::organises(p, &a) {
        return Err(ApiError::forbidden(t!("volunteering.only_organiser")));
    }
    let mv = lifecycle::check(action, a.status)?;
    let to = mv.to.unwrap_or(a.status);
    let now = Utc::now();
    let mut active: volunteer_activity::ActiveModel = a.clone().into();
    active.status = Set(to);
    active.updated_at = Set(now);
    if reason.is_some() {
        active.cancel_reason = Set(reason);
    }
    let saved = active.update(txn).await?;
    if action == ActivityAction::Cancel {
        // Nobody holds a place in a cancelled activity.
        volunteer_signup::Entity::update_many()
            .col_expr(
                volunteer_signup::Column::Status,
                Expr::value(sea_orm::ActiveEnum::to_value(&SignupStatus::Withdrawn)),
            )
            .col_expr(volunteer_signup::Column::UpdatedAt, Expr::value(now))
            .filter(volunteer_signup::Column::ActivityId.eq(id))
            .filter(volunteer_signup::Column::Status.is_in([SignupStatus::SignedUp, SignupStatus::Waiting]))
            .exec(txn)
            .await?;
    }
    uow.emit(
        Hook::of::<VolunteerActivity>(EventType::VolunteerActivityStatusChanged, id)
            .community(a.community_id)
            .organisation(a.organisation_id)
            .with("status", lifecycle::status_name(to))
            .with("previousStatus", lifecycle::status_name(a.status)),
    );
    let audit = Audit::of::<VolunteerActivity>(mv.verb, id)
        .community(a.community_id)
        .details(serde_json::json!({ "from": lifecycle::status_name(a.status), "to": lifecycle::status_name(to) }));
    uow.commit(audit).await?;
    Ok(saved)
}

/// Sign the principal up: a place while there is one, else the end of the
/// waiting list. A person who withdrew may sign up again (at the end).
pub async fn sign_up(
    db: &Db,
    p: &Principal,
    activity_id: i32,
    share_phone: bool,
) -> ApiResult<volunteer_signup::Model> {
    authorize(p, VolunteeringPermission::Take)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.take")))?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let a = locked(txn, p, activity_id).await?;
    if !is_resident_of(p, a.community_id) {
        return Err(ApiError::forbidden(t!("volunteering.residents_only")));
    }
    lifecycle::check(ActivityAction::SignUp, a.status)?;
    let mine = volunteer_signup::Entity::find()
        .filter(volunteer_signup::Column::ActivityId.eq(activity_id))
        .filter(volunteer_signup::Column::AccountId.eq(me))
        .one(txn)
        .await?;
    if let Some(s) = mine {
        if s.status != SignupStatus::Withdrawn {
            return Err(ApiError::conflict(t!("volunteering.already_signed_up")));
        }
        // A new row: the waiting order is the order of the rows' ids.
        volunteer_signup::Entity::delete_by_id(s.id).exec(txn).await?;
    }
    let place = a.taken < a.capacity;
    let now = Utc::now();
    if place {
        let full = a.taken + 1 >= a.capacity;
        let mut active: volunteer_activity::ActiveModel = a.clone().into();
        active.taken = Set(a.taken + 1);
        if full {
            active.status = Set(ActivityStatus::Full);
        }
        active.updated_at = Set(now);
        active.update(txn).await?;
    }
    let saved = volunteer_signup::ActiveModel {
        id: NotSet,
        activity_id: Set(activity_id),
        account_id: Set(me),
        status: Set(if place { SignupStatus::SignedUp } else { SignupStatus::Waiting }),
        share_phone: Set(share_phone),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        minutes: Set(None),
        confirmed_by_account_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let audit = Audit::of::<VolunteerActivity>(Verbs::SignUp, activity_id)
        .community(a.community_id)
        .details(serde_json::json!({ "waiting": !place }));
    uow.commit(audit).await?;
    Ok(saved)
}

/// The principal withdraws; a place they held goes to the first person
/// waiting, or back to the activity.
pub async fn withdraw(db: &Db, p: &Principal, activity_id: i32) -> ApiResult<volunteer_signup::Model> {
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.take")))?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let a = locked(txn, p, activity_id).await?;
    let s = volunteer_signup::Entity::find()
        .filter(volunteer_signup::Column::ActivityId.eq(activity_id))
        .filter(volunteer_signup::Column::AccountId.eq(me))
        .filter(volunteer_signup::Column::Status.is_in([SignupStatus::SignedUp, SignupStatus::Waiting]))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("VolunteerSignup"))?;
    lifecycle::check(ActivityAction::Withdraw, a.status)?;
    let now = Utc::now();
    let mut active: volunteer_signup::ActiveModel = s.clone().into();
    active.status = Set(SignupStatus::Withdrawn);
    active.updated_at = Set(now);
    let saved = active.update(txn).await?;
    let mut promoted = None;
    if s.status == SignupStatus::SignedUp {
        let next = volunteer_signup::Entity::find()
            .filter(volunteer_signup::Column::ActivityId.eq(activity_id))
            .filter(volunteer_signup::Column::Status.eq(SignupStatus::Waiting))
            .order_by_asc(volunteer_signup::Column::Id)
            .one(txn)
            .await?;
        match next {
            Some(n) => {
                promoted = Some(n.account_id);
                let mut up: volunteer_signup::ActiveModel = n.into();
                up.status = Set(SignupStatus::SignedUp);
                up.updated_at = Set(now);
                up.update(txn).await?;
            }
            None => {
                let mut active: volunteer_activity::ActiveModel = a.clone().into();
                active.taken = Set(a.taken - 1);
                if a.status == ActivityStatus::Full {
                    active.status = Set(ActivityStatus::Open);
                }
                active.updated_at = Set(now);
                active.update(txn).await?;
            }
        }
    }
    let audit = Audit::of::<VolunteerActivity>(Verbs::Withdraw, activity_id)
        .community(a.community_id)
        .details(serde_json::json!({ "placeMovedUp": promoted.is_some() }));
    uow.commit(audit).await?;
    Ok(saved)
}

/// A waiting sign-up's place on the list (1 = next), `None` otherwise.
pub async fn waiting_position(db: &impl ConnectionTrait, s: &volunteer_signup::Model) -> ApiResult<Option<i64>> {
    if s.status != SignupStatus::Waiting {
        return Ok(None);
    }
    let ahead = volunteer_signup::Entity::find()
        .filter(volunteer_signup::Column::ActivityId.eq(s.activity_id))
        .filter(volunteer_signup::Column::Status.eq(SignupStatus::Waiting))
        .filter(volunteer_signup::Column::Id.lt(s.id))
        .count(db)
        .await?;
    Ok(Some(i64::try_from(ahead).unwrap_or(i64::MAX) + 1))
}
