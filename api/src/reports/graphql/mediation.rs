//! A dispute's mediation record in GraphQL: `Report.mediation`, and the
//! committee's `addDisputeParty`, `setDisputeMediator`,
//! `recordMediationSession`, `mediateReport`.
//!
//! Who sees what: nothing of a dispute is public. The handling side (the
//! committee, the office, platform admins) reads the whole record. The
//! reporter and the other parties read the parties (names of
//! organisations and of themselves; other people by their description),
//! the mediator, the sessions (when, who attended; the notes are the
//! committee's) and the outcome.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::Role;
use entity::{account, dispute_party, household, mediation_attendee, mediation_session, organisation, report};

use crate::accounts::graphql::Account;
use crate::directory::graphql::Organisation;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, ById, Main, load_by_id};
use crate::graphql::scalars::{Date, DateTime};
use crate::reports::policy::ReportAction;
use crate::reports::service::{self, MediationOutcome, MediatorRef, NewSession, PartyRef, StepInput};
use crate::residency::graphql::Household;

use super::*;

/// How a dispute's mediation ended.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::MediationResult")]
pub enum MediationResult {
    /// The parties reached an agreement (its text is the outcome): the
    /// dispute counts as resolved, and the reporter may confirm and rate it.
    Agreement,
    /// Part of the dispute was settled.
    Partial,
    /// No agreement.
    Failed,
    /// Referred elsewhere (`referredTo`).
    Referred,
}

/// Where a dispute was referred.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReferralTarget")]
pub enum ReferralTarget {
    /// The street office.
    Office,
    /// The people's mediation committee (人民调解委员会).
    PeoplesMediationCommittee,
    /// A court.
    Court,
}

/// The mediation record of a dispute.
pub struct DisputeMediation {
    report: report::Model,
    /// The viewer is on the handling side (committee, office, admin).
    handling: bool,
}

impl DisputeMediation {
    /// The record of `r` as the viewer may read it (a DISPUTE they can see).
    pub(crate) fn of(ctx: &Context<'_>, r: &report::Model) -> ApiResult<Option<Self>> {
        if r.category_code != crate::reports::policy::DISPUTE {
            return Ok(None);
        }
        let p = ctx.principal()?;
        let handling = crate::policy::is_person(p)
            && matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::PlatformAdmin);
        Ok(Some(Self { report: r.clone(), handling }))
    }
}

/// The mediation record of a dispute (矛盾纠纷调解).
#[Object]
impl DisputeMediation {
    /// The mediator, if a committee member: their account.
    async fn mediator(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.report.mediator_account_id, Account).await
    }
    /// The mediator, if a mediation committee.
    async fn mediator_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.report.mediator_organisation_id, Organisation).await
    }
    /// The parties, the reporter among them once they attended a session.
    async fn parties(&self, ctx: &Context<'_>) -> ApiResult<Vec<DisputeParty>> {
        let rows = ctx.loader::<ByColumn<dispute_party::Entity, Main>>()?.load_one(self.report.id).await?;
        let me = ctx.principal()?.account_id();
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|row| DisputeParty {
                named: self.handling || row.account_id.is_none() || row.account_id == me,
                is_reporter: row.account_id == Some(self.report.reporter_account_id),
                row,
            })
            .collect())
    }
    /// The sessions, oldest first.
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<MediationSession>> {
        let rows = ctx.loader::<ByColumn<mediation_session::Entity, Main>>()?.load_one(self.report.id).await?;
        let mut rows = rows.unwrap_or_default();
        rows.sort_by_key(|s| (s.held_at, s.id));
        Ok(rows.into_iter().map(|row| MediationSession { row, handling: self.handling }).collect())
    }
    /// The result, once mediated.
    async fn result(&self) -> Option<MediationResult> {
        self.report.mediation_result.map(Into::into)
    }
    /// The agreement's text (or the outcome's), once mediated.
    async fn outcome(&self) -> Option<&str> {
        self.report.mediation_outcome.as_deref()
    }
    /// Where it was referred (result REFERRED).
    async fn referred_to(&self) -> Option<ReferralTarget> {
        self.report.referred_to.map(Into::into)
    }
    /// When the committee follows up.
    async fn follow_up_on(&self) -> Option<Date> {
        self.report.follow_up_on.map(Into::into)
    }
}

