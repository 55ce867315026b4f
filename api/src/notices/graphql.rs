//! GraphQL of notices and emergency alerts.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use entity::enums::{AlertResponseState as DbState, NoticeCategory as DbCategory, Role as DbRole};
use entity::{alert_response, building, notice, notice_read, notice_target, region};
use futures_util::Stream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Reads;

use super::service::{self, CountRow, NewNotice, NoticeList, RosterRow};
use super::{NoticeEventKind, policy};
use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Building, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

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

/// Counts of an alert in one building.
pub struct AlertCount(CountRow);

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

/// One household of a roster (one line per resident: no address units are recorded).
pub struct Household(RosterRow);

/// One household of a roster (one line per resident: no address units are
/// recorded). Names and phones only to the building head of the building and
/// the committee; the office's NEED_HELP list has them only if it published.
#[Object]
impl Household {
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
pub struct ReadCount(service::ReadCountRow);

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

/// A notice or an emergency alert (预警).
#[Object]
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
    async fn counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<AlertCount>> {
        let rows = service::counts(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(rows.into_iter().map(AlertCount).collect())
    }
    /// Counts per community: the sums of `counts` over its buildings.
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
    async fn roster(&self, ctx: &Context<'_>) -> ApiResult<Vec<Household>> {
        let rows = service::roster(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(rows.into_iter().map(Household).collect())
    }
    /// Households that answered NEED_HELP (the committee with contact, the
    /// office without phones unless it published).
    async fn need_help(&self, ctx: &Context<'_>) -> ApiResult<Vec<Household>> {
        let rows = service::need_help(&ctx.db().read, ctx.principal()?, &self.0).await?;
        Ok(rows.into_iter().map(Household).collect())
    }
    /// Read counts per building (the publisher; the committee and office for their scope).
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

/// Whether the viewer read each notice (per request, one account).
pub struct ViewerReadLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerReadLoader {
    type Value = ();
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, ()>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = notice_read::Entity::find()
            .filter(notice_read::Column::AccountId.eq(me))
            .filter(notice_read::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.notice_id, ())).collect())
    }
}

/// The viewer's own answers (per request, one account).
pub struct ViewerResponseLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerResponseLoader {
    type Value = alert_response::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, alert_response::Model>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = alert_response::Entity::find()
            .filter(alert_response::Column::AccountId.eq(me))
            .filter(alert_response::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.notice_id, r)).collect())
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

/// The order of the `notices` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum NoticeOrder {
    /// Newest first.
    #[default]
    NewestFirst,
    /// The viewer's unread notices (newest first), then the read ones
    /// (newest first). Pages forward only (`first`, `after`).
    UnreadFirst,
}

/// Filters of the `notices` list.
#[derive(InputObject, Default)]
pub struct NoticeFilter {
    /// The categories.
    pub category: Option<Vec<NoticeCategory>>,
    /// Only unread (true) or read (false) notices of the viewer.
    pub unread: Option<bool>,
}

#[derive(Default)]
pub struct NoticesQuery;

