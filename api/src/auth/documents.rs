//! Per-client trusted documents (issue 24): the platform admin may bind an
//! API client to the operations its deployed app or system shipped with
//! (`setApiClientDocuments`, by text; stored with their SHA-256). While a
//! client has any, every request it makes must be one of them, sent by
//! text or by hash alone (Apollo's persisted-query extension); anything
//! else is refused with `UNTRUSTED_OPERATION` (HTTP 403) before it is
//! parsed. A client with none runs what its role allows, as before; the
//! server-wide manifest (`GONGZHI_TRUSTED_DOCUMENTS`) applies on top.
//!
//! Each process keeps a client's list for [`TTL`] after reading it, so a
//! change reaches the other processes within that time (this one at once).
//! Why not per request from the database: a district system's hourly sync
//! is thousands of requests, and the list changes a few times a year.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use entity::api_client_document;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::Principal;
use crate::error::{ApiError, ApiResult};

/// How long a process trusts its copy of a client's list.
pub const TTL: Duration = Duration::from_secs(10);

/// The most documents one client may be bound to.
pub const MAX_DOCUMENTS: usize = 1_000;

/// Lower-case hex SHA-256, the id Apollo's and Relay's tooling give a document.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash → text of one client's documents.
pub type Documents = Arc<HashMap<String, String>>;

/// A client's list as read at a time (`None`: bound to nothing).
type Read = (Instant, Option<Documents>);

/// The lists this process has read, by API client.
#[derive(Clone, Default)]
pub struct ClientDocuments(Arc<Mutex<HashMap<i32, Read>>>);

impl ClientDocuments {
    /// The client's documents; `None` when it is bound to none.
    pub async fn of<C: ConnectionTrait>(&self, conn: &C, client: i32) -> ApiResult<Option<Documents>> {
        if let Some((at, docs)) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&client)
            && at.elapsed() < TTL
        {
            return Ok(docs.clone());
        }
        let rows = api_client_document::Entity::find()
            .filter(api_client_document::Column::ApiClientId.eq(client))
            .all(conn)
            .await?;
        let docs = (!rows.is_empty()).then(|| Arc::new(rows.into_iter().map(|d| (d.hash, d.body)).collect()));
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(client, (Instant::now(), docs.clone()));
        Ok(docs)
    }

    /// Read the client's list afresh next time (it changed here).
    pub fn forget(&self, client: i32) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(&client);
    }

    /// Let the request through if its caller may run it: anyone but a
    /// bound API client, or that client with one of its documents (a
    /// request by hash gets the document's text).
    pub async fn admit<C: ConnectionTrait>(
        &self,
        conn: &C,
        p: Option<&Principal>,
        req: &mut async_graphql::Request,
    ) -> ApiResult<()> {
        let Some(client) = p.and_then(Principal::api_client_id) else { return Ok(()) };
        let Some(docs) = self.of(conn, client).await? else { return Ok(()) };
        let hash = if req.query.trim().is_empty() {
            req.extensions
                .get("persistedQuery")
                .and_then(|v| v.clone().into_json().ok())
                .and_then(|v| v["sha256Hash"].as_str().map(str::to_ascii_lowercase))
        } else {
            Some(sha256_hex(&req.query))
        };
        match hash.and_then(|h| docs.get(&h)) {
            Some(text) => {
                req.query.clone_from(text);
                // Resolved here; the server-wide cache has nothing to add.
                req.extensions.remove("persistedQuery");
                Ok(())
            }
            None => Err(ApiError::UntrustedOperation(t!("auth.untrusted_operation"))),
        }
    }
}
