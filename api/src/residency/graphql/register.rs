//! The household register's mutations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::super::service::{self, NewVisit};
use super::{Household, HouseholdVisit, Vulnerability};
use crate::accounts::graphql::Account;
use crate::directory::graphql::Building;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::Date;

/// Add the flats of one unit of a building.
#[derive(InputObject)]
pub struct AddHouseholdsInput {
    /// The building (global id).
    pub building_id: ID,
    /// The unit (单元), e.g. "1".
    pub unit: String,
    /// The flat numbers, e.g. ["101", "102"] (at most 200).
    pub numbers: Vec<String>,
}

/// The result of `addHouseholds`.
#[derive(SimpleObject)]
pub struct AddHouseholdsPayload {
    /// The households made.
    pub households: Vec<Household>,
}

/// Name a household's contact.
#[derive(InputObject)]
pub struct SetHouseholdContactInput {
    /// The household (global id).
    pub household_id: ID,
    /// One of its residents (Account id).
    pub account_id: ID,
}

/// Flag a household as needing extra care.
#[derive(InputObject)]
pub struct SetHouseholdFlagInput {
    /// The household (global id).
    pub household_id: ID,
    /// The need.
    pub kind: Vulnerability,
    /// Who agreed and how (required: a flag is set with the person's consent).
    pub consent_note: String,
}

/// Remove a flag.
#[derive(InputObject)]
pub struct ClearHouseholdFlagInput {
    /// The household (global id).
    pub household_id: ID,
    /// The need.
    pub kind: Vulnerability,
}

/// Record a routine visit.
#[derive(InputObject)]
pub struct RecordHouseholdVisitInput {
    /// The household (global id).
    pub household_id: ID,
    /// The day of the visit (not in the future).
    pub visited_on: Date,
    /// What was found.
    pub note: String,
    /// Does it need a follow-up?
    #[graphql(default)]
    pub follow_up_needed: bool,
}

/// The payload of a household mutation.
#[derive(SimpleObject)]
pub struct HouseholdPayload {
    /// The household as it is now.
    pub household: Household,
}

/// The result of `recordHouseholdVisit`.
#[derive(SimpleObject)]
pub struct RecordHouseholdVisitPayload {
    /// The visit.
    pub visit: HouseholdVisit,
}

fn hid(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Household>(id, "householdId")
}

#[derive(Default)]
pub struct RegisterMutation;

#[Object]
impl RegisterMutation {
    /// The committee (or a platform admin) adds the flats of a building unit.
    #[graphql(visible = "super::shown::manage_households", guard = "Authenticated")]
    async fn add_households(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddHouseholdsInput,
    ) -> ApiResult<AddHouseholdsPayload> {
        let b = ids::id_of::<Building>(&input.building_id, "buildingId")?;
        let made = service::add_households(ctx.db(), ctx.principal()?, b, &input.unit, input.numbers).await?;
        Ok(AddHouseholdsPayload { households: made.into_iter().map(Household).collect() })
    }

    /// The building head or the committee names a household's contact.
    #[graphql(visible = "super::shown::care", guard = "Authenticated")]
    async fn set_household_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetHouseholdContactInput,
    ) -> ApiResult<HouseholdPayload> {
        let a = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let h = service::set_contact(ctx.app(), ctx.principal()?, hid(&input.household_id)?, a).await?;
        Ok(HouseholdPayload { household: Household(h) })
    }

    /// The building head or the committee flags a household, with consent.
    #[graphql(visible = "super::shown::care", guard = "Authenticated")]
    async fn set_household_flag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetHouseholdFlagInput,
    ) -> ApiResult<HouseholdPayload> {
        let id = hid(&input.household_id)?;
        let h = service::set_flag(ctx.app(), ctx.principal()?, id, input.kind.into(), &input.consent_note).await?;
        Ok(HouseholdPayload { household: Household(h) })
    }

    /// The building head or the committee removes a flag.
    #[graphql(visible = "super::shown::care", guard = "Authenticated")]
    async fn clear_household_flag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ClearHouseholdFlagInput,
    ) -> ApiResult<HouseholdPayload> {
        let h = service::clear_flag(ctx.app(), ctx.principal()?, hid(&input.household_id)?, input.kind.into()).await?;
        Ok(HouseholdPayload { household: Household(h) })
    }

    /// The building head or the committee records a routine visit.
    #[graphql(visible = "super::shown::care", guard = "Authenticated")]
    async fn record_household_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordHouseholdVisitInput,
    ) -> ApiResult<RecordHouseholdVisitPayload> {
        let v = NewVisit { visited_on: input.visited_on.0, note: input.note, follow_up_needed: input.follow_up_needed };
        let visit = service::record_visit(ctx.app(), ctx.principal()?, hid(&input.household_id)?, v).await?;
        Ok(RecordHouseholdVisitPayload { visit: HouseholdVisit(visit) })
    }
}
