//! The council's members (议事代表) of a community: the committee keeps
//! the list; a member leaves it by removal (the row stays, with its end).

use chrono::Utc;
use entity::enums::Role;
use entity::{council_member, membership};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::auth::Principal;
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::projects::Verbs;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// The current members of a community's council, if the principal may read
/// its meetings (else NOT_FOUND).
pub async fn list(app: &AppState, p: &Principal, community_id: i32) -> ApiResult<Vec<council_member::Model>> {
    super::meetings(&app.db.read, p, community_id).await?;
    Ok(council_member::Entity::find()
        .filter(council_member::Column::CommunityId.eq(community_id))
        .filter(council_member::Column::RemovedAt.is_null())
        .order_by_asc(council_member::Column::Id)
        .all(&app.db.read)
        .await?)
}

/// The committee adds a resident of the community to its council.
pub async fn add(
    app: &AppState,
    p: &Principal,
    community_id: i32,
    account_id: i32,
) -> ApiResult<council_member::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    super::may_run(txn, p, community_id).await?;
    let resident = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account_id))
        .filter(membership::Column::RegionId.eq(community_id))
        .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
        .one(txn)
        .await?
        .is_some();
    if !resident {
        return Err(ApiError::bad_input("accountId", t!("council.member_resident")));
    }
    let current = council_member::Entity::find()
        .filter(council_member::Column::CommunityId.eq(community_id))
        .filter(council_member::Column::AccountId.eq(account_id))
        .filter(council_member::Column::RemovedAt.is_null())
        .one(txn)
        .await?;
    if current.is_some() {
        return Err(ApiError::bad_input("accountId", t!("council.already_member")));
    }
    let row = council_member::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        account_id: Set(account_id),
        added_at: Set(Utc::now()),
        removed_at: Set(None),
    }
    .insert(txn)
    .await?;
    uow.commit(
        Audit::of::<Region>(Verbs::CouncilAddMember, community_id)
            .community(Some(community_id))
            .details(json!({ "member": row.id })),
    )
    .await?;
    Ok(row)
}

/// The committee removes a member from its council.
pub async fn remove(app: &AppState, p: &Principal, member_id: i32) -> ApiResult<council_member::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let row = council_member::Entity::find_by_id(member_id)
        .filter(council_member::Column::RemovedAt.is_null())
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::bad_input("memberId", t!("council.no_member")))?;
    super::may_run(txn, p, row.community_id).await?;
    let community = row.community_id;
    let mut am: council_member::ActiveModel = row.into();
    am.removed_at = Set(Some(Utc::now()));
    let row = am.update(txn).await?;
    uow.commit(
        Audit::of::<Region>(Verbs::CouncilRemoveMember, community)
            .community(Some(community))
            .details(json!({ "member": row.id })),
    )
    .await?;
    Ok(row)
}
