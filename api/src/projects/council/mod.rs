//! Residents' council meetings (居民议事会) as records: the committee keeps
//! the council's members ([`members`]), schedules a meeting with an agenda
//! of projects, reports and free topics (the community's residents get a
//! notice), reschedules or cancels it, then records who attended and the
//! minutes, and the decision on each agenda item ([`records`]). Minutes
//! are revisions, never overwritten. The lifecycle is a table
//! ([`lifecycle`]); every step is on the meeting's timeline and audited.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{MeetingEventKind, MeetingStatus, ProjectStatus};
use std::collections::HashSet;

use entity::{council_agenda_item, council_meeting, council_meeting_event, project, region, report};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Select, Set,
};
use serde_json::json;

use super::Verbs;
use super::graphql::CouncilMeeting;
use super::policy;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

pub mod lifecycle;
pub mod members;
pub mod records;

use lifecycle::CouncilAction;

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
    pub report_ids: Vec<i32>,
    pub topics: Vec<String>,
}

/// Projects that may be put on a council agenda.
const AGENDA_STATES: [ProjectStatus; 3] = [ProjectStatus::Proposed, ProjectStatus::Deliberating, ProjectStatus::Voting];

/// How far ahead a meeting may be scheduled.
const MAX_AHEAD_DAYS: i64 = 366;

/// A meeting's time: not in the past (a minute of clock skew allowed), at
/// most a year ahead.
fn check_when(at: DateTime<Utc>) -> ApiResult<()> {
    let now = Utc::now();
    if at < now - Duration::minutes(1) || at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(ApiError::bad_input("scheduledAt", t!("council.not_in_past")));
    }
    Ok(())
}

