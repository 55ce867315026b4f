//! An alert's counts, households and read counts.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::AlertResponseState as DbState;
use entity::{building, region};

use crate::accounts::graphql::Account;
use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::notices::service::{self, CountRow, RosterRow};

use super::*;

/// Counts of an alert in one building.
pub struct AlertCount(pub(crate) CountRow);

/// Counts of an alert in one building.
#[Object]
impl AlertCount {
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The building (`null` for residents without one).
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// Households targeted.
    async fn targeted(&self) -> i64 {
        self.0.targeted
    }
    /// Households that answered.
    async fn responded(&self) -> i64 {
        self.0.responded
    }
    /// Answered SAFE.
    async fn safe(&self) -> i64 {
        self.0.safe
    }
    /// Answered NEED_HELP.
    async fn need_help(&self) -> i64 {
        self.0.need_help
    }
    /// Not answered, visited by the building head.
    async fn reached_in_person(&self) -> i64 {
        self.0.reached_in_person
    }
    /// Neither answered nor visited.
    async fn not_reached(&self) -> i64 {
        self.0.not_reached
    }
}

/// One line of a roster: a resident, with their flat when the household
/// register knows it.
pub struct RosterEntry(pub(crate) RosterRow);

impl RosterEntry {
    /// The lines of an alert's roster, each recorded as a disclosure of
    /// the resident's answer, flat and the contact it shows
    /// (`crate::access`; one statement for the whole list).
    pub(crate) fn disclosed(ctx: &async_graphql::Context<'_>, notice_id: i32, rows: Vec<RosterRow>) -> Vec<Self> {
        use crate::access::{Disclose, Field};
        // What this selection shows of each line, not all it could.
        let look = ctx.look_ahead();
        let selected = |f: &str| look.field(f).exists();
        let (flat, real_name, phone) = (selected("household"), selected("realName"), selected("phone"));
        let notes = selected("note") || selected("visitNote");
        for r in &rows {
            let mut fields = vec![Field::AlertAnswer];
            for (shown, name) in [
                (flat && r.household_id.is_some(), Field::Flat),
                (real_name && r.real_name.is_some(), Field::RealName),
                (phone && r.phone.is_some(), Field::Phone),
                (notes && (r.note.is_some() || r.visit_note.is_some()), Field::AlertNote),
            ] {
                if shown {
                    fields.push(name);
                }
            }
            ctx.disclosed(r.account_id, ("Notice", Some(notice_id)), &fields);
        }
        rows.into_iter().map(Self).collect()
    }
}

/// One line of a roster: a resident, with their flat (`household`) when the
/// household register knows it; lines of one flat follow each other, in
/// building and flat order (the door-to-door round). Names and phones only
/// to the building head of the building and the committee; the office's
/// NEED_HELP list has them only if it published.
#[Object]
impl RosterEntry {
    /// The resident (account global id).
    async fn account_id(&self) -> ID {
        ids::encode(<Account as NodeType>::NAME, self.0.account_id)
    }
    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// The real name, where the viewer may see it.
    async fn real_name(&self) -> Option<&str> {
        self.0.real_name.as_deref()
    }
    /// The phone, where the viewer may see it.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// The flat and its household, as the viewer may see it.
    #[graphql(visible = "crate::residency::graphql::shown::read_households")]
    async fn household(&self, ctx: &Context<'_>) -> ApiResult<Option<crate::residency::graphql::Household>> {
        crate::residency::graphql::Household::load(ctx, self.0.household_id).await
    }
    /// Where it stands.
    async fn state(&self) -> HouseholdState {
        match (self.0.state, self.0.visited_at) {
            (Some(DbState::NeedHelp), _) => HouseholdState::NeedHelp,
            (Some(DbState::Safe), _) => HouseholdState::RespondedSafe,
            (None, Some(_)) => HouseholdState::ReachedInPerson,
            (None, None) => HouseholdState::NotReached,
        }
    }
    /// The resident's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The answer covers the whole household.
    async fn whole_household(&self) -> Option<bool> {
        self.0.whole_household
    }
    /// When the resident answered.
    async fn responded_at(&self) -> Option<DateTime> {
        self.0.responded_at.map(Into::into)
    }
    /// When the building head visited.
    async fn visited_at(&self) -> Option<DateTime> {
        self.0.visited_at.map(Into::into)
    }
    /// The building head's note of the visit.
    async fn visit_note(&self) -> Option<&str> {
        self.0.visit_note.as_deref()
    }
    /// When it was flagged for not answering in time.
    async fn flagged_at(&self) -> Option<DateTime> {
        self.0.flagged_at.map(Into::into)
    }
}

/// How many targeted residents of a building read a notice.
pub struct ReadCount(pub(crate) service::ReadCountRow);

/// How many targeted residents of a building read a notice.
#[Object]
impl ReadCount {
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The building.
    async fn building(&self, ctx: &Context<'_>) -> ApiResult<Option<Building>> {
        load_by_id::<building::Entity, _>(ctx, self.0.building_id, Building).await
    }
    /// Residents targeted.
    async fn targeted(&self) -> i64 {
        self.0.targeted
    }
    /// Residents who read it.
    async fn read(&self) -> i64 {
        self.0.read
    }
}

/// Alerts per month and level in a region, for district systems and offices.
#[derive(SimpleObject)]
pub struct AlertStat {
    /// The month, `YYYY-MM` (Asia/Shanghai).
    pub month: String,
    /// The warning level.
    pub level: AlertLevel,
    /// Alerts published.
    pub alerts: i64,
    /// Households targeted, all those alerts together.
    pub households: i64,
    /// Share of them answered or visited within one hour of publishing (0–1; null without households).
    pub reached_within_hour_share: Option<f64>,
}