#[Object]
impl NoticesQuery {
    /// Notices the viewer may read, newest first or unread first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notices.")] filter: Option<NoticeFilter>,
        #[graphql(default, desc = "The order (newest first by default).")] order_by: NoticeOrder,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Notice>> {
        let f = filter.unwrap_or_default();
        let categories: Option<Vec<DbCategory>> = f.category.map(|c| c.into_iter().map(Into::into).collect());
        let p = ctx.principal()?;
        if order_by == NoticeOrder::UnreadFirst && f.unread.is_none() {
            if last.is_some() || before.is_some() {
                return Err(ApiError::bad_input("last", "UNREAD_FIRST pages forward only (first, after)"));
            }
            return unread_first(ctx, p, categories, first, after).await;
        }
        let q = service::list(p, NoticeList { categories, unread: f.unread });
        paginate_ordered(ctx, q, notice::Column::Id, PageArgs::new(after, before, first, last), true, Notice).await
    }

    /// One notice; NOT_FOUND when the viewer may not read it.
    #[graphql(guard = "Authenticated")]
    async fn notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice (global id).")] id: ID,
    ) -> ApiResult<Notice> {
        let id = ids::id_of::<Notice>(&id, "id")?;
        Ok(Notice(service::visible(&ctx.db().read, ctx.principal()?, id).await?))
    }

    /// The open alerts of the viewer's scope, newest first (one query).
    #[graphql(guard = "Authenticated")]
    async fn pinned_alerts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Notice>> {
        use sea_orm::QueryOrder;
        let rows = service::pinned(ctx.principal()?).order_by_desc(notice::Column::Id).all(&ctx.db().read).await?;
        Ok(rows.into_iter().map(Notice).collect())
    }

    /// Alerts per month and level in a region and the share of households
    /// reached within an hour: aggregates for district systems and offices
    /// (their region or one under it; default their own).
    #[graphql(guard = "Authenticated")]
    async fn alert_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region (global id); default the viewer's.")] region_id: Option<ID>,
    ) -> ApiResult<Vec<AlertStat>> {
        let p = ctx.principal()?;
        let own = match (p.role, &p.scope.region_path) {
            (DbRole::DistrictSystem | DbRole::GovernmentOffice, Some(path)) => path.clone(),
            _ => return Err(ApiError::forbidden("alert statistics are for district systems and offices")),
        };
        let path = match region_id {
            None => own,
            Some(r) => {
                let r = ids::id_of::<Region>(&r, "regionId")?;
                let reg = region::Entity::find_by_id(r).one(&ctx.db().read).await?;
                match reg {
                    Some(reg) if reg.path.starts_with(&own) => reg.path,
                    _ => return Err(ApiError::not_found("Region")),
                }
            }
        };
        let rows = service::stats(&ctx.db().read, &path).await?;
        Ok(rows
            .into_iter()
            .map(|s| AlertStat {
                month: s.month,
                level: s.level.into(),
                alerts: s.alerts,
                households: s.households,
                #[allow(clippy::cast_precision_loss)]
                reached_within_hour_share: (s.households > 0)
                    .then(|| s.reached_within_hour as f64 / s.households as f64),
            })
            .collect())
    }
}

