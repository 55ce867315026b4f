//! Attendance: the organiser checks a volunteer in and out (the minutes
//! between) or confirms attendance afterwards with the minutes; either
//! records the minutes once and awards the community's points for them.
//! Nobody confirms their own attendance: an organiser who also signed up is
//! confirmed by someone else (FORBIDDEN otherwise).

use chrono::Utc;
use entity::enums::{PointsKind, SignupStatus};
use entity::{volunteer_activity, volunteer_signup};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::super::graphql::VolunteerActivity;
use super::super::lifecycle::{self, ActivityAction};
use super::super::points::{self, Award};
use super::super::policy;
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::uow::{Audit, UnitOfWork};

/// The longest attendance one confirmation records (minutes): a day.
pub const MAX_MINUTES: i32 = 24 * 60;

/// Check in, check out, or confirm `minutes` for sign-up `signup_id`.
/// Returns the sign-up and the points awarded.
pub async fn record(
    db: &Db,
    p: &Principal,
    signup_id: i32,
    action: ActivityAction,
    minutes: Option<i32>,
) -> ApiResult<(volunteer_signup::Model, i64)> {
    if action == ActivityAction::Confirm && !minutes.is_some_and(|m| (1..=MAX_MINUTES).contains(&m)) {
        return Err(ApiError::bad_input("minutes", t!("volunteering.minutes_between", max = MAX_MINUTES)));
    }
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.only_organiser")))?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let s = policy::visible_signups(p)
        .filter(volunteer_signup::Column::Id.eq(signup_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("VolunteerSignup"))?;
    let a = volunteer_activity::Entity::find_by_id(s.activity_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("VolunteerActivity"))?;
    if !policy::organises(p, &a) {
        return Err(ApiError::forbidden(t!("volunteering.only_organiser")));
    }
    if s.account_id == me && action != ActivityAction::CheckIn {
        return Err(ApiError::forbidden(t!("volunteering.no_self_award")));
    }
    let mv = lifecycle::check(action, a.status)?;
    let now = Utc::now();
    let mut active: volunteer_signup::ActiveModel = s.clone().into();
    let recorded = match action {
        ActivityAction::CheckIn => {
            if s.status != SignupStatus::SignedUp || s.checked_in_at.is_some() {
                return Err(ApiError::conflict(t!("volunteering.not_to_check_in")));
            }
            active.checked_in_at = Set(Some(now));
            None
        }
        ActivityAction::CheckOut => {
            let Some(since) = s.checked_in_at.filter(|_| s.status == SignupStatus::SignedUp) else {
                return Err(ApiError::conflict(t!("volunteering.not_checked_in")));
            };
            let m = i32::try_from((now - since).num_minutes()).unwrap_or(MAX_MINUTES).clamp(0, MAX_MINUTES);
            active.checked_out_at = Set(Some(now));
            Some(m)
        }
        _ => {
            if s.status != SignupStatus::SignedUp {
                return Err(ApiError::conflict(t!("volunteering.not_to_confirm")));
            }
            minutes
        }
    };
    let mut awarded = 0;
    if let Some(m) = recorded {
        active.status = Set(SignupStatus::Attended);
        active.minutes = Set(Some(m));
        active.confirmed_by_account_id = Set(Some(me));
        awarded = points::award(
            txn,
            Award {
                account_id: s.account_id,
                community_id: a.community_id,
                kind: PointsKind::VolunteerHours,
                units: i64::from(m),
                points_per_hour: a.points_per_hour,
                points_per_activity: a.points_per_activity,
                source: format!("signup:{}", s.id),
                by: Some(me),
            },
        )
        .await?;
    }
    active.updated_at = Set(now);
    let saved = active.update(txn).await?;
    let audit = Audit::of::<VolunteerActivity>(mv.verb, a.id)
        .community(a.community_id)
        .details(serde_json::json!({ "minutes": recorded, "points": awarded }));
    uow.commit(audit).await?;
    Ok((saved, awarded))
}
