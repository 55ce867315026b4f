//! The household register: flats of a building, their residents and
//! contact, vulnerability flags (with the person's consent noted) and
//! routine visits by the building head or the committee.

use chrono::{Duration, NaiveDate, Utc};
use entity::enums::{Role, Vulnerability};
use entity::{building, household, household_flag, household_visit, membership};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Select, Set};
use serde_json::json;

use super::super::Verbs;
use super::super::graphql::{Household, HouseholdFlag, HouseholdVisit};
use super::super::policy::{self, ResidencyPermission, cares_for};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Unique, map_unique};
use crate::input::{Body, Code, Reason};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// The most flats one `addHouseholds` adds.
pub const MAX_FLATS_PER_CALL: usize = 200;

const FLAT_EXISTS: Unique = Unique {
    name: "households_building_unit_number_key",
    columns: "households.building_id, households.unit, households.number",
    error: || ApiError::bad_input("numbers", t!("residency.flat_exists")),
};

/// The committee (its community's buildings) or a platform admin adds the
/// flats of a building unit.
pub async fn add_households(
    db: &crate::db::Db,
    p: &Principal,
    building_id: i32,
    unit: &str,
    numbers: Vec<String>,
) -> ApiResult<Vec<household::Model>> {
    crate::policy::authorize(p, ResidencyPermission::ManageHouseholds)?;
    let unit = Code::parse("unit", unit)?.into_inner();
    if numbers.is_empty() || numbers.len() > MAX_FLATS_PER_CALL {
        return Err(ApiError::bad_input("numbers", t!("residency.flats_per_call", max = MAX_FLATS_PER_CALL)));
    }
    let numbers =
        numbers.iter().map(|n| Code::parse("numbers", n).map(Code::into_inner)).collect::<ApiResult<Vec<_>>>()?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let b = building::Entity::find_by_id(building_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::bad_input("buildingId", t!("accounts.no_such_building")))?;
    if p.role != Role::PlatformAdmin && p.scope.community_id != Some(b.community_id) {
        return Err(ApiError::forbidden(t!("residency.building_of_another_community")));
    }
    let mut made = Vec::with_capacity(numbers.len());
    for number in numbers {
        let h = household::ActiveModel {
            id: NotSet,
            community_id: Set(b.community_id),
            building_id: Set(b.id),
            unit: Set(unit.clone()),
            number: Set(number),
            contact_account_id: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await
        .map_err(|e| map_unique(e, &[FLAT_EXISTS]))?;
        made.push(h);
    }
    uow.commit(
        Audit::batch::<Household>(Verbs::HouseholdCreate)
            .community(b.community_id)
            .details(json!({ "buildingId": b.id, "count": made.len() })),
    )
    .await?;
    Ok(made)
}

/// A household whose care data `p` may write: NOT_FOUND when `p` cannot
/// see it, FORBIDDEN when `p` sees it but does not look after it (a
/// resident's own household).
async fn cared<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<household::Model> {
    crate::policy::authorize(p, ResidencyPermission::Care)?;
    let h = policy::visible_households(p)
        .filter(household::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("Household"))?;
    if !cares_for(p, &h) {
        return Err(ApiError::forbidden(t!("residency.household_of_another_building")));
    }
    Ok(h)
}

/// Set who a household's contact is: one of its residents.
pub async fn set_contact(app: &AppState, p: &Principal, id: i32, account_id: i32) -> ApiResult<household::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let h = cared(txn, p, id).await?;
    let member = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(h.id))
        .filter(membership::Column::AccountId.eq(account_id))
        .one(txn)
        .await?;
    if member.is_none() {
        return Err(ApiError::bad_input("accountId", t!("residency.not_a_member")));
    }
    let mut m: household::ActiveModel = h.clone().into();
    m.contact_account_id = Set(Some(account_id));
    let h = m.update(txn).await?;
    uow.commit(Audit::of::<Household>(Verbs::HouseholdSetContact, h.id).community(h.community_id)).await?;
    Ok(h)
}