/// Unread notices newest first, then read ones newest first: two keyset
/// queries at most per page; the cursor says which part it points into.
async fn unread_first(
    ctx: &Context<'_>,
    p: &crate::auth::Principal,
    categories: Option<Vec<DbCategory>>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Conn<Notice>> {
    use crate::graphql::connection::{TotalCount, check_size, decode_cursor, encode_cursor};
    use async_graphql::connection::{Connection, Edge};
    use sea_orm::{QueryOrder, QuerySelect, QueryTrait};
    let limit = check_size(first, "first")?.unwrap_or(20);
    let (phase_read, after_id) = match after.as_deref() {
        None => (false, None),
        Some(c) => {
            let (tag, id) = c.split_once('.').ok_or_else(|| ApiError::bad_input("after", "invalid cursor"))?;
            (tag == "r", Some(decode_cursor(id, "after")?))
        }
    };
    let part = |unread: bool| service::list(p, NoticeList { categories: categories.clone(), unread: Some(unread) });
    let all = service::list(p, NoticeList { categories: categories.clone(), unread: None });
    let mut rows: Vec<(bool, notice::Model)> = Vec::new();
    if !phase_read {
        let mut q = part(true);
        if let Some(a) = after_id {
            q = q.filter(notice::Column::Id.lt(a));
        }
        let found = q.order_by_desc(notice::Column::Id).limit(limit + 1).all(&ctx.db().read).await?;
        rows.extend(found.into_iter().map(|n| (false, n)));
    }
    let room = (limit + 1).saturating_sub(rows.len() as u64);
    if room > 0 {
        let mut q = part(false);
        if let (true, Some(a)) = (phase_read, after_id) {
            q = q.filter(notice::Column::Id.lt(a));
        }
        let found = q.order_by_desc(notice::Column::Id).limit(room).all(&ctx.db().read).await?;
        rows.extend(found.into_iter().map(|n| (true, n)));
    }
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut conn =
        Connection::with_additional_fields(after.is_some(), more, TotalCount::Query(Box::new(all.into_query())));
    conn.edges.extend(rows.into_iter().map(|(read, n)| {
        let cursor = format!("{}.{}", if read { "r" } else { "u" }, encode_cursor(n.id));
        Edge::new(cursor, Notice(n))
    }));
    Ok(Conn(conn))
}

/// The input of `publishNotice`.
#[derive(InputObject)]
pub struct PublishNoticeInput {
    /// The category; EMERGENCY makes it an alert.
    pub category: NoticeCategory,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Shown from (default now).
    pub valid_from: Option<DateTime>,
    /// Shown until.
    pub valid_until: Option<DateTime>,
    /// Target regions (global ids): the committee its community; the office its region or communities under it.
    #[graphql(default)]
    pub target_region_ids: Vec<ID>,
    /// Target buildings (global ids): the committee's community's, the office's region's, the building head's own.
    #[graphql(default)]
    pub target_building_ids: Vec<ID>,
    /// The warning level (required for EMERGENCY, refused otherwise).
    pub level: Option<AlertLevel>,
    /// What residents should do (alerts).
    pub instructions: Option<String>,
    /// Seconds without an answer before a household is flagged to its building head (default from the configuration).
    pub follow_up_seconds: Option<i32>,
}

/// The input of `editNotice`.
#[derive(InputObject)]
pub struct EditNoticeInput {
    /// The notice (global id).
    pub notice_id: ID,
    /// The new title.
    pub title: String,
    /// The new text.
    pub body: String,
    /// New instructions (alerts).
    pub instructions: Option<String>,
}

/// A notice to act on.
#[derive(InputObject)]
pub struct NoticeInput {
    /// The notice (global id).
    pub notice_id: ID,
}

/// The input of `respondToAlert`.
#[derive(InputObject)]
pub struct RespondToAlertInput {
    /// The alert (global id).
    pub notice_id: ID,
    /// SAFE or NEED_HELP.
    pub state: AlertResponseState,
    /// An optional note (what help is needed).
    pub note: Option<String>,
    /// The answer covers the whole household.
    #[graphql(default)]
    pub whole_household: bool,
}

/// The input of `recordAlertVisit` and `reportFromAlertResponse`.
#[derive(InputObject)]
pub struct AlertHouseholdInput {
    /// The alert (global id).
    pub notice_id: ID,
    /// The resident (account global id).
    pub account_id: ID,
    /// A note.
    pub note: Option<String>,
}

macro_rules! notice_payloads {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The notice after the change.
            pub notice: Notice,
        }
    )*};
}

notice_payloads! {
    /// The result of `publishNotice`.
    PublishNoticePayload;
    /// The result of `editNotice`.
    EditNoticePayload;
    /// The result of `withdrawNotice`.
    WithdrawNoticePayload;
    /// The result of `markNoticeRead`.
    MarkNoticeReadPayload;
    /// The result of `respondToAlert`.
    RespondToAlertPayload;
    /// The result of `recordAlertVisit`.
    RecordAlertVisitPayload;
    /// The result of `closeAlert`.
    CloseAlertPayload;
}

/// The result of `reportFromAlertResponse`.
#[derive(SimpleObject)]
pub struct ReportFromAlertResponsePayload {
    /// The report made.
    pub report: crate::reports::graphql::Report,
}

fn nid(id: &ID) -> ApiResult<i32> {
    ids::id_of::<Notice>(id, "noticeId")
}

#[derive(Default)]
pub struct NoticesMutation;

