//! GraphQL types of residency: join requests, invitations, households with
//! their members, flags and visits.

use crate::access::{Disclose, Field};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::enums::Role as DbRole;
use entity::{
    account, building, household, household_flag, household_visit, invitation, join_request, membership, region,
};

use super::super::policy::cares_for;
use super::super::{ByHousehold, CareOf};
use crate::accounts::graphql::Account;
use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ByColumn, Visible, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::{Date, DateTime};

/// Where a join request stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::JoinRequestStatus")]
pub enum JoinRequestStatus {
    /// Waiting for the committee or the building head.
    Pending,
    /// Approved: the person is a resident.
    Approved,
    /// Rejected, with a reason the person sees.
    Rejected,
    /// Withdrawn by the person.
    Withdrawn,
}

/// Why a household needs extra care (sensitive personal information).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Vulnerability")]
pub enum Vulnerability {
    /// An elderly person living alone (独居老人).
    ElderlyAlone,
    /// A person with a disability.
    Disability,
    /// A chronic or serious illness.
    ChronicIllness,
    /// A child whose parents work away (留守儿童).
    LeftBehindChild,
    /// Another need, described in the consent note.
    Other,
}

/// A person's request to live in a community as a resident.
#[derive(Clone)]
pub struct JoinRequest(pub join_request::Model);

