//! The steps of a report's lifecycle after filing.

use chrono::{Duration, Utc};
use entity::enums::{MediationResult, PhotoKind, ReferralTarget, ReportEventKind, ReportStatus, Role};
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
    /// When the assigned organisation expects to finish.
    pub expected_at: Option<chrono::DateTime<Utc>>,
    /// How a dispute's mediation ended (required to mediate).
    pub mediation: Option<MediationOutcome>,
}

/// How a dispute's mediation ended: the result, where it was referred
/// (required for REFERRED), and when the committee follows up.
pub struct MediationOutcome {
    pub result: MediationResult,
    pub referred_to: Option<ReferralTarget>,
    pub follow_up_on: Option<chrono::NaiveDate>,
}

/// How far ahead an expected completion may be set.
const MAX_EXPECTED_DAYS: i64 = 366;

/// Steps by the handling side count as the first response.
pub(super) fn is_response(action: ReportAction) -> bool {
    use ReportAction::*;
    matches!(action, Accept | Reject | Assign | Start | Resolve | Mediate | Note | Return | Expect | RecordMediation)
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
        Reject | Resolve | Mediate | Note | Return => {
            let field = match action {
                Reject | Return => "reason",
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
    let now = Utc::now();
    if action == Expect {
        let at = input.expected_at.ok_or_else(|| ApiError::bad_input("expectedAt", t!("reports.required")))?;
        if at < now || at > now + Duration::days(MAX_EXPECTED_DAYS) {
            return Err(ApiError::bad_input("expectedAt", t!("reports.expected_within_year")));
        }
    }
    if action == Mediate {
        match &input.mediation {
            None => return Err(ApiError::bad_input("result", t!("reports.required"))),
            Some(m) if (m.result == MediationResult::Referred) != m.referred_to.is_some() => {
                return Err(ApiError::bad_input("referredTo", t!("reports.referral_with_referred")));
            }
            Some(m) if m.follow_up_on.is_some_and(|d| d < now.date_naive()) => {
                return Err(ApiError::bad_input("followUpOn", t!("reports.follow_up_not_past")));
            }
            _ => {}
        }
    }
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
    // A mediated dispute is settled for the reporter only by an agreement.
    if matches!(action, Confirm | Rate)
        && r.status == ReportStatus::Mediated
        && r.mediation_result != Some(MediationResult::Agreement)
    {
        return Err(ApiError::bad_input("status", t!("reports.mediated_without_agreement")));
    }
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
        Mediate => {
            let m = input.mediation.as_ref();
            let result = m.map(|m| m.result);
            changes.mediation_outcome = Set(note.clone());
            changes.mediation_result = Set(result);
            changes.referred_to = Set(m.and_then(|m| m.referred_to));
            changes.follow_up_on = Set(m.and_then(|m| m.follow_up_on));
            // An agreement settles the dispute: it counts as resolved.
            if result == Some(MediationResult::Agreement) {
                changes.resolved_at = Set(Some(now));
            }
        }
        Return => {
            changes.assigned_organisation_id = Set(None);
            changes.expected_completion_at = Set(None);
        }
        Expect => changes.expected_completion_at = Set(input.expected_at),
        // The ladder: a building head's escalation reaches the committee;
        // the committee's (and the overdue sweep's) the office. Each rung
        // is taken once.
        Escalate if p.role == Role::BuildingHead => {
            if r.escalated_at.is_some() || r.escalated_to_committee_at.is_some() {
                return Err(ApiError::bad_input("status", t!("reports.report_already_escalated")));
            }
            kind = ReportEventKind::EscalatedToCommittee;
            changes.escalated_to_committee_at = Set(Some(now));
            only_if = only_if.add(report::Column::EscalatedToCommitteeAt.is_null());
        }
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
        Expect => input.expected_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Mediate => input.mediation.as_ref().map(|m| mediation_note(m, note.as_deref())),
        _ => note,
    };
    insert_event(txn, Some(p), r.id, Step { kind, from: Some(r.status), to: mv.to, note: event_note }, now).await?;
    insert_photos(txn, r.id, PhotoKind::Resolution, saved).await?;
    if action == Confirm {
        // The reporter confirmed their report resolved: the community's
        // REPORT_RESOLVED rule, once per report (a reopened and confirmed
        // again report books nothing more).
        let (kind, source) = (entity::enums::PointsKind::ReportResolved, format!("report:{}", r.id));
        let reporter = [r.reporter_account_id];
        crate::volunteering::points::award_each(txn, r.community_id, kind, &reporter, &source, None).await?;
    }
    let after = report::Entity::find_by_id(r.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Report"))?;
    if let Some(h) = super::hook(Some(&r), &after) {
        uow.emit(h);
    }
    let mut audit = Audit::of::<Report>(mv.verb, r.id).community(r.community_id);
    if let Some(org) = input.organisation_id.or(if action == Return { r.assigned_organisation_id } else { None }) {
        audit = audit.details(json!({ "organisationId": org }));
    }
    if let Some(m) = &input.mediation {
        audit = audit.details(json!({ "result": m.result, "referredTo": m.referred_to }));
    }
    uow.commit(audit).await?.publish(&app.events, event(&after, kind)).await;
    Ok(after)
}

/// The timeline note of a mediation: the result (and referral), then the
/// agreement or outcome text.
fn mediation_note(m: &MediationOutcome, text: Option<&str>) -> String {
    let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut head = name(json!(m.result));
    if let Some(to) = m.referred_to {
        head = format!("{head} → {}", name(json!(to)));
    }
    match text {
        Some(t) => format!("{head}: {t}"),
        None => head,
    }
}
