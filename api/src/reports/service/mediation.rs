//! A dispute's mediation record (矛盾纠纷调解): the parties besides the
//! reporter, the mediator, and the sessions with who attended. The outcome
//! is the `mediateReport` step ([`super::step`]). Every write is the
//! committee's, on a DISPUTE it may act on, in a state the transition
//! table allows for `recordMediationSession`.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{OrganisationKind, ReportEventKind, Role};
use entity::{dispute_party, household, mediation_attendee, mediation_session, membership, organisation, report};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::reports::Verbs;
use crate::reports::graphql::Report;
use crate::reports::lifecycle;
use crate::reports::policy::{self, ReportAction, ReportFacts};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

use super::*;

/// Who a party is: exactly one of a resident, a household, an organisation.
pub enum PartyRef {
    Account(i32),
    Household(i32),
    Organisation(i32),
}

/// Who mediates: a committee member of the community, or a mediation
/// committee (an organisation of that kind).
pub enum MediatorRef {
    Account(i32),
    Organisation(i32),
}

/// The report, for a mediation write: visible, the committee's dispute, in
/// a state that may still be mediated.
async fn open_dispute(txn: &DatabaseTransaction, p: &Principal, id: i32) -> ApiResult<report::Model> {
    let (r, path) = load(txn, p, id).await?;
    policy::authorize(p, ReportAction::RecordMediation, &ReportFacts { report: &r, community_path: path })?;
    lifecycle::check(ReportAction::RecordMediation, r.status)?;
    Ok(r)
}

async fn is_member(txn: &DatabaseTransaction, account: i32, role: &[Role], community: i32) -> ApiResult<bool> {
    Ok(membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account))
        .filter(membership::Column::Role.is_in(role.iter().copied()))
        .filter(membership::Column::RegionId.eq(community))
        .one(txn)
        .await?
        .is_some())
}