/// Flag a household as needing extra care, noting the person's consent
/// (who agreed, how). Setting a flag again replaces its consent note.
pub async fn set_flag(
    app: &AppState,
    p: &Principal,
    id: i32,
    kind: Vulnerability,
    consent: &str,
) -> ApiResult<household::Model> {
    let consent = Reason::parse("consentNote", consent)?.into_inner();
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let h = cared(txn, p, id).await?;
    household_flag::Entity::insert(household_flag::ActiveModel {
        id: NotSet,
        household_id: Set(h.id),
        kind: Set(kind),
        consent_note: Set(consent),
        set_by_account_id: Set(p.account_id().unwrap_or_default()),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([household_flag::Column::HouseholdId, household_flag::Column::Kind])
            .update_columns([
                household_flag::Column::ConsentNote,
                household_flag::Column::SetByAccountId,
                household_flag::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let flag = household_flag::Entity::find()
        .filter(household_flag::Column::HouseholdId.eq(h.id))
        .filter(household_flag::Column::Kind.eq(kind))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("flag just written"))?;
    uow.commit(Audit::of::<HouseholdFlag>(Verbs::HouseholdFlagSet, flag.id).community(h.community_id)).await?;
    Ok(h)
}

/// Remove a flag (the person withdrew consent, or the need ended).
pub async fn clear_flag(app: &AppState, p: &Principal, id: i32, kind: Vulnerability) -> ApiResult<household::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let h = cared(txn, p, id).await?;
    let Some(flag) = household_flag::Entity::find()
        .filter(household_flag::Column::HouseholdId.eq(h.id))
        .filter(household_flag::Column::Kind.eq(kind))
        .one(txn)
        .await?
    else {
        return Err(ApiError::bad_input("kind", t!("residency.no_such_flag")));
    };
    household_flag::Entity::delete_by_id(flag.id).exec(txn).await?;
    uow.commit(Audit::of::<HouseholdFlag>(Verbs::HouseholdFlagClear, flag.id).community(h.community_id)).await?;
    Ok(h)
}

pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub note: String,
    pub follow_up_needed: bool,
}

/// Record a routine visit (入户走访) outside alerts: the building head of
/// the building or the committee. Not in the future.
pub async fn record_visit(app: &AppState, p: &Principal, id: i32, v: NewVisit) -> ApiResult<household_visit::Model> {
    let note = Body::parse("note", &v.note)?.into_inner();
    if v.visited_on > Utc::now().date_naive() {
        return Err(ApiError::bad_input("visitedOn", t!("residency.visit_in_future")));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let h = cared(txn, p, id).await?;
    let visit = household_visit::ActiveModel {
        id: NotSet,
        household_id: Set(h.id),
        visitor_account_id: Set(p.account_id().unwrap_or_default()),
        visited_on: Set(v.visited_on),
        note: Set(note),
        follow_up_needed: Set(v.follow_up_needed),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<HouseholdVisit>(Verbs::HouseholdVisitRecord, visit.id).community(h.community_id)).await?;
    Ok(visit)
}

/// The register as the principal may read it, optionally of one building;
/// with `overdue_days`, only lived-in households of those it looks after
/// that nobody visited in that many days.
pub fn register(p: &Principal, building_id: Option<i32>, overdue_days: Option<i64>) -> Select<household::Entity> {
    use household::Column as H;
    let mut q = match overdue_days {
        None => policy::visible_households(p),
        Some(days) => {
            let since = Utc::now().date_naive() - Duration::days(days);
            policy::care_households(p)
                .filter(
                    H::Id.in_subquery(
                        Query::select()
                            .column(membership::Column::HouseholdId)
                            .from(membership::Entity)
                            .and_where(membership::Column::HouseholdId.is_not_null())
                            .to_owned(),
                    ),
                )
                .filter(
                    H::Id.not_in_subquery(
                        Query::select()
                            .column(household_visit::Column::HouseholdId)
                            .from(household_visit::Entity)
                            .and_where(household_visit::Column::VisitedOn.gte(since))
                            .to_owned(),
                    ),
                )
        }
    };
    if let Some(b) = building_id {
        q = q.filter(H::BuildingId.eq(b));
    }
    q
}