#[Object]
impl NoticesMutation {
    /// The committee, the office or a building head publishes a notice or an alert.
    #[graphql(guard = "Authenticated")]
    async fn publish_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: PublishNoticeInput,
    ) -> ApiResult<PublishNoticePayload> {
        let new = NewNotice {
            category: input.category.into(),
            title: input.title,
            body: input.body,
            valid_from: input.valid_from.map(|d| d.0),
            valid_until: input.valid_until.map(|d| d.0),
            region_ids: input
                .target_region_ids
                .iter()
                .map(|r| ids::id_of::<Region>(r, "targetRegionIds"))
                .collect::<ApiResult<_>>()?,
            building_ids: input
                .target_building_ids
                .iter()
                .map(|b| ids::id_of::<Building>(b, "targetBuildingIds"))
                .collect::<ApiResult<_>>()?,
            level: input.level.map(Into::into),
            instructions: input.instructions,
            follow_up_secs: input.follow_up_seconds,
        };
        Ok(PublishNoticePayload { notice: Notice(service::publish(ctx.app(), ctx.principal()?, new).await?) })
    }

    /// The publisher edits a notice within 10 minutes of publishing.
    #[graphql(guard = "Authenticated")]
    async fn edit_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: EditNoticeInput,
    ) -> ApiResult<EditNoticePayload> {
        let n = service::edit(
            ctx.app(),
            ctx.principal()?,
            nid(&input.notice_id)?,
            &input.title,
            &input.body,
            input.instructions,
        )
        .await?;
        Ok(EditNoticePayload { notice: Notice(n) })
    }

    /// The publisher withdraws a notice.
    #[graphql(guard = "Authenticated")]
    async fn withdraw_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<WithdrawNoticePayload> {
        Ok(WithdrawNoticePayload {
            notice: Notice(service::withdraw(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }

    /// The viewer marks a notice read (counted once however often it is sent).
    #[graphql(guard = "Authenticated")]
    async fn mark_notice_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<MarkNoticeReadPayload> {
        Ok(MarkNoticeReadPayload {
            notice: Notice(service::mark_read(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }

    /// A resident in scope answers an open alert (changeable until it closes).
    #[graphql(guard = "Authenticated")]
    async fn respond_to_alert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RespondToAlertInput,
    ) -> ApiResult<RespondToAlertPayload> {
        let p = ctx.principal()?;
        let id = nid(&input.notice_id)?;
        service::respond(ctx.app(), p, id, input.state.into(), input.note, input.whole_household).await?;
        Ok(RespondToAlertPayload { notice: Notice(service::visible(&ctx.db().read, p, id).await?) })
    }

    /// The building head records a door-to-door visit to a household of their building.
    #[graphql(guard = "Authenticated")]
    async fn record_alert_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AlertHouseholdInput,
    ) -> ApiResult<RecordAlertVisitPayload> {
        let p = ctx.principal()?;
        let id = nid(&input.notice_id)?;
        let resident = ids::id_of::<Account>(&input.account_id, "accountId")?;
        service::visit(ctx.app(), p, id, resident, input.note).await?;
        Ok(RecordAlertVisitPayload { notice: Notice(service::visible(&ctx.db().read, p, id).await?) })
    }

    /// The publisher closes an alert; the counts are frozen.
    #[graphql(guard = "Authenticated")]
    async fn close_alert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: NoticeInput,
    ) -> ApiResult<CloseAlertPayload> {
        Ok(CloseAlertPayload {
            notice: Notice(service::close(ctx.app(), ctx.principal()?, nid(&input.notice_id)?).await?),
        })
    }

    /// The committee turns a NEED_HELP answer into a private resident report.
    #[graphql(guard = "Authenticated")]
    async fn report_from_alert_response(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AlertHouseholdInput,
    ) -> ApiResult<ReportFromAlertResponsePayload> {
        let resident = ids::id_of::<Account>(&input.account_id, "accountId")?;
        let r = service::to_report(ctx.app(), ctx.principal()?, nid(&input.notice_id)?, resident).await?;
        Ok(ReportFromAlertResponsePayload { report: crate::reports::graphql::Report(r) })
    }
}

/// Something happened to a notice.
#[derive(SimpleObject, Clone)]
pub struct NoticeEvent {
    /// The notice (global id); fetch it with `notice(id:)`.
    pub notice_id: ID,
    /// What happened.
    pub kind: NoticeEventKind,
    /// When.
    pub at: DateTime,
}

/// A household flagged to its building head for not answering an alert in time.
#[derive(SimpleObject, Clone)]
pub struct AlertFollowUp {
    /// The alert (global id).
    pub notice_id: ID,
    /// The resident (account global id); see the alert's `roster`.
    pub account_id: ID,
    /// When.
    pub at: DateTime,
}

fn ids_of(v: &serde_json::Value, key: &str) -> Vec<i32> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_i64().and_then(|n| i32::try_from(n).ok())).collect())
        .unwrap_or_default()
}

#[derive(Default)]
pub struct NoticesSubscription;

#[Subscription]
impl NoticesSubscription {
    /// Live events of the notices the viewer may read: published, edited,
    /// withdrawn, closed; and, for those who see counts (not residents),
    /// answers and visits. Across server processes on PostgreSQL.
    #[graphql(guard = "Authenticated")]
    async fn notice_events(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = NoticeEvent>> {
        let p = ctx.principal()?.clone();
        let db = ctx.db().read.clone();
        let rx = ctx.app().events.subscribe();
        let resident = matches!(p.role, DbRole::Resident | DbRole::BuildingHead);
        let my_regions = crate::policy::path_ids(p.scope.region_path.as_deref().unwrap_or_default());
        Ok(futures_util::stream::unfold(rx, move |mut rx| {
            let (p, db, my_regions) = (p.clone(), db.clone(), my_regions.clone());
            async move {
                loop {
                    let ev = match rx.recv().await {
                        Ok(ev) if ev.topic == <Notice as NodeType>::NAME => ev,
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    };
                    let Ok(kind) =
                        serde_json::from_value::<NoticeEventKind>(serde_json::Value::String(ev.kind.clone()))
                    else {
                        continue;
                    };
                    let counts_event = matches!(kind, NoticeEventKind::Response | NoticeEventKind::Visit);
                    let wanted = match (kind, resident) {
                        (NoticeEventKind::Flagged, _) => false,
                        // Residents are matched in memory against the event's
                        // targets (no query per subscriber), and get no count events.
                        (_, true) if counts_event => {
                            p.role == DbRole::BuildingHead
                                && ev.data["extra"]["buildingId"].as_i64() == p.scope.building_id.map(i64::from)
                        }
                        (_, true) => {
                            ids_of(&ev.data, "regions").iter().any(|r| my_regions.contains(r))
                                || p.scope.building_id.is_some_and(|b| ids_of(&ev.data, "buildings").contains(&b))
                        }
                        (_, false) => notice::Entity::find()
                            .filter(policy::notices_condition(&p, true))
                            .filter(notice::Column::Id.eq(ev.id))
                            .one(&db)
                            .await
                            .ok()
                            .flatten()
                            .is_some(),
                    };
                    if wanted {
                        let out = NoticeEvent {
                            notice_id: ids::encode(<Notice as NodeType>::NAME, ev.id),
                            kind,
                            at: ev.at.into(),
                        };
                        return Some((out, rx));
                    }
                }
            }
        }))
    }

    /// For a building head: households of their building flagged for not
    /// answering an alert in time, as they are flagged.
    #[graphql(guard = "Authenticated")]
    async fn alert_follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = AlertFollowUp>> {
        let p = ctx.principal()?;
        let (DbRole::BuildingHead, Some(building)) = (p.role, p.scope.building_id) else {
            return Err(ApiError::forbidden("follow-ups are for building heads").into());
        };
        let rx = ctx.app().events.subscribe();
        let pending: Vec<AlertFollowUp> = Vec::new();
        Ok(futures_util::stream::unfold((rx, pending), move |(mut rx, mut pending)| async move {
            loop {
                if let Some(next) = pending.pop() {
                    return Some((next, (rx, pending)));
                }
                let ev = match rx.recv().await {
                    Ok(ev) if ev.topic == <Notice as NodeType>::NAME && ev.kind == "FLAGGED" => ev,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                };
                for f in ev.data["flags"].as_array().into_iter().flatten() {
                    if f["buildingId"].as_i64() == Some(i64::from(building))
                        && let Some(a) = f["accountId"].as_i64().and_then(|a| i32::try_from(a).ok())
                    {
                        pending.push(AlertFollowUp {
                            notice_id: ids::encode(<Notice as NodeType>::NAME, ev.id),
                            account_id: ids::encode(<Account as NodeType>::NAME, a),
                            at: ev.at.into(),
                        });
                    }
                }
            }
        }))
    }
}

crate::node_type!(Notice, "Notice", notice, crate::notices::policy::visible_notices);
