//! The volunteering domain's types: activities, sign-ups, points rules,
//! ledger entries, store items and redemptions.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{
    account, organisation, points_item, points_ledger, points_redemption, points_rule, region, volunteer_activity,
    volunteer_activity_building, volunteer_signup,
};

use crate::access::{Disclose, Field};
use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ByColumn, Main, Visible, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::volunteering::{policy, service};

/// Where a volunteer activity stands (see the README's lifecycle table).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ActivityStatus")]
pub enum ActivityStatus {
    /// Being prepared; only the organiser sees it.
    Draft,
    /// Published, with places free.
    Open,
    /// Published, every place taken: sign-ups join the waiting list.
    Full,
    /// Under way: the organiser checks people in and out.
    Ongoing,
    /// Done; attendance may still be confirmed.
    Completed,
    /// Cancelled, with a reason.
    Cancelled,
}

/// Where a sign-up stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::SignupStatus")]
pub enum SignupStatus {
    /// Holds a place.
    SignedUp,
    /// On the waiting list (see `waitingPosition`).
    Waiting,
    /// Withdrew, or the activity was cancelled.
    Withdrawn,
    /// Attendance confirmed with minutes.
    Attended,
}

/// What points are for.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PointsKind")]
pub enum PointsKind {
    /// Confirmed volunteer hours (points per hour).
    VolunteerHours,
    /// A report the person filed was resolved.
    ReportResolved,
    /// Attendance at a council meeting.
    MeetingAttended,
    /// A vote cast on a project.
    VoteCast,
    /// Points spent in the store.
    Redemption,
    /// Points given back for a cancelled redemption.
    Refund,
}

/// Where a redemption stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RedemptionStatus")]
pub enum RedemptionStatus {
    /// Stock and points reserved; to be handed over.
    Reserved,
    /// Handed over.
    Fulfilled,
    /// Cancelled: points refunded, stock returned.
    Cancelled,
}

/// A volunteer activity (志愿活动).
#[derive(Clone)]
pub struct VolunteerActivity(pub volunteer_activity::Model);

