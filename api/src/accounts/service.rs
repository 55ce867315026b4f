//! Account, membership and API-client writes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::enums::{OrganisationKind, RegionKind, Role};
use entity::{account, api_client, building, membership, organisation, region};
use rand::RngCore;
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set};
use sea_orm::{Condition, Select};
use serde_json::json;

use super::Verbs;
use super::graphql::{Account, ApiClient, Membership};
use crate::accounts::policy::AccountsPermission;
use crate::auth::revocation::{Subject, revoke};
use crate::auth::{Principal, password};
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Unique, map_unique};
use crate::policy;
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Accounts the principal may see (see [`super::policy::accounts_filter`]),
/// optionally members of one community or matching a text in username or
/// display name.
pub fn accounts(
    p: &Principal,
    community_id: Option<i32>,
    search: Option<String>,
) -> ApiResult<Select<account::Entity>> {
    policy::authorize(p, AccountsPermission::ReadAccounts)?;
    let mut q = account::Entity::find().filter(super::policy::accounts_filter(p, account::Column::Id));
    if let Some(c) = community_id {
        q = q.filter(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(membership::Column::AccountId)
                    .from(membership::Entity)
                    .and_where(membership::Column::RegionId.eq(c))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = crate::input::search_text("search", search)? {
        q = q.filter(
            Condition::any()
                .add(crate::input::contains(account::Column::Username, &s))
                .add(crate::input::contains(account::Column::DisplayName, &s)),
        );
    }
    Ok(q)
}

/// All API clients (platform admins).
pub fn api_clients(p: &Principal) -> ApiResult<Select<api_client::Entity>> {
    policy::authorize(p, AccountsPermission::ManageApiClients)?;
    Ok(api_client::Entity::find())
}

pub struct NewAccount {
    /// The login name (3 to 64 letters, digits, `-`, `_` or `.`).
    pub username: String,
    /// The name shown to others.
    pub display_name: String,
    pub real_name: Option<String>,
    pub phone: Option<String>,
    pub password: String,
}

pub(crate) fn check_username(u: &str) -> ApiResult<String> {
    let u = u.trim();
    let ok =
        (3..=64).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(u.to_owned())
    } else {
        Err(ApiError::bad_input("username", t!("accounts.3_64_characters_letters_digits")))
    }
}

pub(crate) fn check_phone(phone: Option<String>) -> ApiResult<Option<String>> {
    match phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) if (5..=20).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)) => {
            Ok(Some(p))
        }
        Some(_) => Err(ApiError::bad_input("phone", t!("accounts.not_phone_number"))),
    }
}

pub async fn create_account(db: &Db, p: &Principal, input: NewAccount) -> ApiResult<account::Model> {
    policy::authorize(p, AccountsPermission::ManageAccounts)?;
    let username = check_username(&input.username)?;
    let display_name = crate::input::PersonName::parse("displayName", &input.display_name)
        .map(crate::input::PersonName::into_inner)?;
    let real_name = input
        .real_name
        .map(|r| crate::input::PersonName::parse("realName", &r).map(crate::input::PersonName::into_inner))
        .transpose()?;
    let phone = check_phone(input.phone)?;
    password::check_new("password", &input.password, &username)?;
    let password_hash = password::hash(&input.password).await?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let created = account::ActiveModel {
        id: NotSet,
        username: Set(username),
        display_name: Set(display_name),
        real_name: Set(real_name),
        phone: Set(phone),
        password_hash: Set(password_hash),
        disabled: Set(false),
        created_at: Set(Utc::now()),
        must_change_password: Set(false),
        disabled_reason: Set(None),
        privacy_notice_version: Set(None),
        privacy_accepted_at: Set(None),
        erased_at: Set(None),
        legal_hold_reason: Set(None),
        legal_hold_at: Set(None),
        phone_shared_with_building_head: Set(false),
    }
    .insert(txn)
    .await
    .map_err(|e| map_unique(e, &[USERNAME_TAKEN]))?;
    uow.commit(Audit::of::<Account>(Verbs::AccountCreate, created.id)).await?;
    Ok(created)
}

const USERNAME_TAKEN: Unique = Unique {
    name: "accounts_username_key",
    columns: "accounts.username",
    error: || ApiError::conflict(t!("accounts.username_already_taken")),
};

