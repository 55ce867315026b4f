//! API clients.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::accounts::policy::AccountsPermission;
use crate::accounts::service::{self, NewApiClient, ScopeInput};
use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;

use super::*;

/// The input of `createApiClient`.
#[derive(InputObject)]
pub struct CreateApiClientInput {
    /// The name.
    pub name: String,
    /// DISTRICT_SYSTEM (with `regionId`) or SOCIAL_ORGANIZATION (with `organisationId`).
    pub role: Role,
    /// The region (global id).
    pub region_id: Option<ID>,
    /// The organisation (global id).
    pub organisation_id: Option<ID>,
}

/// The input of `revokeApiClient`.
#[derive(InputObject)]
pub struct RevokeApiClientInput {
    /// The API client (global id).
    pub api_client_id: ID,
}

/// A new API client and its secret. The secret is shown only here, once.
#[derive(SimpleObject)]
pub struct CreateApiClientPayload {
    /// The API client.
    pub api_client: ApiClient,
    /// The client secret, shown only now.
    pub client_secret: String,
}

/// The result of `revokeApiClient`.
#[derive(SimpleObject)]
pub struct RevokeApiClientPayload {
    /// The API client.
    pub api_client: ApiClient,
}

/// The input of `setApiClientDocuments`.
#[derive(InputObject)]
pub struct SetApiClientDocumentsInput {
    /// The API client (global id).
    pub api_client_id: ID,
    /// Every operation the client may run, as GraphQL texts (Apollo's or
    /// Relay's persisted-query output); an empty list unbinds the client.
    pub documents: Vec<String>,
}

/// The result of `setApiClientDocuments`.
#[derive(SimpleObject)]
pub struct SetApiClientDocumentsPayload {
    /// The API client.
    pub api_client: ApiClient,
    /// The SHA-256 (lower-case hex) of each document, sorted: the ids a
    /// client sends with `extensions.persistedQuery.sha256Hash`.
    pub hashes: Vec<String>,
}

/// Mutations of API clients.
#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Create an API client (platform admins). The secret is returned once.
    #[graphql(visible = "super::shown::manage_api_clients", guard = "Allowed(AccountsPermission::ManageApiClients)")]
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateApiClientInput,
    ) -> ApiResult<CreateApiClientPayload> {
        let p = ctx.principal()?;
        let new = NewApiClient {
            name: input.name,
            role: input.role.into(),
            scope: ScopeInput {
                region_id: ids::opt_id_of::<Region>(input.region_id.as_ref(), "regionId")?,
                organisation_id: ids::opt_id_of::<Organisation>(input.organisation_id.as_ref(), "organisationId")?,
                ..Default::default()
            },
        };
        let (client, secret) = service::create_api_client(ctx.db(), p, new).await?;
        Ok(CreateApiClientPayload { api_client: ApiClient(client), client_secret: secret })
    }

    /// Revoke an API client; it can get no new tokens (platform admins).
    #[graphql(visible = "super::shown::manage_api_clients", guard = "Allowed(AccountsPermission::ManageApiClients)")]
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RevokeApiClientInput,
    ) -> ApiResult<RevokeApiClientPayload> {
        let api_client: ApiResult<ApiClient> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<ApiClient>(&input.api_client_id, "apiClientId")?;
            Ok(ApiClient(service::revoke_api_client(ctx.app(), p, id).await?))
        }
        .await;
        Ok(RevokeApiClientPayload { api_client: api_client? })
    }

    /// Bind an API client to the operations its deployed app or system
    /// shipped with (platform admins): while it has any, it runs only
    /// those (by text or by hash), anything else is `UNTRUSTED_OPERATION`.
    /// Replaces the list; an empty one unbinds the client.
    #[graphql(visible = "super::shown::manage_api_clients", guard = "Allowed(AccountsPermission::ManageApiClients)")]
    async fn set_api_client_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetApiClientDocumentsInput,
    ) -> ApiResult<SetApiClientDocumentsPayload> {
        let p = ctx.principal()?;
        let id = ids::id_of::<ApiClient>(&input.api_client_id, "apiClientId")?;
        let hashes = service::set_api_client_documents(ctx.app(), p, id, &input.documents).await?;
        let client = crate::graphql::loaders::load_by_id::<entity::api_client::Entity, _>(ctx, id, ApiClient)
            .await?
            .ok_or_else(|| crate::error::ApiError::not_found("ApiClient"))?;
        Ok(SetApiClientDocumentsPayload { api_client: client, hashes })
    }
}
