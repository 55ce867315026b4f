//! Project writes. Every function: one transaction, a policy check, a state
//! check, the change, a timeline row for transitions, one audit row, commit,
//! then a live event.

use chrono::{NaiveDate, Utc};
use entity::enums::{ProjectCategory, ProjectStatus, Role};
use entity::{building, organisation_community, project, project_participant, project_transition};
use sea_orm::Select;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, FromQueryResult, NotSet,
    PaginatorTrait, QueryFilter, QueryResult, QuerySelect, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::projects::graphql::Project;
use crate::projects::lifecycle;
use crate::projects::policy::{self, ProjectAction, ProjectFacts};
use crate::projects::{ProjectEventKind, Verbs};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

use ProjectStatus::*;

mod comments;
mod endorse;
mod work;

pub use comments::{add_comment, edit_comment, remove_comment};
pub use endorse::endorse;
pub(crate) use endorse::endorsed;
pub use work::{add_participant, complete_task, create_task, post_update};

/// Load a project the principal may see (else NOT_FOUND) with the facts the
/// policy needs. On PostgreSQL the row is share-locked for the transaction,
/// so that a concurrent transition waits for this one (and vice versa).
/// A project row with its community's path.
struct WithPath {
    proj: project::Model,
    community_path: String,
}

impl FromQueryResult for WithPath {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            proj: project::Model::from_query_result(res, pre)?,
            community_path: res.try_get::<Option<String>>(pre, "community_path")?.unwrap_or_default(),
        })
    }
}

pub(crate) async fn load(
    txn: &DatabaseTransaction,
    p: &Principal,
    project_id: i32,
    lock: bool,
) -> ApiResult<(project::Model, ProjectFacts)> {
    // The project and its community's path in one statement: every
    // project write starts here, and the path decides office scope.
    let mut q = policy::visible_projects(p)
        .filter(project::Column::Id.eq(project_id))
        .column_as(Expr::cust("(SELECT path FROM regions WHERE regions.id = projects.community_id)"), "community_path");
    if lock && txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_shared();
    }
    let WithPath { proj, community_path } =
        q.into_model::<WithPath>().one(txn).await?.ok_or_else(|| ApiError::not_found("Project"))?;
    let my_participation = match (p.role, p.scope.organisation_id) {
        (Role::SocialOrganization | Role::PropertyCompany, Some(o)) => project_participant::Entity::find()
            .filter(project_participant::Column::ProjectId.eq(proj.id))
            .filter(project_participant::Column::OrganisationId.eq(o))
            .all(txn)
            .await?
            .into_iter()
            .map(|pp| pp.role)
            .collect(),
        _ => Vec::new(),
    };
    let facts = ProjectFacts {
        community_id: proj.community_id,
        community_path,
        proposer_account_id: proj.proposer_account_id,
        status: proj.status,
        my_participation,
    };
    Ok((proj, facts))
}

pub(crate) fn wrong_state(action: ProjectAction, status: ProjectStatus) -> ApiError {
    use crate::lifecycle::Described;
    let message = t!(
        "lifecycle.cannot",
        action = action.words(),
        noun = t!("projects.noun"),
        state = lifecycle::status_name(status)
    );
    ApiError::bad_input("status", message)
}

/// The live event of a change to a project.
pub(crate) fn event(proj: &project::Model, kind: ProjectEventKind) -> Event {
    Event::new::<Project>(proj.id, Some(proj.community_id), kind, json!({ "status": proj.status }))
}

/// Apply `changes` only if the project is still in `status`: of two racing
/// writes that read the same state, one fails with CONFLICT instead of both
/// succeeding.
pub(super) async fn update_if_unchanged(
    txn: &DatabaseTransaction,
    id: i32,
    status: ProjectStatus,
    changes: project::ActiveModel,
) -> ApiResult<()> {
    let res = project::Entity::update_many()
        .set(changes)
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Status.eq(status))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(t!("projects.project_changed_meanwhile_reload_retry")));
    }
    Ok(())
}

