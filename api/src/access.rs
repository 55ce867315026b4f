//! Who read whose personal data (issue 27): every read of a resident's
//! personal field by someone else (a phone, a real name, a flat, an alert
//! answer, the reporter of a report, the resident a delivery names) is
//! recorded with who read it, when, which fields, through which object and
//! for which operation and path.
//!
//! A resolver that discloses such a field calls [`Disclose::disclosed`]; the
//! records of one GraphQL request (or one subscription event) are kept in
//! the request's [`AccessLog`] and written by [`AccessLogging`] when the
//! operation has run, in one INSERT per [`CHUNK`] records: a roster of 200
//! households costs one statement, not 200. Plain-HTTP adapters call
//! [`record`] themselves. Names no domain: the object is a type name.
//!
//! A read whose record cannot be written is not served: the response is
//! replaced by an `UNAVAILABLE` error (a disclosure nobody can account for
//! is worse than a retry).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextSubscribe,
};
use async_graphql::{Context, ErrorExtensions, Pos, Request, Response, ServerResult};
use chrono::Utc;
use entity::personal_data_access as row;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sea_orm::{ConnectionTrait, EntityTrait, NotSet, Set};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::graphql::context::{ContextExt, RequestPrincipal};
use crate::state::AppState;

/// Records per INSERT (14 columns each: well under SQLite's and
/// PostgreSQL's limits on bound parameters).
pub const CHUNK: usize = 500;

/// A personal field whose reads are recorded. Each is described (purpose,
/// who may see it, retention) in the README's personal-data table, which
/// `crate::privacy::catalogue` makes from this list: a new field cannot be
/// recorded without being described.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The legal name.
    RealName,
    /// The phone number.
    Phone,
    /// Where the person lives: building, unit and flat.
    Flat,
    /// The roles the person holds, with their scopes.
    Memberships,
    /// Who filed a report.
    Reporter,
    /// An answer to an emergency alert (SAFE or NEED_HELP).
    AlertAnswer,
    /// The note of an alert answer or of a visit (may be health-related).
    AlertNote,
    /// That the person received a service (a delivery record naming them).
    ServiceReceived,
    /// A household's vulnerability flags (elderly living alone, disability,
    /// illness): sensitive.
    CareNeeds,
    /// That the person registered as a party member (党员报到): sensitive.
    PartyMembership,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::RealName,
        Field::Phone,
        Field::Flat,
        Field::Memberships,
        Field::Reporter,
        Field::AlertAnswer,
        Field::AlertNote,
        Field::ServiceReceived,
        Field::CareNeeds,
        Field::PartyMembership,
    ];

    /// The name in records and in `AccessRecord.fields`.
    pub fn wire(self) -> &'static str {
        match self {
            Field::RealName => "realName",
            Field::Phone => "phone",
            Field::Flat => "flat",
            Field::Memberships => "memberships",
            Field::Reporter => "reporter",
            Field::AlertAnswer => "alertAnswer",
            Field::AlertNote => "alertNote",
            Field::ServiceReceived => "serviceReceived",
            Field::CareNeeds => "careNeeds",
            Field::PartyMembership => "partyMembership",
        }
    }
}

/// One disclosure: whose fields, through which object, on which path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub subject: i32,
    pub object_type: &'static str,
    pub object_id: Option<i32>,
    pub fields: Vec<Field>,
    /// The GraphQL path (`notice.roster.0.phone`) or the adapter's route.
    pub path: String,
}

/// The disclosures of one request, written when it has run.
#[derive(Default)]
pub struct AccessLog {
    rows: Mutex<Vec<Access>>,
}

impl AccessLog {
    pub fn push(&self, a: Access) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.push(a);
        }
    }

    fn take(&self) -> Vec<Access> {
        self.rows.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }
}

