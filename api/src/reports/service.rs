//! Report writes and list queries. Every write: one transaction, the report
//! loaded through `visible_reports` (NOT_FOUND otherwise), the policy, the
//! transition table, a conditional update (two racing steps cannot both
//! apply), a timeline event, one audit row, commit, then a live event.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{PhotoKind, ReportEventKind, ReportStatus, Role};
use entity::{membership, organisation_community, region, report, report_category, report_event, report_photo};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    NotSet, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use serde_json::json;

use super::graphql::Report;
use super::photos::{self, Processed};
use super::policy::{self, DISPUTE, ReportAction, ReportFacts};
use super::{Verbs, lifecycle};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::input::{Body, Name, Place, Reason};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// The category of `code` for a community: the community's own, else the
/// platform default.
pub async fn category<C: ConnectionTrait>(
    conn: &C,
    community_id: i32,
    code: &str,
) -> ApiResult<report_category::Model> {
    let rows = report_category::Entity::find()
        .filter(report_category::Column::Code.eq(code))
        .filter(
            Condition::any()
                .add(report_category::Column::CommunityId.eq(community_id))
                .add(report_category::Column::CommunityId.is_null()),
        )
        .all(conn)
        .await?;
    let own = rows.iter().find(|c| c.community_id.is_some()).or_else(|| rows.first());
    own.cloned().ok_or_else(|| ApiError::bad_input("categoryCode", format!("no category {code} in this community")))
}

/// The categories of a community: its own and the defaults it does not override.
pub async fn categories<C: ConnectionTrait>(conn: &C, community_id: i32) -> ApiResult<Vec<report_category::Model>> {
    let rows = report_category::Entity::find()
        .filter(
            Condition::any()
                .add(report_category::Column::CommunityId.eq(community_id))
                .add(report_category::Column::CommunityId.is_null()),
        )
        .order_by_asc(report_category::Column::Id)
        .all(conn)
        .await?;
    let own: Vec<String> = rows.iter().filter(|c| c.community_id.is_some()).map(|c| c.code.clone()).collect();
    Ok(rows.into_iter().filter(|c| c.community_id.is_some() || !own.contains(&c.code)).collect())
}