/// Move a project from one of `from` to `to`, recording who, when and why.
/// The update is conditional on the state read, so two racing transitions
/// cannot both succeed.
pub(crate) async fn record_transition(
    txn: &DatabaseTransaction,
    p: &Principal,
    proj: &project::Model,
    to: ProjectStatus,
    reason: Option<String>,
    mut changes: project::ActiveModel,
) -> ApiResult<project::Model> {
    let now = Utc::now();
    changes.status = Set(to);
    changes.updated_at = Set(now);
    update_if_unchanged(txn, proj.id, proj.status, changes).await?;
    project_transition::ActiveModel {
        id: NotSet,
        project_id: Set(proj.id),
        from_status: Set(Some(proj.status)),
        to_status: Set(to),
        account_id: Set(p.account_id()),
        role: Set(p.role),
        reason: Set(reason),
        at: Set(now),
        organisation_id: Set(p.scope.organisation_id),
        endorsed: Set(false),
    }
    .insert(txn)
    .await?;
    project::Entity::find_by_id(proj.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Project"))
}

pub(super) fn check_reason(reason: Option<String>) -> ApiResult<Option<String>> {
    reason
        .filter(|r| !r.trim().is_empty())
        .map(|r| crate::input::Reason::parse("reason", &r).map(crate::input::Reason::into_inner))
        .transpose()
}

/// A plain lifecycle move, as the transition table says: the policy
/// decides who, the table from which state to which, with its audit verb and
/// event.
pub async fn transition(
    app: &AppState,
    p: &Principal,
    project_id: i32,
    action: ProjectAction,
    reason: Option<String>,
) -> ApiResult<project::Model> {
    let reason = check_reason(reason)?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, action, &facts)?;
    let step = lifecycle::check(action, proj.status)?;
    if action == ProjectAction::Complete && reason.is_none() {
        // Work left open is finished or explained, never forgotten.
        let open = entity::project_task::Entity::find()
            .filter(entity::project_task::Column::ProjectId.eq(proj.id))
            .filter(entity::project_task::Column::Status.eq(entity::enums::TaskStatus::Open))
            .count(txn)
            .await?;
        if open > 0 {
            return Err(ApiError::bad_input("reason", t!("projects.open_tasks_need_reason", n = open)));
        }
    }
    let to = step.to.unwrap_or(proj.status);
    let updated = record_transition(txn, p, &proj, to, reason, Default::default()).await?;
    if let Some(h) = status_hook(&proj, &updated) {
        uow.emit(h);
    }
    uow.commit(
        Audit::of::<Project>(step.verb, proj.id)
            .community(proj.community_id)
            .details(json!({ "from": proj.status, "to": to })),
    )
    .await?
    .publish(&app.events, event(&updated, step.event))
    .await;
    Ok(updated)
}

/// Filters of the project list.
#[derive(Default)]
pub struct ProjectList {
    pub community_id: Option<i32>,
    pub statuses: Option<Vec<ProjectStatus>>,
    /// The category.
    pub category: Option<ProjectCategory>,
    pub participating_organisation_id: Option<i32>,
    pub title_contains: Option<String>,
}