/// A person's request to live in a community as a resident.
#[Object(visible = "crate::graphql::surface::not_machines")]
impl JoinRequest {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// Where it stands.
    async fn status(&self) -> JoinRequestStatus {
        self.0.status.into()
    }
    /// Who asked.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The flat's household, for those who may see it (the deciders; the
    /// person once they live there).
    #[graphql(visible = "super::shown::read_households")]
    async fn household(&self, ctx: &Context<'_>) -> ApiResult<Option<Household>> {
        load_by_id::<household::Entity, _>(ctx, self.0.household_id, Household).await
    }
    /// The unit (单元) of the flat the person named.
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    /// The number of the flat the person named.
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }
    /// The person's note to whoever decides.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Why it was rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When it was decided or withdrawn.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(Into::into)
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A one-time invitation to join a community (its code is shown once, to
/// its maker, by `createInvitation`).
#[derive(Clone)]
pub struct Invitation(pub invitation::Model);

/// A one-time invitation to join a community.
#[Object(visible = "super::shown::read_invitations")]
impl Invitation {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The building the person will live in.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The flat, if the invitation names one.
    async fn household(&self, ctx: &Context<'_>) -> ApiResult<Option<Household>> {
        load_by_id::<household::Entity, _>(ctx, self.0.household_id, Household).await
    }
    /// When the code stops working.
    async fn expires_at(&self) -> DateTime {
        self.0.expires_at.into()
    }
    /// When it was used (a code works once).
    async fn used_at(&self) -> Option<DateTime> {
        self.0.used_at.map(Into::into)
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A flat (单元/户) of a building and the household living in it.
#[derive(Clone)]
pub struct Household(pub household::Model);

/// A resident of a household as the register shows them.
#[derive(SimpleObject)]
pub struct HouseholdMember {
    /// The person.
    pub person: Option<Account>,
    /// Is this the household's contact?
    pub is_contact: bool,
    /// The phone, for the building head and the committee (and the person).
    pub phone: Option<String>,
}

impl Household {
    /// The household `id` if the viewer may see it (for fields other
    /// domains add: an alert roster's line).
    pub async fn load(ctx: &Context<'_>, id: Option<i32>) -> ApiResult<Option<Household>> {
        load_by_id::<household::Entity, _>(ctx, id, Household).await
    }
}

/// A flat (单元/户) of a building and the household living in it. Members
/// are seen by whoever sees the household; phones, vulnerability flags and
/// visits only by the building head of the building and the committee.
#[Object(visible = "super::shown::read_households")]
impl Household {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The unit (单元).
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// The flat number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The residents living here (none for a vacant flat).
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<HouseholdMember>> {
        let p = ctx.principal()?;
        let rows =
            ctx.loader::<ByColumn<membership::Entity, ByHousehold>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let living: Vec<membership::Model> =
            rows.into_iter().filter(|m| matches!(m.role, DbRole::Resident | DbRole::BuildingHead)).collect();
        let people = ctx
            .loader::<crate::graphql::loaders::ById<account::Entity>>()?
            .load_many(living.iter().map(|m| m.account_id))
            .await?;
        let care = cares_for(p, &self.0);
        let mut out = Vec::with_capacity(living.len());
        for m in living {
            let person = people.get(&m.account_id).cloned();
            // A building head sees a phone only with the resident's consent
            // (`setPhoneSharing`); the committee does for its work.
            let consented = person.as_ref().is_some_and(|a| a.phone_shared_with_building_head);
            let phone =
                if (care && (p.role != DbRole::BuildingHead || consented)) || p.account_id() == Some(m.account_id) {
                    person.as_ref().and_then(|a| a.phone.clone())
                } else {
                    None
                };
            let fields: &[Field] = if phone.is_some() { &[Field::Flat, Field::Phone] } else { &[Field::Flat] };
            ctx.disclosed(m.account_id, (Self::NAME, Some(self.0.id)), fields);
            out.push(HouseholdMember {
                is_contact: self.0.contact_account_id == Some(m.account_id),
                person: person.map(Account),
                phone,
            });
        }
        Ok(out)
    }
    /// The contact of the household.
    async fn contact(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.contact_account_id, Account).await
    }
    /// Vulnerability flags: null for anyone but the building head of the
    /// building and the committee.
    async fn vulnerabilities(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<HouseholdFlag>>> {
        if !cares_for(ctx.principal()?, &self.0) {
            return Ok(None);
        }
        let rows =
            ctx.loader::<Visible<household_flag::Entity, CareOf>>()?.load_one(self.0.id).await?.unwrap_or_default();
        // Sensitive (PIPL Art. 28): recorded against the household's contact.
        if let (Some(contact), false) = (self.0.contact_account_id, rows.is_empty()) {
            ctx.disclosed(contact, (Self::NAME, Some(self.0.id)), &[Field::CareNeeds]);
        }
        Ok(Some(rows.into_iter().map(HouseholdFlag).collect()))
    }
    /// Routine visits, newest first: null for anyone but the building head
    /// and the committee.
    async fn visits(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<HouseholdVisit>>> {
        if !cares_for(ctx.principal()?, &self.0) {
            return Ok(None);
        }
        let mut rows =
            ctx.loader::<Visible<household_visit::Entity, CareOf>>()?.load_one(self.0.id).await?.unwrap_or_default();
        rows.sort_by_key(|v| std::cmp::Reverse((v.visited_on, v.id)));
        Ok(Some(rows.into_iter().map(HouseholdVisit).collect()))
    }
    /// When it was added.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A household's need for extra care, with the person's consent noted.
#[derive(Clone)]
pub struct HouseholdFlag(pub household_flag::Model);

/// A household's need for extra care, with the person's consent noted.
#[Object(visible = "super::shown::read_households")]
impl HouseholdFlag {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The need.
    async fn kind(&self) -> Vulnerability {
        self.0.kind.into()
    }
    /// Who agreed to the flag, and how.
    async fn consent_note(&self) -> &str {
        &self.0.consent_note
    }
    /// When it was set.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A routine door-to-door visit (入户走访) outside alerts.
#[derive(Clone)]
pub struct HouseholdVisit(pub household_visit::Model);

/// A routine door-to-door visit (入户走访) outside alerts.
#[Object(visible = "super::shown::read_households")]
impl HouseholdVisit {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The day of the visit.
    async fn visited_on(&self) -> Date {
        Date(self.0.visited_on)
    }
    /// What was found.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// Does the household need a follow-up?
    async fn follow_up_needed(&self) -> bool {
        self.0.follow_up_needed
    }
    /// Who visited.
    async fn visitor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.visitor_account_id, Account).await
    }
    /// The household.
    async fn household(&self, ctx: &Context<'_>) -> ApiResult<Option<Household>> {
        load_by_id::<household::Entity, _>(ctx, self.0.household_id, Household).await
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

crate::node_type!(JoinRequest, "JoinRequest", join_request, crate::residency::policy::visible_join_requests);
crate::node_type!(Invitation, "Invitation", invitation, crate::residency::policy::visible_invitations);
crate::node_type!(Household, "Household", household, crate::residency::policy::visible_households);
crate::node_type!(HouseholdFlag, "HouseholdFlag", household_flag, crate::residency::policy::visible_flags);
crate::node_type!(HouseholdVisit, "HouseholdVisit", household_visit, crate::residency::policy::visible_visits);