/// The committee sets a category of its community (a new one, or its own
/// version of a default): name, default handling organisation (one serving
/// the community), target resolution time.
pub async fn set_category(
    app: &AppState,
    p: &Principal,
    community_id: i32,
    code: &str,
    name: &str,
    default_organisation_id: Option<i32>,
    target_hours: i32,
) -> ApiResult<report_category::Model> {
    policy::may_manage_categories(p, community_id)?;
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    {
        return Err(ApiError::bad_input("code", "1 to 32 letters, digits or '_'"));
    }
    let name = Name::parse("name", name)?.into_inner();
    if !(1..=24 * 365).contains(&target_hours) {
        return Err(ApiError::bad_input("targetHours", "between 1 and 8760 hours"));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    if let Some(org) = default_organisation_id {
        ensure_serves(txn, org, community_id, "defaultOrganisationId").await?;
    }
    let existing = report_category::Entity::find()
        .filter(report_category::Column::CommunityId.eq(community_id))
        .filter(report_category::Column::Code.eq(code.as_str()))
        .one(txn)
        .await?;
    let target_secs = i64::from(target_hours) * 3600;
    let saved = match existing {
        Some(c) => {
            let mut a: report_category::ActiveModel = c.into();
            a.name = Set(name);
            a.default_organisation_id = Set(default_organisation_id);
            a.target_secs = Set(target_secs);
            a.update(txn).await?
        }
        None => {
            report_category::ActiveModel {
                id: NotSet,
                community_id: Set(Some(community_id)),
                code: Set(code.clone()),
                name: Set(name),
                default_organisation_id: Set(default_organisation_id),
                target_secs: Set(target_secs),
                created_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?
        }
    };
    uow.commit(
        Audit::of::<crate::directory::graphql::Region>(Verbs::CategorySet, community_id)
            .community(community_id)
            .details(
                json!({ "code": code, "targetHours": target_hours, "defaultOrganisationId": default_organisation_id }),
            ),
    )
    .await?;
    Ok(saved)
}

/// BAD_USER_INPUT on `field` unless the organisation serves or manages the community.
async fn ensure_serves<C: ConnectionTrait>(conn: &C, org: i32, community_id: i32, field: &str) -> ApiResult<()> {
    let serves = organisation_community::Entity::find()
        .filter(organisation_community::Column::OrganisationId.eq(org))
        .filter(organisation_community::Column::CommunityId.eq(community_id))
        .one(conn)
        .await?
        .is_some();
    if serves { Ok(()) } else { Err(ApiError::bad_input(field, "the organisation does not serve this community")) }
}

/// What a resident (or a building head for them) fills in.
pub struct NewReport {
    pub category_code: String,
    pub description: String,
    pub building_id: Option<i32>,
    pub location_text: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub is_public: bool,
    pub is_anonymous: bool,
    /// A resident of the building head's building the report is filed for.
    pub on_behalf_of: Option<i32>,
    /// Raw uploaded files.
    pub photos: Vec<Vec<u8>>,
}

/// WGS-84 coordinates, both or neither, in range.
fn coordinates(lat: Option<f64>, lon: Option<f64>) -> ApiResult<(Option<f64>, Option<f64>)> {
    match (lat, lon) {
        (None, None) => Ok((None, None)),
        (Some(la), Some(lo)) => {
            if !(la.is_finite() && (-90.0..=90.0).contains(&la)) {
                return Err(ApiError::bad_input("latitude", "must be between -90 and 90 (WGS-84 degrees)"));
            }
            if !(lo.is_finite() && (-180.0..=180.0).contains(&lo)) {
                return Err(ApiError::bad_input("longitude", "must be between -180 and 180 (WGS-84 degrees)"));
            }
            Ok((Some(la), Some(lo)))
        }
        _ => Err(ApiError::bad_input("latitude", "give both latitude and longitude, or neither")),
    }
}

/// A timeline step: what, from which status to which, with what note.
struct Step {
    kind: ReportEventKind,
    from: Option<ReportStatus>,
    to: Option<ReportStatus>,
    note: Option<String>,
}

async fn insert_event(
    txn: &DatabaseTransaction,
    p: Option<&Principal>,
    report_id: i32,
    step: Step,
    at: DateTime<Utc>,
) -> ApiResult<report_event::Model> {
    Ok(report_event::ActiveModel {
        id: NotSet,
        report_id: Set(report_id),
        kind: Set(step.kind),
        from_status: Set(step.from),
        to_status: Set(step.to),
        account_id: Set(p.and_then(Principal::account_id)),
        role: Set(p.map(|p| p.role)),
        organisation_id: Set(p.and_then(|p| p.scope.organisation_id)),
        note: Set(step.note),
        at: Set(at),
    }
    .insert(txn)
    .await?)
}

async fn insert_photos(
    txn: &DatabaseTransaction,
    report_id: i32,
    kind: PhotoKind,
    saved: Vec<(String, Processed)>,
) -> ApiResult<()> {
    for (key, p) in saved {
        report_photo::ActiveModel {
            id: NotSet,
            report_id: Set(report_id),
            kind: Set(kind),
            storage_key: Set(key),
            content_type: Set("image/jpeg".into()),
            bytes: Set(i64::try_from(p.jpeg.len()).unwrap_or(i64::MAX)),
            width: Set(i32::try_from(p.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(p.height).unwrap_or(i32::MAX)),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The live event of a change to a report.
pub(crate) fn event(r: &report::Model, kind: ReportEventKind) -> Event {
    Event::new::<Report>(
        r.id,
        Some(r.community_id),
        kind,
        json!({ "status": r.status, "assignedOrganisationId": r.assigned_organisation_id }),
    )
}

/// A resident files a report (or a building head files one for a resident
/// of their building). With a category that has a default organisation it
/// is accepted and assigned to it at once (recorded as the server's steps).
pub async fn submit(app: &AppState, p: &Principal, input: NewReport) -> ApiResult<report::Model> {
    let community_id = p.scope.community_id.ok_or_else(|| ApiError::forbidden("only residents file reports"))?;
    policy::may_report(p, community_id)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden("people only"))?;
    let description = Body::parse("description", &input.description)?.into_inner();
    let location_text = Place::parse_opt("locationText", input.location_text.as_deref())?.map(Place::into_inner);
    let (latitude, longitude) = coordinates(input.latitude, input.longitude)?;
    let reporter = match input.on_behalf_of {
        None => me,
        Some(resident) => {
            let (Role::BuildingHead, Some(b)) = (p.role, p.scope.building_id) else {
                return Err(ApiError::forbidden("only a building head files reports for other residents"));
            };
            let lives_here = membership::Entity::find()
                .filter(membership::Column::AccountId.eq(resident))
                .filter(membership::Column::BuildingId.eq(b))
                .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
                .one(&app.db.read)
                .await?
                .is_some();
            if !lives_here {
                return Err(ApiError::bad_input("onBehalfOfAccountId", "not a resident of your building"));
            }
            resident
        }
    };
    let building_id = input.building_id.or(p.scope.building_id);
    if input.photos.len() > photos::MAX_PHOTOS {
        return Err(ApiError::bad_input("photos", format!("at most {} photos", photos::MAX_PHOTOS)));
    }
    let cat = category(&app.db.read, community_id, input.category_code.trim()).await?;
    if let Some(b) = building_id {
        let ok = entity::building::Entity::find_by_id(b)
            .one(&app.db.read)
            .await?
            .is_some_and(|b| b.community_id == community_id);
        if !ok {
            return Err(ApiError::bad_input("buildingId", "no such building in your community"));
        }
    }
    let saved = photos::save_all(&app.config, "photos", input.photos).await?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let now = Utc::now();
    let auto = cat.default_organisation_id;
    let r = report::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        building_id: Set(building_id),
        category_id: Set(cat.id),
        category_code: Set(cat.code.clone()),
        reporter_account_id: Set(reporter),
        filed_by_account_id: Set(me),
        description: Set(description),
        location_text: Set(location_text),
        latitude: Set(latitude),
        longitude: Set(longitude),
        is_public: Set(input.is_public && cat.code != DISPUTE),
        is_anonymous: Set(input.is_anonymous),
        status: Set(if auto.is_some() { ReportStatus::Assigned } else { ReportStatus::Submitted }),
        assigned_organisation_id: Set(auto),
        due_at: Set(now + Duration::seconds(cat.target_secs)),
        first_response_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        escalated_at: Set(None),
        resolution_note: Set(None),
        mediation_outcome: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let filed = Step { kind: ReportEventKind::Submitted, from: None, to: Some(ReportStatus::Submitted), note: None };
    insert_event(txn, Some(p), r.id, filed, now).await?;
    if auto.is_some() {
        use ReportStatus::*;
        let why = Some("the category's default organisation".to_owned());
        let accepted =
            Step { kind: ReportEventKind::Accepted, from: Some(Submitted), to: Some(Accepted), note: why.clone() };
        insert_event(txn, None, r.id, accepted, now).await?;
        let assigned = Step { kind: ReportEventKind::Assigned, from: Some(Accepted), to: Some(Assigned), note: why };
        insert_event(txn, None, r.id, assigned, now).await?;
    }
    insert_photos(txn, r.id, PhotoKind::Report, saved).await?;
    uow.commit(
        Audit::of::<Report>(Verbs::ReportSubmit, r.id)
            .community(community_id)
            .details(json!({ "category": cat.code, "autoAssigned": auto.is_some() })),
    )
    .await?
    .publish(&app.events, event(&r, ReportEventKind::Submitted))
    .await;
    Ok(r)
}

/// A report the principal may see (else NOT_FOUND), with its community's path.
pub async fn load<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<(report::Model, String)> {
    let r = policy::visible_reports(p)
        .filter(report::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("Report"))?;
    let path = region::Entity::find_by_id(r.community_id).one(conn).await?.map(|c| c.path).unwrap_or_default();
    Ok((r, path))
}

/// What a step may carry.
#[derive(Default)]
pub struct StepInput {
    /// Reason, resolution note, mediation outcome or note.
    pub note: Option<String>,
    /// The organisation to assign.
    pub organisation_id: Option<i32>,
    /// Resolution photos (raw uploads).
    pub photos: Vec<Vec<u8>>,
    /// Stars (1–5) and comment of a rating.
    pub rating: Option<(i32, Option<String>)>,
}

/// Steps by the handling side count as the first response.
fn is_response(action: ReportAction) -> bool {
    use ReportAction::*;
    matches!(action, Accept | Reject | Assign | Start | Resolve | Mediate | Note)
}

/// Any step of the table (see [`lifecycle::LIFECYCLE`]).
pub async fn step(
    app: &AppState,
    p: &Principal,
    id: i32,
    action: ReportAction,
    input: StepInput,
) -> ApiResult<report::Model> {
    use ReportAction::*;
    let note = match action {
        Reject | Resolve | Mediate | Note => {
            let field = match action {
                Reject => "reason",
                Resolve => "note",
                Mediate => "outcome",
                _ => "note",
            };
            Some(Reason::parse(field, input.note.as_deref().unwrap_or_default())?.into_inner())
        }
        _ => Reason::parse_opt("note", input.note.as_deref())?.map(Reason::into_inner),
    };
    let rating = match (action, input.rating) {
        (Rate, Some((stars, comment))) => {
            if !(1..=5).contains(&stars) {
                return Err(ApiError::bad_input("stars", "between 1 and 5"));
            }
            Some((stars, crate::input::Remark::parse_opt("comment", comment.as_deref())?.map(|c| c.into_inner())))
        }
        (Rate, None) => return Err(ApiError::bad_input("stars", "required")),
        _ => None,
    };
    if action == Assign && input.organisation_id.is_none() {
        return Err(ApiError::bad_input("organisationId", "required"));
    }
    if input.photos.len() > photos::MAX_PHOTOS {
        return Err(ApiError::bad_input("photos", format!("at most {} photos", photos::MAX_PHOTOS)));
    }
    // Authorise before storing any file.
    {
        let (r, path) = load(&app.db.read, p, id).await?;
        policy::authorize(p, action, &ReportFacts { report: &r, community_path: path })?;
    }
    let saved =
        if action == Resolve { photos::save_all(&app.config, "photos", input.photos).await? } else { Vec::new() };
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (r, path) = load(txn, p, id).await?;
    policy::authorize(p, action, &ReportFacts { report: &r, community_path: path })?;
    let mv = lifecycle::check(action, r.status)?;
    let now = Utc::now();
    let mut changes = report::ActiveModel { updated_at: Set(now), ..Default::default() };
    if let Some(to) = mv.to {
        changes.status = Set(to);
    }
    let mut kind = mv.event;
    let mut only_if = Condition::all().add(report::Column::Id.eq(r.id)).add(report::Column::Status.eq(r.status));
    match action {
        Assign => {
            let org = input.organisation_id.unwrap_or_default();
            ensure_serves(txn, org, r.community_id, "organisationId").await?;
            if r.assigned_organisation_id.is_some() {
                kind = ReportEventKind::Reassigned;
            }
            changes.assigned_organisation_id = Set(Some(org));
        }
        Resolve => {
            changes.resolved_at = Set(Some(now));
            changes.resolution_note = Set(note.clone());
        }
        Confirm => changes.closed_at = Set(Some(now)),
        Reopen => {
            let window = Duration::hours(i64::try_from(app.config.report_confirm_hours).unwrap_or(i64::MAX / 7200));
            if r.resolved_at.is_none_or(|at| now > at + window) {
                return Err(ApiError::bad_input("status", "the confirmation period is over"));
            }
            changes.resolved_at = Set(None);
        }
        Mediate => changes.mediation_outcome = Set(note.clone()),
        Escalate => {
            if r.escalated_at.is_some() {
                return Err(ApiError::bad_input("status", "the report is already escalated"));
            }
            changes.escalated_at = Set(Some(now));
            only_if = only_if.add(report::Column::EscalatedAt.is_null());
        }
        Rate => {
            if r.rating.is_some() {
                return Err(ApiError::bad_input("stars", "the report is already rated"));
            }
            let (stars, comment) = rating.clone().unwrap_or_default();
            changes.rating = Set(Some(stars));
            changes.rating_comment = Set(comment);
            changes.rated_at = Set(Some(now));
            only_if = only_if.add(report::Column::Rating.is_null());
        }
        _ => {}
    }
    if is_response(action) && r.first_response_at.is_none() && p.account_id() != Some(r.reporter_account_id) {
        changes.first_response_at = Set(Some(now));
    }
    let res = report::Entity::update_many().set(changes).filter(only_if).exec(txn).await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict("the report changed meanwhile; reload and retry"));
    }
    let event_note = match action {
        Rate => rating.as_ref().map(|(s, _)| format!("{s}/5")),
        _ => note,
    };
    insert_event(txn, Some(p), r.id, Step { kind, from: Some(r.status), to: mv.to, note: event_note }, now).await?;
    insert_photos(txn, r.id, PhotoKind::Resolution, saved).await?;
    let after = report::Entity::find_by_id(r.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Report"))?;
    let mut audit = Audit::of::<Report>(mv.verb, r.id).community(r.community_id);
    if let Some(org) = input.organisation_id {
        audit = audit.details(json!({ "organisationId": org }));
    }
    uow.commit(audit).await?.publish(&app.events, event(&after, kind)).await;
    Ok(after)
}

/// Filters of the `reports` list.
#[derive(Default)]
pub struct ReportList {
    pub community_id: Option<i32>,
    pub building_id: Option<i32>,
    pub statuses: Option<Vec<ReportStatus>>,
    pub category_code: Option<String>,
    pub assigned_organisation_id: Option<i32>,
    pub overdue: Option<bool>,
    pub escalated: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub mine: bool,
}

/// The condition "open and past its due time".
pub fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all().add(report::Column::Status.is_in(lifecycle::OPEN_STATES)).add(report::Column::DueAt.lt(now))
}

/// The reports list: the visible reports, filtered in SQL.
pub fn list(p: &Principal, f: ReportList) -> Select<report::Entity> {
    use report::Column as R;
    let mut q = policy::visible_reports(p);
    if let Some(c) = f.community_id {
        q = q.filter(R::CommunityId.eq(c));
    }
    if let Some(b) = f.building_id {
        q = q.filter(R::BuildingId.eq(b));
    }
    if let Some(st) = f.statuses {
        q = q.filter(R::Status.is_in(st));
    }
    if let Some(code) = f.category_code {
        q = q.filter(R::CategoryCode.eq(code));
    }
    if let Some(o) = f.assigned_organisation_id {
        q = q.filter(R::AssignedOrganisationId.eq(o));
    }
    match f.overdue {
        Some(true) => q = q.filter(overdue_condition(Utc::now())),
        Some(false) => q = q.filter(overdue_condition(Utc::now()).not()),
        None => {}
    }
    match f.escalated {
        Some(true) => q = q.filter(R::EscalatedAt.is_not_null()),
        Some(false) => q = q.filter(R::EscalatedAt.is_null()),
        None => {}
    }
    if let Some(from) = f.created_from {
        q = q.filter(R::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(R::CreatedAt.lt(to));
    }
    if f.mine {
        let me = p.account_id().unwrap_or_default();
        q = q.filter(Condition::any().add(R::ReporterAccountId.eq(me)).add(R::FiledByAccountId.eq(me)));
    }
    q
}

#[derive(FromQueryResult)]
pub struct StatusCount {
    pub status: ReportStatus,
    pub n: i64,
}

/// Counts of the visible reports by status (optionally of one organisation's queue).
pub async fn counts<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    organisation_id: Option<i32>,
) -> ApiResult<Vec<StatusCount>> {
    let mut q = policy::visible_reports(p)
        .select_only()
        .column(report::Column::Status)
        .expr_as(Func::count(Expr::col(report::Column::Id)), "n")
        .group_by(report::Column::Status);
    if let Some(o) = organisation_id {
        q = q.filter(report::Column::AssignedOrganisationId.eq(o));
    }
    Ok(q.into_model::<StatusCount>().all(conn).await?)
}

/// File a private report for a resident inside another domain's write (the
/// committee turning an alert's NEED_HELP answer into a report): category
/// OTHER of the community, SUBMITTED, the step recorded as the caller's.
/// The caller's unit of work writes the audit row and commits.
pub async fn file_for_resident(
    txn: &DatabaseTransaction,
    p: &Principal,
    community_id: i32,
    building_id: Option<i32>,
    reporter_account_id: i32,
    description: &str,
) -> ApiResult<report::Model> {
    let description = Body::parse("description", description)?.into_inner();
    let cat = category(txn, community_id, "OTHER").await?;
    let now = Utc::now();
    let r = report::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        building_id: Set(building_id),
        category_id: Set(cat.id),
        category_code: Set(cat.code.clone()),
        reporter_account_id: Set(reporter_account_id),
        filed_by_account_id: Set(p.account_id().unwrap_or(reporter_account_id)),
        description: Set(description),
        location_text: Set(None),
        latitude: Set(None),
        longitude: Set(None),
        is_public: Set(false),
        is_anonymous: Set(false),
        status: Set(ReportStatus::Submitted),
        assigned_organisation_id: Set(None),
        due_at: Set(now + Duration::seconds(cat.target_secs)),
        first_response_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        escalated_at: Set(None),
        resolution_note: Set(None),
        mediation_outcome: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let filed = Step { kind: ReportEventKind::Submitted, from: None, to: Some(ReportStatus::Submitted), note: None };
    insert_event(txn, Some(p), r.id, filed, now).await?;
    Ok(r)
}