/// The projects the principal may read (see [`policy::visible_projects`]), filtered.
pub fn list(p: &Principal, f: ProjectList) -> ApiResult<Select<project::Entity>> {
    let mut q = policy::visible_projects(p);
    if let Some(c) = f.community_id {
        q = q.filter(project::Column::CommunityId.eq(c));
    }
    if let Some(statuses) = f.statuses {
        q = q.filter(project::Column::Status.is_in(statuses));
    }
    if let Some(cat) = f.category {
        q = q.filter(project::Column::Category.eq(cat));
    }
    if let Some(o) = f.participating_organisation_id {
        q = q.filter(
            project::Column::Id.in_subquery(
                Query::select()
                    .column(project_participant::Column::ProjectId)
                    .from(project_participant::Entity)
                    .and_where(project_participant::Column::OrganisationId.eq(o))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = crate::input::search_text("titleContains", f.title_contains)? {
        q = q.filter(crate::input::contains(project::Column::Title, &t));
    }
    Ok(q)
}

/// One project the principal may read, or NOT_FOUND.
pub async fn visible<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<project::Model> {
    visible_one(p, id).one(conn).await?.ok_or_else(|| ApiError::not_found("Project"))
}

/// The query of [`visible`], for a caller that reads more with it.
pub fn visible_one(p: &Principal, id: i32) -> Select<project::Entity> {
    policy::visible_projects(p).filter(project::Column::Id.eq(id))
}

/// Does the principal's organisation serve the community?
pub(crate) async fn org_serves<C: ConnectionTrait>(conn: &C, p: &Principal, community_id: i32) -> ApiResult<bool> {
    let Some(o) = p.scope.organisation_id else { return Ok(false) };
    Ok(organisation_community::Entity::find()
        .filter(organisation_community::Column::OrganisationId.eq(o))
        .filter(organisation_community::Column::CommunityId.eq(community_id))
        .count(conn)
        .await?
        > 0)
}

/// The fields a proposer fills in (and may edit until deliberation starts).
pub struct ProjectFields {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The category.
    pub category: ProjectCategory,
    pub budget_fen: i64,
    /// When the work is planned to start.
    pub planned_start: Option<NaiveDate>,
    /// When the work is planned to end.
    pub planned_end: Option<NaiveDate>,
    pub building_id: Option<i32>,
    /// Where in the community, in words.
    pub location_text: Option<String>,
}

/// Checks and normalises the fields (the building against the community).
async fn validate_fields<C: ConnectionTrait>(
    conn: &C,
    community_id: i32,
    f: ProjectFields,
) -> ApiResult<ProjectFields> {
    let title = crate::input::Title::parse("title", &f.title).map(crate::input::Title::into_inner)?;
    let description = f.description.trim().to_owned();
    if description.chars().count() > 5000 {
        return Err(ApiError::bad_input("description", t!("projects.must_most_5000_characters")));
    }
    if f.budget_fen < 0 {
        return Err(ApiError::bad_input("budgetFen", t!("projects.must_not_negative")));
    }
    if let (Some(s), Some(e)) = (f.planned_start, f.planned_end)
        && e < s
    {
        return Err(ApiError::bad_input("plannedEnd", t!("projects.must_not_before_plannedstart")));
    }
    let location_text = f
        .location_text
        .filter(|l| !l.trim().is_empty())
        .map(|l| crate::input::Place::parse("locationText", &l).map(crate::input::Place::into_inner))
        .transpose()?;
    if let Some(b) = f.building_id {
        match building::Entity::find_by_id(b).one(conn).await? {
            Some(b) if b.community_id == community_id => {}
            _ => return Err(ApiError::bad_input("buildingId", t!("projects.not_building_community"))),
        }
    }
    Ok(ProjectFields { title, description, location_text, ..f })
}

/// Create a draft in `community_id` (default: the principal's community).
pub async fn create(
    app: &AppState,
    p: &Principal,
    community_id: Option<i32>,
    fields: ProjectFields,
) -> ApiResult<project::Model> {
    let community_id = community_id
        .or(p.scope.community_id)
        .ok_or_else(|| ApiError::bad_input("communityId", t!("projects.required")))?;
    let account_id = p.account_id().ok_or_else(|| ApiError::forbidden(t!("projects.people_propose_projects")))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let serves = org_serves(txn, p, community_id).await?;
    policy::may_propose_in(p, community_id, serves)?;
    crate::directory::service::community(txn, community_id, "communityId").await?;
    let f = validate_fields(txn, community_id, fields).await?;
    let now = Utc::now();
    let created = project::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        title: Set(f.title),
        description: Set(f.description),
        category: Set(f.category),
        status: Set(Draft),
        proposer_account_id: Set(account_id),
        budget_fen: Set(f.budget_fen),
        planned_start: Set(f.planned_start),
        planned_end: Set(f.planned_end),
        building_id: Set(f.building_id),
        location_text: Set(f.location_text),
        voting_opened_at: Set(None),
        voting_closes_at: Set(None),
        voting_closed_at: Set(None),
        voting_live_tally: Set(None),
        tally_yes: Set(None),
        tally_no: Set(None),
        tally_abstain: Set(None),
        tally_eligible: Set(None),
        outcome: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    project_transition::ActiveModel {
        id: NotSet,
        project_id: Set(created.id),
        from_status: Set(None),
        to_status: Set(Draft),
        account_id: Set(Some(account_id)),
        role: Set(p.role),
        reason: Set(None),
        at: Set(now),
        organisation_id: Set(p.scope.organisation_id),
        endorsed: Set(false),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<Project>(Verbs::ProjectCreate, created.id).community(Some(community_id))).await?;
    Ok(created)
}

/// The proposer edits a project until deliberation starts (DRAFT, PROPOSED).
pub async fn edit(app: &AppState, p: &Principal, project_id: i32, fields: ProjectFields) -> ApiResult<project::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (proj, facts) = load(txn, p, project_id, true).await?;
    policy::authorize_project(p, ProjectAction::Edit, &facts)?;
    let step = lifecycle::check(ProjectAction::Edit, proj.status)?;
    let f = validate_fields(txn, proj.community_id, fields).await?;
    let changes = project::ActiveModel {
        title: Set(f.title),
        description: Set(f.description),
        category: Set(f.category),
        budget_fen: Set(f.budget_fen),
        planned_start: Set(f.planned_start),
        planned_end: Set(f.planned_end),
        building_id: Set(f.building_id),
        location_text: Set(f.location_text),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    update_if_unchanged(txn, proj.id, proj.status, changes).await?;
    let updated = visible(txn, p, proj.id).await?;
    uow.commit(Audit::of::<Project>(step.verb, proj.id).community(proj.community_id))
        .await?
        .publish(&app.events, event(&updated, step.event))
        .await;
    Ok(updated)
}

/// `project.status_changed`, when a step moved the project to another status.
pub(crate) fn status_hook(before: &project::Model, after: &project::Model) -> Option<Hook> {
    (before.status != after.status).then(|| {
        Hook::of::<Project>(EventType::ProjectStatusChanged, after.id)
            .community(after.community_id)
            .with("status", serde_json::to_value(after.status).unwrap_or_default())
            .with("previousStatus", serde_json::to_value(before.status).unwrap_or_default())
    })
}
