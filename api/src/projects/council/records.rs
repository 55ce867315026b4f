//! What a council meeting leaves on record: who attended, the minutes (as
//! revisions: who, when, what changed) and the decision on each agenda
//! item, with the vote it rests on.

use chrono::{Duration, Utc};
use entity::enums::{MeetingEventKind, MeetingStatus, Role};
use entity::{council_agenda_item, council_attendee, council_meeting, council_minutes, membership, project};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::lifecycle::CouncilAction;
use super::{for_write, record_event};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::projects::graphql::CouncilMeeting;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// What the committee records after a meeting.
pub struct MeetingRecord {
    /// The people present (accounts of residents of the community); `None`
    /// keeps the list as it is.
    pub attendee_ids: Option<Vec<i32>>,
    /// A head count, for meetings recorded without names (deprecated).
    pub attendance: Option<i32>,
    pub minutes: String,
    /// What a revision changes (required once minutes exist).
    pub revision_note: Option<String>,
}

/// The committee records attendance and minutes; a later call is a new
/// revision of the minutes, which keeps the earlier ones.
pub async fn record_meeting(
    app: &AppState,
    p: &Principal,
    meeting_id: i32,
    rec: MeetingRecord,
) -> ApiResult<council_meeting::Model> {
    if rec.attendance.is_some_and(|n| n < 0) {
        return Err(ApiError::bad_input("attendance", t!("projects.must_not_negative")));
    }
    let minutes = crate::input::Minutes::parse("minutes", &rec.minutes)?.into_inner();
    let note = crate::input::Reason::parse_opt("revisionNote", rec.revision_note.as_deref())?.map(|r| r.into_inner());
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (m, mv) = for_write(txn, p, meeting_id, CouncilAction::Record).await?;
    if m.scheduled_at > Utc::now() + Duration::minutes(10) {
        return Err(ApiError::bad_input("meetingId", t!("council.not_yet_held")));
    }
    let revisions =
        council_minutes::Entity::find().filter(council_minutes::Column::MeetingId.eq(m.id)).count(txn).await?;
    if revisions > 0 && note.is_none() {
        return Err(ApiError::bad_input("revisionNote", t!("council.revision_note")));
    }
    let mut attendance = rec.attendance.or(m.attendance);
    if let Some(ids) = rec.attendee_ids {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        let residents: Vec<i32> = membership::Entity::find()
            .select_only()
            .column(membership::Column::AccountId)
            .filter(membership::Column::AccountId.is_in(ids.iter().copied()))
            .filter(membership::Column::RegionId.eq(m.community_id))
            .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
            .distinct()
            .into_tuple()
            .all(txn)
            .await?;
        if residents.len() != ids.len() {
            return Err(ApiError::bad_input("attendeeIds", t!("council.attendees_residents")));
        }
        council_attendee::Entity::delete_many().filter(council_attendee::Column::MeetingId.eq(m.id)).exec(txn).await?;
        for a in &ids {
            council_attendee::ActiveModel { meeting_id: Set(m.id), account_id: Set(*a) }.insert(txn).await?;
        }
        attendance = Some(i32::try_from(ids.len()).unwrap_or(i32::MAX));
        // Points for attending, once per meeting and person (a revision of
        // the record books nothing again).
        let source = format!("meeting:{}", m.id);
        let (kind, by) = (entity::enums::PointsKind::MeetingAttended, p.account_id());
        crate::volunteering::points::award_each(txn, m.community_id, kind, &ids, &source, by).await?;
    }
    let revision = i32::try_from(revisions).unwrap_or(i32::MAX - 1) + 1;
    council_minutes::ActiveModel {
        id: NotSet,
        meeting_id: Set(m.id),
        revision: Set(revision),
        text: Set(minutes.clone()),
        account_id: Set(p.account_id()),
        note: Set(note.clone()),
        at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let community = m.community_id;
    let first = m.status == MeetingStatus::Scheduled;
    let mut am: council_meeting::ActiveModel = m.into();
    am.attendance = Set(attendance);
    am.minutes = Set(Some(minutes));
    am.status = Set(MeetingStatus::Held);
    let updated = am.update(txn).await?;
    let (kind, event_note) =
        if first { (mv.event, attendance.map(|n| format!("{n}"))) } else { (MeetingEventKind::MinutesRevised, note) };
    record_event(txn, p, updated.id, kind, event_note).await?;
    uow.commit(
        Audit::of::<CouncilMeeting>(mv.verb, updated.id)
            .community(Some(community))
            .details(json!({ "revision": revision, "attendance": attendance })),
    )
    .await?;
    Ok(updated)
}

/// The committee records the council's decision on one agenda item (once),
/// with the project whose vote it rests on where the council voted.
pub async fn decide(
    app: &AppState,
    p: &Principal,
    item_id: i32,
    decision: &str,
    vote_project_id: Option<i32>,
) -> ApiResult<council_meeting::Model> {
    let decision = crate::input::Reason::parse("decision", decision)?.into_inner();
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let item = council_agenda_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("CouncilAgendaItem"))?;
    let (m, mv) = for_write(txn, p, item.meeting_id, CouncilAction::Decide).await?;
    if item.decision.is_some() {
        return Err(ApiError::bad_input("itemId", t!("council.no_item")));
    }
    if let Some(v) = vote_project_id {
        let ok = project::Entity::find_by_id(v).one(txn).await?.is_some_and(|pr| pr.community_id == m.community_id);
        if !ok {
            return Err(ApiError::bad_input("voteProjectId", t!("council.vote_project")));
        }
    }
    let mut am: council_agenda_item::ActiveModel = item.clone().into();
    am.decision = Set(Some(decision.clone()));
    am.decided_at = Set(Some(Utc::now()));
    am.decided_by_account_id = Set(p.account_id());
    am.vote_project_id = Set(vote_project_id);
    am.update(txn).await?;
    record_event(txn, p, m.id, mv.event, Some(format!("{}. {decision}", item.position + 1))).await?;
    uow.commit(
        Audit::of::<CouncilMeeting>(mv.verb, m.id)
            .community(Some(m.community_id))
            .details(json!({ "item": item.id, "voteProjectId": vote_project_id })),
    )
    .await?;
    Ok(m)
}

/// A meeting's minutes, oldest revision first.
pub async fn minutes<C: sea_orm::ConnectionTrait>(conn: &C, meeting_id: i32) -> ApiResult<Vec<council_minutes::Model>> {
    Ok(council_minutes::Entity::find()
        .filter(council_minutes::Column::MeetingId.eq(meeting_id))
        .order_by_asc(council_minutes::Column::Revision)
        .all(conn)
        .await?)
}