/// A volunteer activity (志愿活动).
#[Object(visible = "super::shown::read_activities")]
impl VolunteerActivity {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What volunteers will do.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }
    /// When it starts.
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }
    /// When it ends.
    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }
    /// How many places it has.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }
    /// Places taken.
    async fn places_taken(&self) -> i32 {
        self.0.taken
    }
    /// Places still free.
    async fn places_left(&self) -> i32 {
        self.0.capacity - self.0.taken
    }
    /// Points per hour of confirmed attendance set on the activity; `null`:
    /// the community's rule for volunteer hours applies.
    async fn points_per_hour(&self) -> Option<i32> {
        self.0.points_per_hour
    }
    /// Points for each confirmed attendance, whatever its length; `null`:
    /// by the hour.
    async fn points_per_activity(&self) -> Option<i32> {
        self.0.points_per_activity
    }
    /// Where it stands.
    async fn status(&self) -> ActivityStatus {
        self.0.status.into()
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The buildings it is for; empty: the whole community.
    async fn buildings(&self, ctx: &Context<'_>) -> ApiResult<Vec<crate::directory::graphql::Building>> {
        let links = ctx.loader::<ByColumn<volunteer_activity_building::Entity>>()?.load_one(self.0.id).await?;
        let ids = links.unwrap_or_default().into_iter().map(|l| l.building_id).collect();
        crate::directory::graphql::Building::many(ctx, ids).await
    }
    /// The organising NGO or property company; `null` when the committee organises it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The sign-ups the viewer may see, in sign-up order: the whole roster
    /// for the organiser; a resident's own sign-up for the resident.
    async fn signups(&self, ctx: &Context<'_>) -> ApiResult<Vec<VolunteerSignup>> {
        let rows = ctx.loader::<Visible<volunteer_signup::Entity, Main>>()?.load_one(self.0.id).await?;
        let mut rows = rows.unwrap_or_default();
        rows.sort_by_key(|s| s.id);
        Ok(rows.into_iter().map(VolunteerSignup).collect())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A person's place, or place on the waiting list, in an activity.
#[derive(Clone)]
pub struct VolunteerSignup(pub volunteer_signup::Model);

/// A person's place, or place on the waiting list, in an activity. Seen by
/// the person and by the activity's organiser.
#[Object(visible = "super::shown::read_activities")]
impl VolunteerSignup {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The activity.
    async fn activity(&self, ctx: &Context<'_>) -> ApiResult<Option<VolunteerActivity>> {
        load_by_id::<volunteer_activity::Entity, _>(ctx, self.0.activity_id, VolunteerActivity).await
    }
    /// The volunteer's name (as shown in the community).
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let a = load_by_id::<account::Entity, _>(ctx, self.0.account_id, |a| a).await?;
        Ok(a.map(|a| crate::accounts::graphql::display_name(&a)))
    }
    /// The volunteer's phone: only when they chose to share it with the
    /// organiser (`sharePhone` when signing up), else `null`.
    async fn phone(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if !self.0.share_phone {
            return Ok(None);
        }
        let a = load_by_id::<account::Entity, _>(ctx, self.0.account_id, |a| a).await?;
        let phone = a.and_then(|a| a.phone);
        if phone.is_some() {
            ctx.disclosed(self.0.account_id, (Self::NAME, Some(self.0.id)), &[Field::Phone]);
        }
        Ok(phone)
    }
    /// Where it stands.
    async fn status(&self) -> SignupStatus {
        self.0.status.into()
    }
    /// On the waiting list: 1 is next to get a place; otherwise `null`.
    async fn waiting_position(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        service::waiting_position(&ctx.db().read, &self.0).await
    }
    /// When the organiser checked them in.
    async fn checked_in_at(&self) -> Option<DateTime> {
        self.0.checked_in_at.map(Into::into)
    }
    /// When the organiser checked them out.
    async fn checked_out_at(&self) -> Option<DateTime> {
        self.0.checked_out_at.map(Into::into)
    }
    /// Confirmed minutes of service.
    async fn minutes(&self) -> Option<i32> {
        self.0.minutes
    }
    /// When they signed up.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A community's rule: points for one kind of taking part, with caps.
#[derive(SimpleObject)]
pub struct PointsRule {
    /// What it rewards.
    pub kind: PointsKind,
    /// Points per unit: per hour for volunteer hours, else per occasion.
    pub points: i32,
    /// At most this many points of this kind per person and day (Asia/Shanghai).
    pub daily_cap: Option<i32>,
    /// At most this many points of this kind per person and month.
    pub monthly_cap: Option<i32>,
}

impl From<points_rule::Model> for PointsRule {
    fn from(r: points_rule::Model) -> Self {
        Self { kind: r.kind.into(), points: r.points, daily_cap: r.daily_cap, monthly_cap: r.monthly_cap }
    }
}

/// One change of the viewer's points (append-only).
#[derive(SimpleObject)]
pub struct PointsEntry {
    /// What it was for.
    pub kind: PointsKind,
    /// Points added (positive) or spent (negative).
    pub delta: i64,
    /// The balance after it.
    pub balance_after: i64,
    /// When.
    pub at: DateTime,
}

impl From<points_ledger::Model> for PointsEntry {
    fn from(e: points_ledger::Model) -> Self {
        Self { kind: e.kind.into(), delta: e.delta, balance_after: e.balance_after, at: e.at.into() }
    }
}

/// A store item (积分超市).
#[derive(Clone)]
pub struct PointsItem(pub points_item::Model);

/// An item of a community's points store.
#[Object(visible = "super::shown::read_store")]
impl PointsItem {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// What it is.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// More about it.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Its price in points.
    async fn cost(&self) -> i32 {
        self.0.cost
    }
    /// How many are left.
    async fn stock(&self) -> i32 {
        self.0.stock
    }
    /// The partner organisation offering it; `null`: the committee.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
}

/// A redemption of a store item.
#[derive(Clone)]
pub struct PointsRedemption(pub points_redemption::Model);

/// A redemption of a store item: seen by the person and the offerer.
#[Object(visible = "super::shown::read_store")]
impl PointsRedemption {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The item.
    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Option<PointsItem>> {
        load_by_id::<points_item::Entity, _>(ctx, self.0.item_id, PointsItem).await
    }
    /// Points it cost.
    async fn cost(&self) -> i32 {
        self.0.cost
    }
    /// Where it stands.
    async fn status(&self) -> RedemptionStatus {
        self.0.status.into()
    }
    /// The person's name, for the offerer handing it over.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let a = load_by_id::<account::Entity, _>(ctx, self.0.account_id, |a| a).await?;
        Ok(a.map(|a| crate::accounts::graphql::display_name(&a)))
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

crate::node_type!(VolunteerActivity, "VolunteerActivity", volunteer_activity, policy::visible_activities);
crate::node_type!(VolunteerSignup, "VolunteerSignup", volunteer_signup, policy::visible_signups);
crate::node_type!(PointsItem, "PointsItem", points_item, policy::visible_items);
crate::node_type!(PointsRedemption, "PointsRedemption", points_redemption, policy::visible_redemptions);
