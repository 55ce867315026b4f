//! Report writes and reads, by part: filing (here), the steps of its
//! lifecycle (`steps`), lists and counts (`lists`) and categories
//! ([`categories`]). Every write: one transaction, the report loaded
//! through `visible_reports` (NOT_FOUND otherwise), the policy, the
//! transition table, a conditional update (two racing steps cannot both
//! apply), a timeline event, one audit row, commit, then a live event.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{PhotoKind, ReportEventKind, ReportStatus, Role};
use entity::{membership, region, report, report_event, report_photo};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::input::{Body, Place};
use crate::reports::Verbs;
use crate::reports::graphql::Report;
use crate::reports::photos::{self, Processed};
use crate::reports::policy::{self, DISPUTE};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

mod categories;
mod lists;
mod mediation;
mod steps;

pub use categories::*;
pub use lists::*;
pub use mediation::*;
pub use steps::*;

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
                return Err(ApiError::bad_input("latitude", t!("reports.must_between_90_90_wgs")));
            }
            if !(lo.is_finite() && (-180.0..=180.0).contains(&lo)) {
                return Err(ApiError::bad_input("longitude", t!("reports.must_between_180_180_wgs")));
            }
            Ok((Some(la), Some(lo)))
        }
        _ => Err(ApiError::bad_input("latitude", t!("reports.give_both_latitude_longitude_neither"))),
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
    let community_id = p.scope.community_id.ok_or_else(|| ApiError::forbidden(t!("reports.residents_file_reports")))?;
    policy::may_report(p, community_id)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("reports.people")))?;
    let description = Body::parse("description", &input.description)?.into_inner();
    let location_text = Place::parse_opt("locationText", input.location_text.as_deref())?.map(Place::into_inner);
    let (latitude, longitude) = coordinates(input.latitude, input.longitude)?;
    let reporter = match input.on_behalf_of {
        None => me,
        Some(resident) => {
            let (Role::BuildingHead, Some(b)) = (p.role, p.scope.building_id) else {
                return Err(ApiError::forbidden(t!("reports.building_head_files_reports_other")));
            };
            let lives_here = membership::Entity::find()
                .filter(membership::Column::AccountId.eq(resident))
                .filter(membership::Column::BuildingId.eq(b))
                .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
                .one(&app.db.read)
                .await?
                .is_some();
            if !lives_here {
                return Err(ApiError::bad_input("onBehalfOfAccountId", t!("reports.not_resident_your_building")));
            }
            resident
        }
    };
    let building_id = input.building_id.or(p.scope.building_id);
    if input.photos.len() > photos::MAX_PHOTOS {
        return Err(ApiError::bad_input("photos", t!("reports.too_many_photos", max = photos::MAX_PHOTOS)));
    }
    let cat = category(&app.db.read, community_id, input.category_code.trim()).await?;
    if let Some(b) = building_id {
        let ok = entity::building::Entity::find_by_id(b)
            .one(&app.db.read)
            .await?
            .is_some_and(|b| b.community_id == community_id);
        if !ok {
            return Err(ApiError::bad_input("buildingId", t!("reports.no_such_building_your_community")));
        }
    }
    let saved = photos::save_all(&app.config, "photos", input.photos).await?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
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
        ..Default::default()
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
    let after = if auto.is_some() {
        report::Entity::find_by_id(r.id).one(txn).await?.unwrap_or_else(|| r.clone())
    } else {
        r.clone()
    };
    if let Some(h) = hook(None, &after) {
        uow.emit(h);
    }
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
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let filed = Step { kind: ReportEventKind::Submitted, from: None, to: Some(ReportStatus::Submitted), note: None };
    insert_event(txn, Some(p), r.id, filed, now).await?;
    Ok(r)
}

/// The webhook event of a report's step, if it has one: filed, moved to
/// another status, rated. Non-personal: the reporter never appears (an
/// anonymous report's event is like any other).
pub(crate) fn hook(before: Option<&report::Model>, after: &report::Model) -> Option<Hook> {
    let status = |s: ReportStatus| serde_json::to_value(s).unwrap_or_default();
    let h =
        |t| Hook::of::<Report>(t, after.id).community(after.community_id).organisation(after.assigned_organisation_id);
    match before {
        None => Some(
            h(EventType::ReportCreated)
                .with("status", status(after.status))
                .with("category", after.category_code.clone())
                .with("anonymous", after.is_anonymous),
        ),
        Some(b) if b.rating.is_none() && after.rating.is_some() => {
            Some(h(EventType::ReportRated).with("rating", after.rating))
        }
        Some(b) if b.status != after.status => Some(
            h(EventType::ReportStatusChanged)
                .with("status", status(after.status))
                .with("previousStatus", status(b.status)),
        ),
        Some(_) => None,
    }
}
