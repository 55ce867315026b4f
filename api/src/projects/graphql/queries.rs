//! Project lists, council meeting lists, settings, and live project events.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use entity::{council_meeting, project};
use futures_util::Stream;

use crate::directory::graphql::{Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::node::NodeType;
use crate::projects::{council, service, voting};

use super::council::CouncilMeeting;
use super::types::{Project, ProjectCategory, ProjectOrder, ProjectStatus, pid};
use super::voting::CommunitySettings;

/// Filters of the `projects` list.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// The community (global id).
    pub community_id: Option<ID>,
    /// The current status.
    pub status: Option<Vec<ProjectStatus>>,
    /// The category.
    pub category: Option<ProjectCategory>,
    /// Only projects this organisation participates in.
    pub participating_organisation_id: Option<ID>,
    /// Text contained in the title.
    pub title_contains: Option<String>,
}

#[derive(Default)]
pub struct ProjectsQuery;

#[Object]
impl ProjectsQuery {
    /// Projects the viewer may read: its community (residents, committee),
    /// its region (offices), communities it serves or projects it takes part
    /// in (organisations). Drafts only for their proposer.
    #[graphql(
        visible = "super::shown::read_projects",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which projects (all the viewer may read by default).")] filter: Option<ProjectFilter>,
        #[graphql(default, desc = "The order (newest first by default).")] order_by: ProjectOrder,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Project>> {
        let f = filter.unwrap_or_default();
        let list = service::ProjectList {
            community_id: f.community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?,
            statuses: f.status.map(|st| st.into_iter().map(Into::into).collect()),
            category: f.category.map(Into::into),
            participating_organisation_id: f
                .participating_organisation_id
                .as_ref()
                .map(|o| ids::id_of::<Organisation>(o, "participatingOrganisationId"))
                .transpose()?,
            title_contains: f.title_contains,
        };
        let q = service::list(ctx.principal()?, list)?;
        let desc = order_by == ProjectOrder::NewestFirst;
        paginate_ordered(ctx, q, project::Column::Id, PageArgs::new(after, before, first, last), desc, Project).await
    }

    /// Council meetings of a community, newest first.
    #[graphql(
        visible = "super::shown::read_meetings",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    async fn council_meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: ID,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<CouncilMeeting>> {
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        let q = council::meetings(&ctx.db().read, ctx.principal()?, c).await?;
        paginate_ordered(
            ctx,
            q,
            council_meeting::Column::Id,
            PageArgs::new(after, before, first, last),
            true,
            CouncilMeeting,
        )
        .await
    }

    /// The current members of a community's residents' council (议事代表),
    /// for those who may read its meetings.
    #[graphql(visible = "super::shown::read_meetings", guard = "Authenticated")]
    async fn council_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: ID,
    ) -> ApiResult<Vec<super::council::CouncilMember>> {
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        let rows = council::members::list(ctx.app(), ctx.principal()?, c).await?;
        Ok(rows.into_iter().map(super::council::CouncilMember).collect())
    }

    /// One project by id, for a detail screen; NOT_FOUND when it does not
    /// exist or the viewer may not read it.
    #[graphql(visible = "super::shown::read_projects", guard = "Authenticated")]
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (global id).")] id: ID,
    ) -> ApiResult<Project> {
        super::types::project_by_id(ctx, pid(&id)?).await
    }

    /// Deliberation rules of a community.
    #[graphql(visible = "super::shown::read_projects", guard = "Authenticated")]
    async fn community_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id).")] community_id: ID,
    ) -> ApiResult<CommunitySettings> {
        ctx.principal()?;
        let c = ids::id_of::<Region>(&community_id, "communityId")?;
        crate::directory::service::community(&ctx.db().read, c, "communityId").await?;
        Ok(voting::settings(&ctx.db().read, c).await?.into())
    }
}

/// Something happened to a project.
#[derive(SimpleObject)]
pub struct ProjectEvent {
    /// The project.
    pub project_id: ID,
    /// What happened.
    pub kind: crate::projects::ProjectEventKind,
    /// The project's status now.
    pub status: ProjectStatus,
    /// When it happened.
    pub at: DateTime,
}

#[derive(Default)]
pub struct ProjectsSubscription;

#[Subscription]
impl ProjectsSubscription {
    /// Live events of one project: transitions, updates, comments, tasks,
    /// participants, evaluations, and tally changes (where tallies are
    /// live). Authorised like reading the project; NOT_FOUND otherwise.
    #[graphql(visible = "super::shown::read_projects", guard = "Authenticated")]
    async fn project_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (global id).")] project_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = ProjectEvent>> {
        let p = ctx.principal()?.clone();
        let id = pid(&project_id)?;
        let db = ctx.db().read.clone();
        service::visible(&db, &p, id).await?;
        let rx = ctx.app().events.subscribe();
        Ok(futures_util::stream::unfold(rx, move |mut rx| {
            let (p, db) = (p.clone(), db.clone());
            async move {
                loop {
                    match rx.recv().await {
                        Ok(ev) if ev.is_about::<Project>(id) => {
                            // Re-checked per event: the project may have left the
                            // subscriber's view since it subscribed. Then the
                            // subscription ends, as if the project were gone.
                            let proj = match service::visible(&db, &p, id).await {
                                Ok(proj) => proj,
                                Err(ApiError::Unavailable(_)) => continue,
                                Err(_) => return None,
                            };
                            let Ok(kind) = serde_json::from_value(serde_json::Value::String(ev.kind)) else {
                                continue;
                            };
                            let out = ProjectEvent {
                                project_id: Project(proj.clone()).global_id(),
                                kind,
                                status: proj.status.into(),
                                at: ev.at.into(),
                            };
                            return Some((out, rx));
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        }))
    }
}
