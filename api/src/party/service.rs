//! Registering with the party organisation, and erasing it.

use chrono::Utc;
use entity::party_member_registration as reg;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Select, Set};

use super::policy::{self, PartyPermission};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Unique, map_unique};
use crate::input::Name;
use crate::policy::authorize;
use crate::state::AppState;
use crate::uow::UnitOfWork;

const ONCE: Unique = Unique {
    name: "party_member_registrations_once",
    columns: "party_member_registrations.account_id, party_member_registrations.community_id",
    error: || ApiError::conflict(t!("party.already_registered")),
};

/// A resident registers with their community's party organisation.
pub async fn register(app: &AppState, p: &Principal, home_branch: Option<&str>) -> ApiResult<reg::Model> {
    authorize(p, PartyPermission::Register)?;
    let (Some(me), Some(community_id)) = (p.account_id(), p.scope.community_id) else {
        return Err(crate::policy::refusal(p, t!("party.perm.register")));
    };
    let home_branch = Name::parse_opt("homeBranch", home_branch)?.map(Name::into_inner);
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let row = reg::ActiveModel {
        id: NotSet,
        account_id: Set(me),
        community_id: Set(community_id),
        home_branch: Set(home_branch),
        registered_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| map_unique(e, &[ONCE]))?;
    uow.commit_unaudited("a party member's registration must be erasable; the audit log is append-only").await?;
    Ok(row)
}

/// The person erases their registration. The erasure writes no audit row:
/// a row saying "this account erased a party registration" would keep
/// exactly what the person asked to be forgotten.
pub async fn erase(app: &AppState, p: &Principal, id: i32) -> ApiResult<i32> {
    let me = p.account_id().ok_or_else(|| ApiError::not_found("PartyMemberRegistration"))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    // Only one's own: the party organisation reads the register, it does
    // not take people off it.
    let row = reg::Entity::find_by_id(id)
        .filter(reg::Column::AccountId.eq(me))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("PartyMemberRegistration"))?;
    forget(txn, &[row.id]).await?;
    uow.commit_unaudited("a party member's erasure leaves no row naming them").await?;
    Ok(row.id)
}

/// Delete registrations (an erasure, a move out, an account's erasure).
pub(crate) async fn forget<C: ConnectionTrait>(conn: &C, ids: &[i32]) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    reg::Entity::delete_many().filter(reg::Column::Id.is_in(ids.iter().copied())).exec(conn).await?;
    Ok(())
}

/// A resident's membership in `community_id` ended: unless they still live
/// there (another membership as resident or building head), their
/// registration there is forgotten.
pub(crate) async fn moved_out<C: ConnectionTrait>(conn: &C, account_id: i32, community_id: i32) -> ApiResult<()> {
    use entity::enums::Role;
    use entity::membership;
    use sea_orm::PaginatorTrait;
    let still = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(account_id))
        .filter(membership::Column::RegionId.eq(community_id))
        .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]))
        .count(conn)
        .await?;
    if still > 0 {
        return Ok(());
    }
    let ids: Vec<i32> = reg::Entity::find()
        .filter(reg::Column::AccountId.eq(account_id))
        .filter(reg::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    forget(conn, &ids).await
}

/// Every registration of an account, forgotten (account erasure).
pub(crate) async fn forget_account<C: ConnectionTrait>(conn: &C, account_id: i32) -> ApiResult<()> {
    let ids: Vec<i32> = reg::Entity::find()
        .filter(reg::Column::AccountId.eq(account_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    forget(conn, &ids).await
}

/// The register as the party organisation reads it: the registrations of
/// the communities in its region (FORBIDDEN to anyone else).
pub fn register_list(p: &Principal, community_id: Option<i32>) -> ApiResult<Select<reg::Entity>> {
    authorize(p, PartyPermission::ReadRegister)?;
    let path = p.scope.region_path.clone().unwrap_or_default();
    let mut q = policy::visible_registrations(p).filter(crate::policy::under_region(reg::Column::CommunityId, &path));
    if let Some(c) = community_id {
        q = q.filter(reg::Column::CommunityId.eq(c));
    }
    Ok(q)
}

/// The person's own registration in the community they act in, if any.
pub async fn mine<C: ConnectionTrait>(conn: &C, p: &Principal) -> ApiResult<Option<reg::Model>> {
    let (Some(me), Some(c)) = (p.account_id(), p.scope.community_id) else { return Ok(None) };
    Ok(policy::visible_registrations(p)
        .filter(reg::Column::AccountId.eq(me))
        .filter(reg::Column::CommunityId.eq(c))
        .one(conn)
        .await?)
}
