//! Residents' council meetings (居民议事会): the committee schedules a
//! meeting with an agenda of the community's projects, then records
//! attendance and minutes.

use chrono::{DateTime, Utc};
use entity::enums::ProjectStatus;
use std::collections::HashSet;

use entity::{council_agenda_item, council_meeting, project, region};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Select, Set};
use serde_json::json;

use super::Verbs;
use super::graphql::CouncilMeeting;
use super::policy;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Which of these communities' deliberation may the principal read? The
/// same rule as [`policy::visible_meetings`], in one statement.
pub async fn readable_communities<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    community_ids: Vec<i32>,
) -> ApiResult<HashSet<i32>> {
    Ok(region::Entity::find()
        .filter(region::Column::Id.is_in(community_ids))
        .filter(crate::policy::people_only(p))
        .filter(crate::policy::communities_filter(p, region::Column::Id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// A community's council meetings, if the principal may read them (else NOT_FOUND).
pub async fn meetings<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    community_id: i32,
) -> ApiResult<Select<council_meeting::Entity>> {
    if !readable_communities(conn, p, vec![community_id]).await?.contains(&community_id) {
        return Err(ApiError::not_found("community"));
    }
    Ok(policy::visible_meetings(p).filter(council_meeting::Column::CommunityId.eq(community_id)))
}

pub struct NewMeeting {
    pub community_id: i32,
    /// The title.
    pub title: String,
    /// When the meeting takes place.
    pub scheduled_at: DateTime<Utc>,
    /// Where the meeting takes place.
    pub place: String,
    pub project_ids: Vec<i32>,
}

/// Projects that may be put on a council agenda.
const AGENDA_STATES: [ProjectStatus; 3] = [ProjectStatus::Proposed, ProjectStatus::Deliberating, ProjectStatus::Voting];

pub async fn create_meeting(app: &AppState, p: &Principal, input: NewMeeting) -> ApiResult<council_meeting::Model> {
    policy::may_run_council(p, input.community_id)?;
    let title = crate::input::Title::parse("title", &input.title).map(crate::input::Title::into_inner)?;
    let place = crate::input::Place::parse("place", &input.place).map(crate::input::Place::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let mut ids = input.project_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let projects = project::Entity::find().filter(project::Column::Id.is_in(ids.iter().copied())).all(txn).await?;
    if projects.len() != ids.len()
        || projects.iter().any(|pr| pr.community_id != input.community_id || !AGENDA_STATES.contains(&pr.status))
    {
        return Err(ApiError::bad_input("projectIds", t!("projects.agenda_items_must_community_s")));
    }
    let meeting = council_meeting::ActiveModel {
        id: NotSet,
        community_id: Set(input.community_id),
        title: Set(title),
        scheduled_at: Set(input.scheduled_at),
        place: Set(place),
        attendance: Set(None),
        minutes: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    for id in &ids {
        council_agenda_item::ActiveModel { id: NotSet, meeting_id: Set(meeting.id), project_id: Set(*id) }
            .insert(txn)
            .await?;
    }
    uow.commit(
        Audit::of::<CouncilMeeting>(Verbs::CouncilCreateMeeting, meeting.id)
            .community(Some(input.community_id))
            .details(json!({ "projects": ids })),
    )
    .await?;
    Ok(meeting)
}

pub async fn record_meeting(
    app: &AppState,
    p: &Principal,
    meeting_id: i32,
    attendance: i32,
    minutes: &str,
) -> ApiResult<council_meeting::Model> {
    if attendance < 0 {
        return Err(ApiError::bad_input("attendance", t!("projects.must_not_negative")));
    }
    let minutes = crate::input::Minutes::parse("minutes", minutes).map(crate::input::Minutes::into_inner)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    // A meeting the principal may not read does not exist for them: the
    // same NOT_FOUND as a wrong id, so ids cannot be probed.
    let m = policy::visible_meetings(p)
        .filter(council_meeting::Column::Id.eq(meeting_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("CouncilMeeting"))?;
    policy::may_run_council(p, m.community_id)?;
    let community = m.community_id;
    let mut am: council_meeting::ActiveModel = m.into();
    am.attendance = Set(Some(attendance));
    am.minutes = Set(Some(minutes));
    let updated = am.update(txn).await?;
    uow.commit(Audit::of::<CouncilMeeting>(Verbs::CouncilRecordMeeting, updated.id).community(Some(community))).await?;
    Ok(updated)
}
