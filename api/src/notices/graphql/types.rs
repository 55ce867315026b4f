//! The notices domain's types.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::enums::NoticeCategory as DbCategory;
use entity::{building, notice, notice_target, region};

use crate::accounts::graphql::Role;
use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ByColumn, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;
use crate::notices::service::{self, CountRow};

use super::*;

/// What a notice is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::NoticeCategory")]
pub enum NoticeCategory {
    /// General information.
    General,
    /// An event.
    Event,
    /// A service.
    Service,
    /// An emergency alert: a warning level, instructions, and answers asked of every household.
    Emergency,
}

/// State of a notice.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::NoticeStatus")]
pub enum NoticeStatus {
    /// Published.
    Published,
    /// Withdrawn by the publisher: residents no longer see it.
    Withdrawn,
    /// An alert closed by the publisher: its counts are frozen.
    Closed,
}

/// Warning level of an emergency alert: China's four public emergency warning levels.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::AlertLevel")]
pub enum AlertLevel {
    /// Blue (IV, general).
    Blue,
    /// Yellow (III, serious).
    Yellow,
    /// Orange (II, very serious).
    Orange,
    /// Red (I, extremely serious).
    Red,
}

/// A resident's answer to an alert.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::AlertResponseState")]
pub enum AlertResponseState {
    /// Safe.
    Safe,
    /// Needs help.
    NeedHelp,
}

/// Where a household stands in an alert.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum HouseholdState {
    /// Neither answered nor visited.
    NotReached,
    /// Answered SAFE.
    RespondedSafe,
    /// Answered NEED_HELP.
    NeedHelp,
    /// Not answered, but visited by the building head.
    ReachedInPerson,
}

/// A notice or an emergency alert.
#[derive(Clone)]
pub struct Notice(pub notice::Model);

impl Notice {
    fn alert(&self) -> bool {
        self.0.category == DbCategory::Emergency
    }
}

/// A notice or an emergency alert (预警).
#[Object(visible = "super::shown::read_notices")]
impl Notice {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The category.
    async fn category(&self) -> NoticeCategory {
        self.0.category.into()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The status.
    async fn status(&self) -> NoticeStatus {
        self.0.status.into()
    }
    /// The warning level (alerts).
    async fn level(&self) -> Option<AlertLevel> {
        self.0.level.map(Into::into)
    }
    /// What residents should do (alerts).
    async fn instructions(&self) -> Option<&str> {
        self.0.instructions.as_deref()
    }
    /// Shown from.
    async fn valid_from(&self) -> DateTime {
        self.0.valid_from.into()
    }
    /// Shown until (an open alert stays pinned regardless).
    async fn valid_until(&self) -> Option<DateTime> {
        self.0.valid_until.map(Into::into)
    }
    /// An open alert: shown pinned to the residents in scope.
    async fn is_pinned(&self) -> bool {
        self.alert() && self.0.status == entity::enums::NoticeStatus::Published
    }
    /// The publisher's role.
    async fn publisher_role(&self) -> Role {
        self.0.publisher_role.into()
    }
    /// The targeted regions (all residents under them).
    async fn target_regions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Region>> {
        let rows =
            ctx.loader::<ByColumn<notice_target::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let mut out = Vec::new();
        for t in rows.iter().filter_map(|t| t.region_id) {
            out.extend(load_by_id::<region::Entity, _>(ctx, t, Region).await?);
        }
        Ok(out)
    }
    /// The targeted buildings.
    async fn target_buildings(&self, ctx: &Context<'_>) -> ApiResult<Vec<Building>> {
        let rows =
            ctx.loader::<ByColumn<notice_target::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let mut out = Vec::new();
        for t in rows.iter().filter_map(|t| t.building_id) {
            out.extend(load_by_id::<building::Entity, _>(ctx, t, Building).await?);
        }
        Ok(out)
    }
    /// Whether the viewer marked it read.
    async fn viewer_has_read(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(ctx.loader::<ViewerReadLoader>()?.load_one(self.0.id).await?.is_some())
    }
    /// The viewer's own answer to the alert.
    async fn viewer_response(&self, ctx: &Context<'_>) -> ApiResult<Option<AlertResponse>> {
        let r = ctx.loader::<ViewerResponseLoader>()?.load_one(self.0.id).await?;
        Ok(r.map(|r| AlertResponse {
            state: r.state.into(),
            note: r.note,
            whole_household: r.whole_household,
            responded_at: r.responded_at.into(),
        }))
    }
    /// Counts per building (the committee its community's, the office its
    /// region's, a building head their building's, the publisher all);
    /// frozen once the alert is closed. FORBIDDEN for residents.
    #[graphql(visible = "super::shown::publish")]
    async fn counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<AlertCount>> {
        let rows = service::counts(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(rows.into_iter().map(AlertCount).collect())
    }
    /// Counts per community: the sums of `counts` over its buildings.
    #[graphql(visible = "super::shown::publish")]
    async fn community_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<AlertCount>> {
        let rows = service::counts(&ctx.db().read, ctx.principal()?, &self.0).await?;
        let mut out: Vec<CountRow> = Vec::new();
        for r in rows {
            match out.iter_mut().find(|c| c.community_id == r.community_id) {
                Some(c) => {
                    c.targeted += r.targeted;
                    c.responded += r.responded;
                    c.safe += r.safe;
                    c.need_help += r.need_help;
                    c.reached_in_person += r.reached_in_person;
                    c.not_reached += r.not_reached;
                }
                None => out.push(CountRow { building_id: None, ..r }),
            }
        }
        Ok(out.into_iter().map(AlertCount).collect())
    }
    /// The households of the viewer's building (building head) or community
    /// (committee), each with its state and contact. FORBIDDEN for others.
    #[graphql(visible = "super::shown::roster")]
    async fn roster(&self, ctx: &Context<'_>) -> ApiResult<Vec<RosterEntry>> {
        let rows = service::roster(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(RosterEntry::disclosed(ctx, self.0.id, rows))
    }
    /// Households that answered NEED_HELP (the committee with contact, the
    /// office without phones unless it published).
    #[graphql(visible = "super::shown::publish")]
    async fn need_help(&self, ctx: &Context<'_>) -> ApiResult<Vec<RosterEntry>> {
        let rows = service::need_help(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(RosterEntry::disclosed(ctx, self.0.id, rows))
    }
    /// Read counts per building (the publisher; the committee and office for their scope).
    #[graphql(visible = "super::shown::publish")]
    async fn read_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReadCount>> {
        let rows = service::read_counts(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(rows.into_iter().map(ReadCount).collect())
    }
    /// When it was published.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was last edited.
    async fn edited_at(&self) -> Option<DateTime> {
        self.0.edited_at.map(Into::into)
    }
    /// When the alert was closed.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }
}

/// The viewer's own answer to an alert.
#[derive(SimpleObject)]
pub struct AlertResponse {
    /// SAFE or NEED_HELP.
    pub state: AlertResponseState,
    /// The note given.
    pub note: Option<String>,
    /// The answer covers the whole household.
    pub whole_household: bool,
    /// When it was given (last changed).
    pub responded_at: DateTime,
}

crate::node_type!(Notice, "Notice", notice, crate::notices::policy::visible_notices);