/// A role's scope as given by the caller.
#[derive(Default)]
pub struct ScopeInput {
    pub region_id: Option<i32>,
    pub building_id: Option<i32>,
    pub organisation_id: Option<i32>,
    /// The flat (household) of a resident or building head, if known.
    pub household_id: Option<i32>,
}

/// The scope stored for a membership or API client: which fields a role
/// needs, and that they point at the right kind of object.
async fn resolve_scope<C: ConnectionTrait>(conn: &C, role: Role, s: ScopeInput) -> ApiResult<ScopeInput> {
    async fn org_of_kind<C: ConnectionTrait>(conn: &C, id: Option<i32>, kind: OrganisationKind) -> ApiResult<i32> {
        let id = id.ok_or_else(|| ApiError::bad_input("organisationId", t!("accounts.required_role")))?;
        match organisation::Entity::find_by_id(id).one(conn).await? {
            Some(o) if o.kind == kind => Ok(o.id),
            _ => Err(ApiError::bad_input(
                "organisationId",
                t!("accounts.organisation_of_kind", kind = format!("{kind:?}")),
            )),
        }
    }
    match role {
        Role::Resident | Role::BuildingHead => {
            let bid = s.building_id.ok_or_else(|| ApiError::bad_input("buildingId", t!("accounts.required_role")))?;
            let b = building::Entity::find_by_id(bid)
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("buildingId", t!("accounts.no_such_building")))?;
            if let Some(h) = s.household_id {
                match entity::household::Entity::find_by_id(h).one(conn).await? {
                    Some(h) if h.building_id == b.id => {}
                    _ => return Err(ApiError::bad_input("householdId", t!("residency.household_outside_building"))),
                }
            }
            Ok(ScopeInput {
                region_id: Some(b.community_id),
                building_id: Some(b.id),
                organisation_id: None,
                household_id: s.household_id,
            })
        }
        Role::CommunityCommittee => {
            let rid = s.region_id.ok_or_else(|| ApiError::bad_input("regionId", t!("accounts.required_role")))?;
            crate::directory::service::community(conn, rid, "regionId").await?;
            let org = match s.organisation_id {
                Some(_) => Some(org_of_kind(conn, s.organisation_id, OrganisationKind::CommunityCommittee).await?),
                None => None,
            };
            Ok(ScopeInput { region_id: Some(rid), organisation_id: org, ..Default::default() })
        }
        Role::GovernmentOffice | Role::DistrictSystem => {
            let rid = s.region_id.ok_or_else(|| ApiError::bad_input("regionId", t!("accounts.required_role")))?;
            match region::Entity::find_by_id(rid).one(conn).await? {
                Some(r) if r.kind != RegionKind::Community => {}
                _ => {
                    return Err(ApiError::bad_input("regionId", t!("accounts.must_street_district")));
                }
            }
            let org = if role == Role::GovernmentOffice {
                Some(org_of_kind(conn, s.organisation_id, OrganisationKind::GovernmentOffice).await?)
            } else {
                None
            };
            Ok(ScopeInput { region_id: Some(rid), organisation_id: org, ..Default::default() })
        }
        // A community's or a street's party organisation, acting as its
        // organisation (what it organises and endorses carries its name).
        Role::PartyOrganisation => {
            let rid = s.region_id.ok_or_else(|| ApiError::bad_input("regionId", t!("accounts.required_role")))?;
            match region::Entity::find_by_id(rid).one(conn).await? {
                Some(r) if r.kind != RegionKind::District => {}
                _ => return Err(ApiError::bad_input("regionId", t!("accounts.must_community_street"))),
            }
            let org = org_of_kind(conn, s.organisation_id, OrganisationKind::PartyOrganisation).await?;
            Ok(ScopeInput { region_id: Some(rid), organisation_id: Some(org), ..Default::default() })
        }
        Role::SocialOrganization => Ok(ScopeInput {
            organisation_id: Some(org_of_kind(conn, s.organisation_id, OrganisationKind::SocialOrganization).await?),
            ..Default::default()
        }),
        Role::PropertyCompany => Ok(ScopeInput {
            organisation_id: Some(org_of_kind(conn, s.organisation_id, OrganisationKind::PropertyCompany).await?),
            ..Default::default()
        }),
        Role::PlatformAdmin => Ok(ScopeInput::default()),
        // Every account acts as a person without being granted it.
        Role::Person => Err(ApiError::bad_input("role", t!("accounts.person_is_not_granted"))),
    }
}