/// The committee adds a party to a dispute.
pub async fn add_party(
    app: &AppState,
    p: &Principal,
    report_id: i32,
    who: PartyRef,
    description: Option<&str>,
) -> ApiResult<(report::Model, dispute_party::Model)> {
    let description = crate::input::Remark::parse_opt("description", description)?.map(|d| d.into_inner());
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = open_dispute(txn, p, report_id).await?;
    let (field, ok) = match who {
        PartyRef::Account(a) => (
            "accountId",
            a != r.reporter_account_id
                && is_member(txn, a, &[Role::Resident, Role::BuildingHead], r.community_id).await?,
        ),
        PartyRef::Household(h) => (
            "householdId",
            household::Entity::find_by_id(h).one(txn).await?.is_some_and(|h| h.community_id == r.community_id),
        ),
        PartyRef::Organisation(o) => ("organisationId", organisation::Entity::find_by_id(o).one(txn).await?.is_some()),
    };
    if !ok {
        return Err(ApiError::bad_input(field, t!("reports.party_not_of_community")));
    }
    let existing = dispute_party::Entity::find().filter(dispute_party::Column::ReportId.eq(r.id)).all(txn).await?;
    let (account, hh, org) = match who {
        PartyRef::Account(a) => (Some(a), None, None),
        PartyRef::Household(h) => (None, Some(h), None),
        PartyRef::Organisation(o) => (None, None, Some(o)),
    };
    if existing.iter().any(|e| (e.account_id, e.household_id, e.organisation_id) == (account, hh, org)) {
        return Err(ApiError::bad_input(field, t!("reports.already_a_party")));
    }
    let party = dispute_party::ActiveModel {
        id: NotSet,
        report_id: Set(r.id),
        account_id: Set(account),
        household_id: Set(hh),
        organisation_id: Set(org),
        description: Set(description),
        added_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    uow.commit(
        Audit::of::<Report>(Verbs::ReportAddParty, r.id)
            .community(r.community_id)
            .details(json!({ "party": party.id })),
    )
    .await?;
    Ok((r, party))
}

/// The committee names the mediator.
pub async fn set_mediator(app: &AppState, p: &Principal, report_id: i32, who: MediatorRef) -> ApiResult<report::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = open_dispute(txn, p, report_id).await?;
    let (account, org) = match who {
        MediatorRef::Account(a) => {
            if !is_member(txn, a, &[Role::CommunityCommittee], r.community_id).await? {
                return Err(ApiError::bad_input("accountId", t!("reports.mediator_committee_member")));
            }
            (Some(a), None)
        }
        MediatorRef::Organisation(o) => {
            let kind = organisation::Entity::find_by_id(o).one(txn).await?.map(|o| o.kind);
            if kind != Some(OrganisationKind::MediationCommittee) {
                return Err(ApiError::bad_input("organisationId", t!("reports.mediator_mediation_committee")));
            }
            (None, Some(o))
        }
    };
    let changes = report::ActiveModel {
        id: Set(r.id),
        mediator_account_id: Set(account),
        mediator_organisation_id: Set(org),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let after = changes.update(txn).await?;
    uow.commit(
        Audit::of::<Report>(Verbs::ReportSetMediator, r.id)
            .community(r.community_id)
            .details(json!({ "accountId": account, "organisationId": org })),
    )
    .await?;
    Ok(after)
}

/// A session as the committee records it after it took place.
pub struct NewSession {
    pub held_at: DateTime<Utc>,
    pub notes: String,
    /// Parties of this dispute present (the reporter: `reporter_attended`).
    pub attendee_party_ids: Vec<i32>,
    pub reporter_attended: bool,
}

/// The committee records a mediation session: on the timeline, audited.
pub async fn record_session(
    app: &AppState,
    p: &Principal,
    report_id: i32,
    s: NewSession,
) -> ApiResult<(report::Model, mediation_session::Model)> {
    let notes = crate::input::Minutes::parse("notes", &s.notes)?.into_inner();
    let now = Utc::now();
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let r = open_dispute(txn, p, report_id).await?;
    // A record of a session that took place: not before the dispute was
    // filed, not in the future (a few minutes' clock skew allowed).
    if s.held_at < r.created_at || s.held_at > now + Duration::minutes(10) {
        return Err(ApiError::bad_input("heldAt", t!("reports.session_when")));
    }
    let parties = dispute_party::Entity::find().filter(dispute_party::Column::ReportId.eq(r.id)).all(txn).await?;
    let mut ids = s.attendee_party_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.iter().any(|id| !parties.iter().any(|pt| pt.id == *id)) {
        return Err(ApiError::bad_input("attendeePartyIds", t!("reports.attendees_parties")));
    }
    let session = mediation_session::ActiveModel {
        id: NotSet,
        report_id: Set(r.id),
        held_at: Set(s.held_at),
        notes: Set(notes),
        recorded_by_account_id: Set(p.account_id().unwrap_or_default()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    // The reporter's own row: a party like the others, so attendance is
    // one list of parties.
    let reporter_party = if s.reporter_attended { Some(reporter_party(txn, &r, &parties).await?) } else { None };
    for party_id in ids.iter().copied().chain(reporter_party) {
        mediation_attendee::ActiveModel { session_id: Set(session.id), party_id: Set(party_id) }.insert(txn).await?;
    }
    let at = s.held_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let step = Step { kind: ReportEventKind::MediationSession, from: None, to: None, note: Some(at) };
    insert_event(txn, Some(p), r.id, step, now).await?;
    report::Entity::update_many()
        .col_expr(report::Column::UpdatedAt, sea_orm::sea_query::Expr::val(now))
        .filter(report::Column::Id.eq(r.id))
        .exec(txn)
        .await?;
    let done = Audit::of::<Report>(Verbs::ReportRecordSession, r.id)
        .community(r.community_id)
        .details(json!({ "session": session.id, "attendees": ids.len() + usize::from(s.reporter_attended) }));
    let after = report::Entity::find_by_id(r.id).one(txn).await?.unwrap_or(r);
    uow.commit(done).await?.publish(&app.events, event(&after, ReportEventKind::MediationSession)).await;
    Ok((after, session))
}

/// The reporter's party row, made on first need.
async fn reporter_party(
    txn: &DatabaseTransaction,
    r: &report::Model,
    parties: &[dispute_party::Model],
) -> ApiResult<i32> {
    if let Some(pt) = parties.iter().find(|pt| pt.account_id == Some(r.reporter_account_id)) {
        return Ok(pt.id);
    }
    let row = dispute_party::ActiveModel {
        id: NotSet,
        report_id: Set(r.id),
        account_id: Set(Some(r.reporter_account_id)),
        household_id: Set(None),
        organisation_id: Set(None),
        description: Set(None),
        added_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}