/// A party to a dispute.
pub struct DisputeParty {
    row: dispute_party::Model,
    named: bool,
    is_reporter: bool,
}

/// A party to a dispute: a resident, a household or an organisation.
#[Object]
impl DisputeParty {
    /// The party's id (for `attendeePartyIds`; not a node id).
    async fn party_id(&self) -> ID {
        ids::encode(PARTY, self.row.id)
    }
    /// Who they are in the dispute ("upstairs neighbour").
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
    /// The reporter's own row.
    async fn is_reporter(&self) -> bool {
        self.is_reporter
    }
    /// The name shown to others: to the handling side, and to each person
    /// for themself; organisations always. `null` otherwise.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if !self.named {
            return Ok(None);
        }
        if let Some(a) = self.row.account_id {
            let a = ctx.loader::<ById<account::Entity>>()?.load_one(a).await?;
            return Ok(a.map(|a| crate::accounts::graphql::display_name(&a)));
        }
        let o = self.row.organisation_id;
        Ok(load_by_id::<organisation::Entity, _>(ctx, o, |o| o.name).await?)
    }
    /// The household, for those who may read the household register.
    #[graphql(visible = "crate::residency::graphql::shown::read_households")]
    async fn household(&self, ctx: &Context<'_>) -> ApiResult<Option<Household>> {
        load_by_id::<household::Entity, _>(ctx, self.row.household_id, Household).await
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.row.organisation_id, Organisation).await
    }
}

/// A mediation session.
pub struct MediationSession {
    row: mediation_session::Model,
    handling: bool,
}

/// A mediation session: when, who attended, and (for the handling side) the notes.
#[Object]
impl MediationSession {
    /// When it was held.
    async fn held_at(&self) -> DateTime {
        self.row.held_at.into()
    }
    /// The parties present (ids of `parties`).
    async fn attendee_party_ids(&self, ctx: &Context<'_>) -> ApiResult<Vec<ID>> {
        let rows = ctx.loader::<ByColumn<mediation_attendee::Entity, Main>>()?.load_one(self.row.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(|a| ids::encode(PARTY, a.party_id)).collect())
    }
    /// The notes: the committee's, the office's and admins' only.
    async fn notes(&self) -> Option<&str> {
        self.handling.then_some(self.row.notes.as_str())
    }
}

/// The input of `mediateReport`.
#[derive(InputObject)]
pub struct MediateReportInput {
    /// The report (global id).
    pub report_id: ID,
    /// How it ended.
    pub result: MediationResult,
    /// The agreement's text, or what happened.
    pub note: String,
    /// Where it was referred (exactly when the result is REFERRED).
    pub referred_to: Option<ReferralTarget>,
    /// When the committee follows up (today or later).
    pub follow_up_on: Option<Date>,
}

/// The input of `addDisputeParty`: exactly one of the three.
#[derive(InputObject)]
pub struct AddDisputePartyInput {
    /// The dispute (global id).
    pub report_id: ID,
    /// A resident of the community (global id of an `Account`).
    pub account_id: Option<ID>,
    /// A household of the community (global id).
    pub household_id: Option<ID>,
    /// An organisation (global id).
    pub organisation_id: Option<ID>,
    /// Who they are in the dispute.
    pub description: Option<String>,
}

/// The input of `setDisputeMediator`: exactly one of the two.
#[derive(InputObject)]
pub struct SetDisputeMediatorInput {
    /// The dispute (global id).
    pub report_id: ID,
    /// A committee member of the community (global id of an `Account`).
    pub account_id: Option<ID>,
    /// A mediation committee (global id of an `Organisation` of that kind).
    pub organisation_id: Option<ID>,
}

/// The input of `recordMediationSession`.
#[derive(InputObject)]
pub struct RecordMediationSessionInput {
    /// The dispute (global id).
    pub report_id: ID,
    /// When it was held (not in the future).
    pub held_at: DateTime,
    /// The parties present besides the reporter (ids from `parties`).
    #[graphql(default)]
    pub attendee_party_ids: Vec<ID>,
    /// Whether the reporter attended.
    pub reporter_attended: bool,
    /// What was said and agreed.
    pub notes: String,
}

/// The result of `addDisputeParty`, `setDisputeMediator` and `recordMediationSession`.
#[derive(SimpleObject)]
pub struct MediationPayload {
    /// The dispute after the change.
    pub report: Report,
}

