//! A record of a read of personal data, the export, and the queries.

use async_graphql::{Context, ID, Object};
use entity::{account, organisation, personal_data_access as access};

use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::Organisation;
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::scalars::DateTime;
use crate::privacy::policy::PrivacyPermission;
use crate::privacy::service;

/// A read of a resident's personal fields by someone else: who, when,
/// which fields, through which object, and for which operation.
pub struct AccessRecord(pub access::Model);

/// A read of a resident's personal fields by someone else: who, when,
/// which fields, through which object, and for which operation.
#[Object(visible = "super::shown::own_data")]
impl AccessRecord {
    /// When it was read.
    async fn at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The fields disclosed (`phone`, `realName`, `flat`, `alertAnswer`,
    /// `alertNote`, `reporter`, `memberships`, `serviceReceived`,
    /// `careNeeds`; see the README's personal-data table).
    async fn fields(&self) -> Vec<&str> {
        self.0.fields.split(',').filter(|f| !f.is_empty()).collect()
    }
    /// The person who read it (null for a machine client or an erased
    /// account).
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.viewer_account_id, Account).await
    }
    /// The role the viewer acted in.
    async fn viewer_role(&self) -> Role {
        self.0.viewer_role.into()
    }
    /// The viewer's organisation, if they acted for one.
    async fn viewer_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.viewer_organisation_id, Organisation).await
    }
    /// Whether a machine client (an API client) read it.
    async fn by_machine(&self) -> bool {
        self.0.viewer_api_client_id.is_some()
    }
    /// The kind of object it was read through (`Account`, `Report`,
    /// `Notice`, `Household`, `DeliveryRecord`).
    async fn object_type(&self) -> &str {
        &self.0.object_type
    }
    /// The object's global id (use `node` to look at it, where you may).
    async fn object_id(&self) -> Option<ID> {
        self.0.object_id.map(|id| ids::encode(&self.0.object_type, id))
    }
    /// The way in: `graphql`, `open311`, `export`, `webhook`.
    async fn channel(&self) -> &str {
        &self.0.channel
    }
    /// The operation and the path in it (`AlertRoster: notice.roster`).
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
}

/// Everything the platform holds about the viewer. A GraphQL response
/// is capped (`GONGZHI_MAX_RESPONSE_BYTES`); a long history is downloaded
/// whole from `jsonUrl` or `htmlUrl` with the same token.
pub struct MyData;

impl MyData {
    async fn document(ctx: &Context<'_>) -> ApiResult<serde_json::Value> {
        // Read on the primary: an export must include the last write.
        service::my_data(&ctx.db().write, ctx.principal()?).await
    }
}

/// Everything the platform holds about the viewer. A GraphQL response
/// is capped (`GONGZHI_MAX_RESPONSE_BYTES`); a long history is downloaded
/// whole from `jsonUrl` or `htmlUrl` with the same token.
#[Object(visible = "super::shown::own_data")]
impl MyData {
    /// The export's format (`gongzhi.my-data/1`).
    async fn format(&self) -> &str {
        service::FORMAT
    }
    /// The whole export as one JSON document (UTF-8 text): account,
    /// memberships, reports with their timelines and photos (links that
    /// open with the viewer's token), comments, votes, evaluations, budget
    /// ballots, service requests, delivery records, alert answers and
    /// visits, read marks, sessions, the account's history (corrections,
    /// by whom) and the access log.
    async fn json(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let doc = Self::document(ctx).await?;
        serde_json::to_string_pretty(&doc).map_err(|e| crate::error::ApiError::internal(e.to_string()))
    }
    /// The same as a readable HTML page (one table per kind of record).
    async fn html(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(service::render_html(&Self::document(ctx).await?))
    }
    /// Where to download the JSON document whole (GET with the viewer's
    /// bearer token; no size cap).
    async fn json_url(&self, ctx: &Context<'_>) -> String {
        crate::http::absolute_url(ctx.app(), super::super::download::JSON_PATH)
    }
    /// Where to download the readable page whole (GET with the viewer's
    /// bearer token).
    async fn html_url(&self, ctx: &Context<'_>) -> String {
        crate::http::absolute_url(ctx.app(), super::super::download::HTML_PATH)
    }
}

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// Everything the platform holds about the viewer (PIPL Art. 45).
    #[graphql(visible = "super::shown::own_data", guard = "Allowed(PrivacyPermission::OwnData)")]
    async fn my_data(&self) -> MyData {
        MyData
    }

    /// Who read the viewer's personal data, newest first.
    #[graphql(
        visible = "super::shown::own_data",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(PrivacyPermission::OwnData)"
    )]
    async fn my_data_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<AccessRecord>> {
        let q = service::my_access_log(ctx.principal()?)?;
        paginate_ordered(ctx, q, access::Column::Id, PageArgs::new(after, before, first, last), true, AccessRecord)
            .await
    }

    /// Oversight: the reads of personal data made by the staff the viewer
    /// oversees, newest first: a committee its community's committee
    /// members and building heads, an office everyone acting under its
    /// region, the platform admin all. Optionally of one viewer.
    #[graphql(
        visible = "super::shown::oversee",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(PrivacyPermission::Oversee)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn data_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the reads of this account (global id).")] viewer_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<AccessRecord>> {
        let viewer = viewer_id.map(|v| ids::id_of::<Account>(&v, "viewerId")).transpose()?;
        let q = service::overseen_access_log(ctx.principal()?, viewer)?;
        paginate_ordered(ctx, q, access::Column::Id, PageArgs::new(after, before, first, last), true, AccessRecord)
            .await
    }
}
