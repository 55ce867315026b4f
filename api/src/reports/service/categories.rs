//! A community's report categories.

use chrono::Utc;
use entity::{organisation_community, report_category};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::input::Name;
use crate::reports::Verbs;
use crate::reports::policy::{self};
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
    own.cloned().ok_or_else(|| ApiError::bad_input("categoryCode", t!("reports.no_category", code = code)))
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
        return Err(ApiError::bad_input("code", t!("reports.1_32_letters_digits")));
    }
    let name = Name::parse("name", name)?.into_inner();
    if !(1..=24 * 365).contains(&target_hours) {
        return Err(ApiError::bad_input("targetHours", t!("reports.between_1_8760_hours")));
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
pub(super) async fn ensure_serves<C: ConnectionTrait>(
    conn: &C,
    org: i32,
    community_id: i32,
    field: &str,
) -> ApiResult<()> {
    let serves = organisation_community::Entity::find()
        .filter(organisation_community::Column::OrganisationId.eq(org))
        .filter(organisation_community::Column::CommunityId.eq(community_id))
        .one(conn)
        .await?
        .is_some();
    if serves { Ok(()) } else { Err(ApiError::bad_input(field, t!("reports.organisation_does_not_serve_community"))) }
}