/// A step on the meeting's timeline, as the principal's.
pub(crate) async fn record_event(
    txn: &DatabaseTransaction,
    p: &Principal,
    meeting_id: i32,
    kind: MeetingEventKind,
    note: Option<String>,
) -> ApiResult<()> {
    council_meeting_event::ActiveModel {
        id: NotSet,
        meeting_id: Set(meeting_id),
        kind: Set(kind),
        account_id: Set(p.account_id()),
        role: Set(Some(p.role)),
        organisation_id: Set(p.scope.organisation_id),
        note: Set(note),
        at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// May `p` run the council of `community_id` (see [`policy::may_run_council`])?
pub(crate) async fn may_run<C: ConnectionTrait>(conn: &C, p: &Principal, community_id: i32) -> ApiResult<()> {
    let path = region::Entity::find_by_id(community_id).one(conn).await?.map(|r| r.path).unwrap_or_default();
    policy::may_run_council(p, community_id, &path)
}

pub async fn create_meeting(app: &AppState, p: &Principal, input: NewMeeting) -> ApiResult<council_meeting::Model> {
    // Who may, before what: a caller who may not is told so whatever it sent.
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    may_run(uow.txn(), p, input.community_id).await?;
    let title = crate::input::Title::parse("title", &input.title).map(crate::input::Title::into_inner)?;
    let place = crate::input::Place::parse("place", &input.place).map(crate::input::Place::into_inner)?;
    check_when(input.scheduled_at)?;
    let topics = input
        .topics
        .iter()
        .map(|t| crate::input::Title::parse("topics", t).map(crate::input::Title::into_inner))
        .collect::<ApiResult<Vec<_>>>()?;
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
    let mut report_ids = input.report_ids.clone();
    report_ids.sort_unstable();
    report_ids.dedup();
    let reports = crate::reports::policy::visible_reports(p)
        .filter(report::Column::Id.is_in(report_ids.iter().copied()))
        .filter(report::Column::CommunityId.eq(input.community_id))
        .all(txn)
        .await?;
    if reports.len() != report_ids.len() {
        return Err(ApiError::bad_input("reportIds", t!("council.agenda_report")));
    }
    let meeting = council_meeting::ActiveModel {
        id: NotSet,
        community_id: Set(input.community_id),
        title: Set(title.clone()),
        scheduled_at: Set(input.scheduled_at),
        place: Set(place.clone()),
        attendance: Set(None),
        minutes: Set(None),
        created_at: Set(Utc::now()),
        status: Set(MeetingStatus::Scheduled),
        cancel_reason: Set(None),
    }
    .insert(txn)
    .await?;
    let items = ids
        .iter()
        .map(|&id| (Some(id), None, None))
        .chain(report_ids.iter().map(|&id| (None, Some(id), None)))
        .chain(topics.iter().map(|t| (None, None, Some(t.clone()))));
    let mut agenda = Vec::new();
    for (position, (project_id, report_id, topic)) in items.enumerate() {
        agenda.push(
            topic
                .clone()
                .or_else(|| projects.iter().find(|pr| Some(pr.id) == project_id).map(|pr| pr.title.clone()))
                .unwrap_or_else(|| t!("reports.noun").render_current()),
        );
        council_agenda_item::ActiveModel {
            id: NotSet,
            meeting_id: Set(meeting.id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            project_id: Set(project_id),
            report_id: Set(report_id),
            topic: Set(topic),
            decision: Set(None),
            decided_at: Set(None),
            decided_by_account_id: Set(None),
            vote_project_id: Set(None),
        }
        .insert(txn)
        .await?;
    }
    record_event(txn, p, meeting.id, MeetingEventKind::Scheduled, None).await?;
    // The community's residents are told: a plain notice, published with
    // the meeting.
    let when = input.scheduled_at.with_timezone(&app.config.indicator_time_zone).format("%Y-%m-%d %H:%M").to_string();
    let body = t!("council.notice_body", when = when, place = place, agenda = agenda.join("；")).render_current();
    let (_, hook, notice_event) = crate::notices::service::notify_community(
        txn,
        p,
        input.community_id,
        &t!("council.notice_title", title = title).render_current(),
        &body,
    )
    .await?;
    uow.emit(hook);
    uow.commit(
        Audit::of::<CouncilMeeting>(Verbs::CouncilCreateMeeting, meeting.id)
            .community(Some(input.community_id))
            .details(json!({ "projects": ids, "reports": report_ids, "topics": topics.len() })),
    )
    .await?
    .publish(&app.events, notice_event)
    .await;
    Ok(meeting)
}

/// The meeting, for a write: visible (else NOT_FOUND), the committee's, in
/// a state the table allows for `action`.
pub(crate) async fn for_write(
    txn: &DatabaseTransaction,
    p: &Principal,
    meeting_id: i32,
    action: CouncilAction,
) -> ApiResult<(council_meeting::Model, &'static lifecycle::Move)> {
    // A meeting the principal may not read does not exist for them: the
    // same NOT_FOUND as a wrong id, so ids cannot be probed.
    let m = policy::visible_meetings(p)
        .filter(council_meeting::Column::Id.eq(meeting_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("CouncilMeeting"))?;
    may_run(txn, p, m.community_id).await?;
    let mv = lifecycle::check(action, m.status)?;
    Ok((m, mv))
}

/// The committee moves a scheduled meeting (not into the past).
pub async fn reschedule(
    app: &AppState,
    p: &Principal,
    meeting_id: i32,
    at: DateTime<Utc>,
    place: Option<&str>,
) -> ApiResult<council_meeting::Model> {
    check_when(at)?;
    let place =
        place.map(|pl| crate::input::Place::parse("place", pl).map(crate::input::Place::into_inner)).transpose()?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (m, mv) = for_write(txn, p, meeting_id, CouncilAction::Reschedule).await?;
    let before = m.scheduled_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut am: council_meeting::ActiveModel = m.clone().into();
    am.scheduled_at = Set(at);
    if let Some(pl) = place {
        am.place = Set(pl);
    }
    let updated = am.update(txn).await?;
    let note = format!("{before} → {}", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    record_event(txn, p, m.id, mv.event, Some(note)).await?;
    uow.commit(Audit::of::<CouncilMeeting>(mv.verb, m.id).community(Some(m.community_id))).await?;
    Ok(updated)
}

/// The committee cancels a scheduled meeting, with a reason.
pub async fn cancel(app: &AppState, p: &Principal, meeting_id: i32, reason: &str) -> ApiResult<council_meeting::Model> {
    let reason = crate::input::Reason::parse("reason", reason)?.into_inner();
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (m, mv) = for_write(txn, p, meeting_id, CouncilAction::Cancel).await?;
    let mut am: council_meeting::ActiveModel = m.clone().into();
    am.status = Set(MeetingStatus::Cancelled);
    am.cancel_reason = Set(Some(reason.clone()));
    let updated = am.update(txn).await?;
    record_event(txn, p, m.id, mv.event, Some(reason)).await?;
    uow.commit(Audit::of::<CouncilMeeting>(mv.verb, m.id).community(Some(m.community_id))).await?;
    Ok(updated)
}