fn one_of<T>(options: Vec<(Option<T>, &'static str)>) -> ApiResult<T> {
    let mut given = options.into_iter().filter_map(|(v, _)| v);
    match (given.next(), given.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(crate::error::ApiError::bad_input("input", t!("reports.exactly_one_party"))),
    }
}

/// The type name in a party's opaque id (parties are read through their
/// dispute, never by `node`).
const PARTY: &str = "DisputeParty";

fn party_ids(given: &[ID]) -> ApiResult<Vec<i32>> {
    given
        .iter()
        .map(|i| match ids::decode(i) {
            Some((ty, n)) if ty == PARTY => Ok(n),
            _ => Err(crate::error::ApiError::bad_input("attendeePartyIds", t!("reports.attendees_parties"))),
        })
        .collect()
}

/// The committee's mediation of disputes.
#[derive(Default)]
pub struct MediationMutation;

#[Object]
impl MediationMutation {
    /// The committee records how a dispute's mediation ended: an agreement
    /// (counted as resolved; the reporter may confirm and rate it),
    /// partial, failed, or referred.
    #[graphql(visible = "super::shown::mediate", guard = "Authenticated")]
    async fn mediate_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: MediateReportInput,
    ) -> ApiResult<MediateReportPayload> {
        let mediation = MediationOutcome {
            result: input.result.into(),
            referred_to: input.referred_to.map(Into::into),
            follow_up_on: input.follow_up_on.map(|d| d.0),
        };
        let s = StepInput { note: Some(input.note), mediation: Some(mediation), ..StepInput::default() };
        Ok(MediateReportPayload { report: step(ctx, &input.report_id, ReportAction::Mediate, s).await? })
    }

    /// The committee adds a party to a dispute: a resident or a household
    /// of the community, or an organisation.
    #[graphql(visible = "super::shown::mediate", guard = "Authenticated")]
    async fn add_dispute_party(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddDisputePartyInput,
    ) -> ApiResult<MediationPayload> {
        let who = one_of(vec![
            (input.account_id.map(|i| ids::id_of::<Account>(&i, "accountId").map(PartyRef::Account)), "accountId"),
            (
                input.household_id.map(|i| ids::id_of::<Household>(&i, "householdId").map(PartyRef::Household)),
                "householdId",
            ),
            (
                input
                    .organisation_id
                    .map(|i| ids::id_of::<Organisation>(&i, "organisationId").map(PartyRef::Organisation)),
                "organisationId",
            ),
        ])??;
        let id = report_id(&input.report_id, "reportId")?;
        let (r, _) = service::add_party(ctx.app(), ctx.principal()?, id, who, input.description.as_deref()).await?;
        Ok(MediationPayload { report: Report(r) })
    }

    /// The committee names the mediator: a committee member of the
    /// community, or a mediation committee.
    #[graphql(visible = "super::shown::mediate", guard = "Authenticated")]
    async fn set_dispute_mediator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetDisputeMediatorInput,
    ) -> ApiResult<MediationPayload> {
        let who = one_of(vec![
            (input.account_id.map(|i| ids::id_of::<Account>(&i, "accountId").map(MediatorRef::Account)), "accountId"),
            (
                input
                    .organisation_id
                    .map(|i| ids::id_of::<Organisation>(&i, "organisationId").map(MediatorRef::Organisation)),
                "organisationId",
            ),
        ])??;
        let id = report_id(&input.report_id, "reportId")?;
        let r = service::set_mediator(ctx.app(), ctx.principal()?, id, who).await?;
        Ok(MediationPayload { report: Report(r) })
    }

    /// The committee records a mediation session that took place.
    #[graphql(visible = "super::shown::mediate", guard = "Authenticated")]
    async fn record_mediation_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordMediationSessionInput,
    ) -> ApiResult<MediationPayload> {
        let s = NewSession {
            held_at: input.held_at.0,
            notes: input.notes,
            attendee_party_ids: party_ids(&input.attendee_party_ids)?,
            reporter_attended: input.reporter_attended,
        };
        let id = report_id(&input.report_id, "reportId")?;
        let (r, _) = service::record_session(ctx.app(), ctx.principal()?, id, s).await?;
        Ok(MediationPayload { report: Report(r) })
    }
}
