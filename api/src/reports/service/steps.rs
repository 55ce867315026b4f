//! The steps of a report's lifecycle after filing.

use chrono::{Duration, Utc};
use entity::enums::{PhotoKind, ReportEventKind};
use entity::report;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::input::Reason;
use crate::reports::graphql::Report;
use crate::reports::lifecycle;
use crate::reports::photos::{self};
use crate::reports::policy::{self, ReportAction, ReportFacts};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

use super::*;

/// What a step may carry.
#[derive(Default)]
pub struct StepInput {
    /// Reason, resolution note, mediation outcome or note.
    pub note: Option<String>,
    /// The organisation to assign.
    pub organisation_id: Option<i32>,
    /// Resolution photos (raw uploads).
    pub photos: Vec<Vec<u8>>,
    /// Stars (1–5) and comment of a rating.
    pub rating: Option<(i32, Option<String>)>,
}

/// Steps by the handling side count as the first response.
pub(super) fn is_response(action: ReportAction) -> bool {
    use ReportAction::*;
    matches!(action, Accept | Reject | Assign | Start | Resolve | Mediate | Note)
}

/// Any step of the table (see [`lifecycle::LIFECYCLE`]).
pub async fn step(
    app: &AppState,
    p: &Principal,
    id: i32,
    action: ReportAction,
    input: StepInput,
) -> ApiResult<report::Model> {
    use ReportAction::*;
    let note = match action {
        Reject | Resolve | Mediate | Note => {
            let field = match action {
                Reject => "reason",
                Resolve => "note",
                Mediate => "outcome",
                _ => "note",
            };
            Some(Reason::parse(field, input.note.as_deref().unwrap_or_default())?.into_inner())
        }
        _ => Reason::parse_opt("note", input.note.as_deref())?.map(Reason::into_inner),
    };
    let rating = match (action, input.rating) {
        (Rate, Some((stars, comment))) => {
            if !(1..=5).contains(&stars) {
                return Err(ApiError::bad_input("stars", t!("reports.between_1_5")));
            }
            Some((stars, crate::input::Remark::parse_opt("comment", comment.as_deref())?.map(|c| c.into_inner())))
        }
        (Rate, None) => return Err(ApiError::bad_input("stars", t!("reports.required"))),
        _ => None,
    };
    if action == Assign && input.organisation_id.is_none() {
        return Err(ApiError::bad_input("organisationId", t!("reports.required")));
    }
    if input.photos.len() > photos::MAX_PHOTOS {
        return Err(ApiError::bad_input("photos", t!("reports.too_many_photos", max = photos::MAX_PHOTOS)));
    }
    // Authorise before storing any file.
    {
        let (r, path) = load(&app.db.read, p, id).await?;
        policy::authorize(p, action, &ReportFacts { report: &r, community_path: path })?;
    }
    let saved =
        if action == Resolve { photos::save_all(&app.config, "photos", input.photos).await? } else { Vec::new() };
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (r, path) = load(txn, p, id).await?;
    policy::authorize(p, action, &ReportFacts { report: &r, community_path: path })?;
    let mv = lifecycle::check(action, r.status)?;
    let now = Utc::now();
    let mut changes = report::ActiveModel { updated_at: Set(now), ..Default::default() };
    if let Some(to) = mv.to {
        changes.status = Set(to);
    }
    let mut kind = mv.event;
    let mut only_if = Condition::all().add(report::Column::Id.eq(r.id)).add(report::Column::Status.eq(r.status));
    match action {
        Assign => {
            let org = input.organisation_id.unwrap_or_default();
            ensure_serves(txn, org, r.community_id, "organisationId").await?;
            if r.assigned_organisation_id.is_some() {
                kind = ReportEventKind::Reassigned;
            }
            changes.assigned_organisation_id = Set(Some(org));
        }
        Resolve => {
            changes.resolved_at = Set(Some(now));
            changes.resolution_note = Set(note.clone());
        }
        Confirm => changes.closed_at = Set(Some(now)),
        Reopen => {
            let window = Duration::hours(i64::try_from(app.config.report_confirm_hours).unwrap_or(i64::MAX / 7200));
            if r.resolved_at.is_none_or(|at| now > at + window) {
                return Err(ApiError::bad_input("status", t!("reports.confirmation_period_over")));
            }
            changes.resolved_at = Set(None);
        }
        Mediate => changes.mediation_outcome = Set(note.clone()),
        Escalate => {
            if r.escalated_at.is_some() {
                return Err(ApiError::bad_input("status", t!("reports.report_already_escalated")));
            }
            changes.escalated_at = Set(Some(now));
            only_if = only_if.add(report::Column::EscalatedAt.is_null());
        }
        Rate => {
            if r.rating.is_some() {
                return Err(ApiError::bad_input("stars", t!("reports.report_already_rated")));
            }
            let (stars, comment) = rating.clone().unwrap_or_default();
            changes.rating = Set(Some(stars));
            changes.rating_comment = Set(comment);
            changes.rated_at = Set(Some(now));
            only_if = only_if.add(report::Column::Rating.is_null());
        }
        _ => {}
    }
    if is_response(action) && r.first_response_at.is_none() && p.account_id() != Some(r.reporter_account_id) {
        changes.first_response_at = Set(Some(now));
    }
    let res = report::Entity::update_many().set(changes).filter(only_if).exec(txn).await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("reports.report_changed_meanwhile_reload_retry")));
    }
    let event_note = match action {
        Rate => rating.as_ref().map(|(s, _)| format!("{s}/5")),
        _ => note,
    };
    insert_event(txn, Some(p), r.id, Step { kind, from: Some(r.status), to: mv.to, note: event_note }, now).await?;
    insert_photos(txn, r.id, PhotoKind::Resolution, saved).await?;
    let after = report::Entity::find_by_id(r.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Report"))?;
    if let Some(h) = super::hook(Some(&r), &after) {
        uow.emit(h);
    }
    let mut audit = Audit::of::<Report>(mv.verb, r.id).community(r.community_id);
    if let Some(org) = input.organisation_id {
        audit = audit.details(json!({ "organisationId": org }));
    }
    uow.commit(audit).await?.publish(&app.events, event(&after, kind)).await;
    Ok(after)
}