pub async fn add_membership(
    db: &Db,
    p: &Principal,
    account_id: i32,
    role: Role,
    scope: ScopeInput,
) -> ApiResult<membership::Model> {
    policy::authorize(p, AccountsPermission::ManageAccounts)?;
    if role == Role::DistrictSystem {
        return Err(ApiError::bad_input("role", t!("accounts.district_system_api_clients_not")));
    }
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    account::Entity::find_by_id(account_id).one(txn).await?.ok_or_else(|| ApiError::not_found("Account"))?;
    let scope = resolve_scope(txn, role, scope).await?;
    let created = membership::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        role: Set(role),
        region_id: Set(scope.region_id),
        building_id: Set(scope.building_id),
        organisation_id: Set(scope.organisation_id),
        household_id: Set(scope.household_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    if let Some(h) = scope.household_id {
        crate::residency::service::move_in(txn, h, account_id).await?;
    }
    let community = policy::is_community_role(role).then_some(scope.region_id).flatten();
    uow.commit(
        Audit::of::<Membership>(Verbs::MembershipCreate, created.id)
            .community(community)
            .details(json!({ "accountId": account_id, "role": role })),
    )
    .await?;
    Ok(created)
}

/// Ends a membership: the sessions acting in it end, and every access token
/// acting in it is refused from the next request on (a revocation). The
/// platform admin ends any; the committee ends the residents' and building
/// heads' memberships of its community (moving out): the person keeps the
/// account and acts as PERSON at the next login.
pub async fn remove_membership(app: &AppState, p: &Principal, membership_id: i32) -> ApiResult<membership::Model> {
    if !super::policy::may_end_memberships(p) {
        policy::authorize(p, AccountsPermission::ManageAccounts)?;
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let m = super::policy::visible_memberships(p)
        .filter(membership::Column::Id.eq(membership_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Membership"))?;
    if !super::policy::may_end_membership(p, &m) {
        return Err(policy::refusal_on(p, t!("accounts.action.end_membership"), t!("accounts.this_membership")));
    }
    // Sessions acting in this membership end with it.
    entity::refresh_token::Entity::delete_many()
        .filter(entity::refresh_token::Column::MembershipId.eq(m.id))
        .exec(txn)
        .await?;
    membership::Entity::delete_by_id(m.id).exec(txn).await?;
    if let Some(h) = m.household_id {
        crate::residency::service::move_out(txn, h, m.account_id).await?;
    }
    if let (Role::Resident | Role::BuildingHead, Some(c)) = (m.role, m.region_id) {
        // A party member who no longer lives in the community is no longer
        // on its register.
        crate::party::service::moved_out(txn, m.account_id, c).await?;
    }
    let batch = revoke(txn, &[Subject::Membership(m.id)], app.config.access_token_ttl_secs).await?;
    let community = policy::is_community_role(m.role).then_some(m.region_id).flatten();
    uow.commit(Audit::of::<Membership>(Verbs::MembershipDelete, m.id).community(community)).await?;
    app.revocations.settle(&app.db, batch).await?;
    Ok(m)
}

pub struct NewApiClient {
    /// The name.
    pub name: String,
    /// The role.
    pub role: Role,
    pub scope: ScopeInput,
}

/// Creates an API client; returns it with its secret, shown this once only.
pub async fn create_api_client(db: &Db, p: &Principal, input: NewApiClient) -> ApiResult<(api_client::Model, String)> {
    policy::authorize(p, AccountsPermission::ManageApiClients)?;
    let name = crate::input::Name::parse("name", &input.name).map(crate::input::Name::into_inner)?;
    if !matches!(input.role, Role::DistrictSystem | Role::SocialOrganization) {
        return Err(ApiError::bad_input("role", t!("accounts.api_clients_are_district_system")));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let client_id = format!("gz_{}", uuid::Uuid::new_v4().simple());
    let created = insert_api_client(db, p, name, client_id, &secret, input.role, input.scope).await?;
    Ok((created, secret))
}

/// Inserts an API client with a given id and secret (also used by the demo seed).
pub async fn insert_api_client(
    db: &Db,
    p: &Principal,
    name: String,
    client_id: String,
    secret: &str,
    role: Role,
    scope: ScopeInput,
) -> ApiResult<api_client::Model> {
    let secret_hash = password::hash(secret).await?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let scope = resolve_scope(txn, role, scope).await?;
    let created = api_client::ActiveModel {
        id: NotSet,
        client_id: Set(client_id),
        name: Set(name),
        secret_hash: Set(secret_hash),
        role: Set(role),
        region_id: Set(scope.region_id),
        organisation_id: Set(scope.organisation_id),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<ApiClient>(Verbs::ApiClientCreate, created.id)).await?;
    Ok(created)
}

/// Revokes an API client: its secret no longer gets tokens, and every token
/// it holds is refused from the next request on.
pub async fn revoke_api_client(app: &AppState, p: &Principal, id: i32) -> ApiResult<api_client::Model> {
    policy::authorize(p, AccountsPermission::ManageApiClients)?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let c = api_client::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| ApiError::not_found("ApiClient"))?;
    if c.revoked_at.is_some() {
        return Err(ApiError::conflict(t!("accounts.api_client_already_revoked")));
    }
    let mut active: api_client::ActiveModel = c.into();
    active.revoked_at = Set(Some(Utc::now()));
    let updated = active.update(txn).await?;
    let batch = revoke(txn, &[Subject::Client(updated.id)], app.config.access_token_ttl_secs).await?;
    uow.commit(Audit::of::<ApiClient>(Verbs::ApiClientRevoke, updated.id)).await?;
    app.revocations.settle(&app.db, batch).await?;
    Ok(updated)
}

/// Bind an API client to exactly these operations (its trusted documents,
/// see `auth::documents`), replacing any it had; none unbinds it. Each
/// must be a GraphQL document (parsed here, so a typo is found now, not
/// in production). Returns the hashes, sorted.
pub async fn set_api_client_documents(
    app: &AppState,
    p: &Principal,
    id: i32,
    bodies: &[String],
) -> ApiResult<Vec<String>> {
    use crate::auth::documents::{MAX_DOCUMENTS, sha256_hex};
    use entity::api_client_document as d;
    policy::authorize(p, AccountsPermission::ManageApiClients)?;
    if bodies.len() > MAX_DOCUMENTS {
        return Err(ApiError::bad_input("documents", t!("accounts.too_many_documents", max = MAX_DOCUMENTS)));
    }
    let mut docs = std::collections::BTreeMap::new();
    for (i, body) in bodies.iter().enumerate() {
        async_graphql::parser::parse_query(body)
            .map_err(|_| ApiError::bad_input(format!("documents.{i}"), t!("accounts.document_not_graphql")))?;
        docs.insert(sha256_hex(body), body.clone());
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let c = api_client::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| ApiError::not_found("ApiClient"))?;
    d::Entity::delete_many().filter(d::Column::ApiClientId.eq(c.id)).exec(txn).await?;
    let now = Utc::now();
    if !docs.is_empty() {
        let rows = docs.iter().map(|(hash, body)| d::ActiveModel {
            id: sea_orm::NotSet,
            api_client_id: Set(c.id),
            hash: Set(hash.clone()),
            body: Set(body.clone()),
            created_at: Set(now),
        });
        d::Entity::insert_many(rows).exec(txn).await?;
    }
    let hashes: Vec<String> = docs.into_keys().collect();
    let audit = Audit::of::<ApiClient>(Verbs::ApiClientSetDocuments, c.id)
        .details(serde_json::json!({ "documents": hashes.len() }));
    uow.commit(audit).await?;
    app.client_documents.forget(c.id);
    Ok(hashes)
}

/// The hashes of an API client's trusted documents, sorted.
pub async fn api_client_documents<C: ConnectionTrait>(conn: &C, id: i32) -> ApiResult<Vec<String>> {
    use entity::api_client_document as d;
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(d::Entity::find()
        .select_only()
        .column(d::Column::Hash)
        .filter(d::Column::ApiClientId.eq(id))
        .order_by_asc(d::Column::Hash)
        .into_tuple::<String>()
        .all(conn)
        .await?)
}