/// The resolver's side: note that this field discloses `fields` of
/// `subject` through `object`.
pub trait Disclose {
    /// Notes a disclosure to the request's principal. Reading one's own
    /// data is no disclosure; nor is a request without a principal (which
    /// is never shown a personal field).
    fn disclosed(&self, subject: i32, object: (&'static str, Option<i32>), fields: &[Field]);
}

impl Disclose for Context<'_> {
    fn disclosed(&self, subject: i32, (object_type, object_id): (&'static str, Option<i32>), fields: &[Field]) {
        let Ok(p) = self.principal() else { return };
        if p.account_id() == Some(subject) || fields.is_empty() {
            return;
        }
        let path = self.path_node.map(|p| p.to_string()).unwrap_or_default();
        match self.data_opt::<Arc<AccessLog>>() {
            Some(log) => log.push(Access { subject, object_type, object_id, fields: fields.to_vec(), path }),
            // Every schema is built with [`AccessLogging`]; a test schema
            // without it would disclose unrecorded, so say so loudly.
            None => tracing::error!(path, "personal field read without an access log"),
        }
    }
}

/// Writes the records of one request: one per subject, object and path,
/// with the fields merged; `purpose` prefixes each path (the operation).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    channel: &str,
    purpose: &str,
    rows: Vec<Access>,
) -> ApiResult<()> {
    let mut merged: BTreeMap<(i32, &'static str, Option<i32>, String), Vec<Field>> = BTreeMap::new();
    for a in rows {
        let fields = merged.entry((a.subject, a.object_type, a.object_id, path_of(&a.path))).or_default();
        fields.extend(a.fields);
    }
    let now = Utc::now();
    let models: Vec<row::ActiveModel> = merged
        .into_iter()
        .map(|((subject, object_type, object_id, path), fields)| {
            let mut fields: Vec<&str> = fields.into_iter().map(Field::wire).collect();
            fields.sort_unstable();
            fields.dedup();
            row::ActiveModel {
                id: NotSet,
                subject_account_id: Set(subject),
                viewer_account_id: Set(p.account_id()),
                viewer_api_client_id: Set(p.api_client_id()),
                viewer_role: Set(p.role),
                viewer_region_path: Set(p.scope.region_path.clone()),
                viewer_organisation_id: Set(p.scope.organisation_id),
                object_type: Set(object_type.to_owned()),
                object_id: Set(object_id),
                fields: Set(fields.join(",")),
                channel: Set(channel.to_owned()),
                purpose: Set(if path.is_empty() { purpose.to_owned() } else { format!("{purpose}: {path}") }),
                created_at: Set(now),
            }
        })
        .collect();
    for chunk in models.chunks(CHUNK) {
        row::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// A path without list indexes (`notice.roster.3.phone` → `notice.roster.phone`):
/// the records of a list's lines share their purpose.
fn path_of(path: &str) -> String {
    path.split('.').filter(|s| s.parse::<usize>().is_err()).collect::<Vec<_>>().join(".")
}

/// The schema extension that gives each request its [`AccessLog`] and
/// writes it when the operation (or each subscription event) has run.
pub struct AccessLogging;

impl ExtensionFactory for AccessLogging {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest { log: Arc::new(AccessLog::default()) })
    }
}

struct PerRequest {
    log: Arc<AccessLog>,
}

/// Writes what `log` holds; on failure the response is withheld.
async fn flush(
    app: Option<AppState>,
    principal: Option<Principal>,
    name: &str,
    log: &AccessLog,
    resp: Response,
) -> Response {
    let rows = log.take();
    let (Some(app), Some(p), false) = (app, principal, rows.is_empty()) else { return resp };
    match record(&app.db.write, &p, "graphql", name, rows).await {
        Ok(()) => resp,
        Err(e) => {
            tracing::error!(error = %e.public_message(), "access records not written; response withheld");
            Response::from_errors(vec![e.extend().into_server_error(Pos::default())])
        }
    }
}

fn principal_of(ctx: &ExtensionContext<'_>) -> Option<Principal> {
    ctx.data_opt::<RequestPrincipal>().and_then(|p| p.0.clone())
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(self.log.clone())).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let resp = next.run(ctx, operation_name).await;
        let name = operation_name.unwrap_or("unnamed operation");
        flush(ctx.data_opt::<AppState>().cloned(), principal_of(ctx), name, &self.log, resp).await
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let (app, principal, log) = (ctx.data_opt::<AppState>().cloned(), principal_of(ctx), self.log.clone());
        next.run(ctx, stream)
            .then(move |resp| {
                let (app, principal, log) = (app.clone(), principal.clone(), log.clone());
                async move { flush(app, principal, "subscription", &log, resp).await }
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_indexes_leave_the_path() {
        assert_eq!(super::path_of("notice.roster.3.phone"), "notice.roster.phone");
        assert_eq!(super::path_of("me"), "me");
    }
}
