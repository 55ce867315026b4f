//! The service catalogue as an HSDS 3 read API under `/hsds/`: services,
//! organizations, the category taxonomy and its terms, in HSDS's paged
//! envelope. Public, as a referral directory is: no token needed (one is
//! accepted), the anonymous rate limit applies. It reads the catalogue
//! through `policy::catalogue_services` (every published service, with
//! its state) and shows only the catalogue's own words, the organisation
//! and the communities served (`objects.rs`): no request, record or
//! resident. `modified_after` gives what changed since a directory's last
//! pull. `/hsds/tabular.zip` is the whole catalogue as an HSDS tabular
//! data package (`tabular.rs`). `service_at_locations` is not served: a service is offered in
//! communities (its service areas), not at addresses of its own.

mod objects;
mod tabular;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use entity::{organisation, region, service, service_area};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};
use serde_json::{Value, json};

pub use objects::{Kind, uuid};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::http::HttpState;
use crate::http::adapter::{self, Call, Format, Page, Row};
use crate::services::policy::catalogue_services;

/// Items per page (`per_page`): default and most.
const PER_PAGE: u64 = 50;
const PER_PAGE_MAX: u64 = 500;
/// HSDS version served.
pub const VERSION: &str = "3.0";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/hsds", get(root))
        .route("/hsds/", get(root))
        .route("/hsds/services", get(services))
        .route("/hsds/services/{id}", get(one_service))
        .route("/hsds/organizations", get(organizations))
        .route("/hsds/organizations/{id}", get(one_organization))
        .route("/hsds/taxonomies", get(taxonomies))
        .route("/hsds/taxonomies/{id}", get(one_taxonomy))
        .route("/hsds/taxonomy_terms", get(terms))
        .route("/hsds/taxonomy_terms/{id}", get(one_term))
        .route("/hsds/tabular.zip", get(tabular_package))
}

/// Runs `f` for an admitted caller and answers JSON (or an error with its
/// code, as every plain-HTTP endpoint of the server does).
async fn answer<F, Fut>(state: HttpState, req: Request, f: F) -> Response
where
    F: FnOnce(HttpState, Call) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Value>>,
{
    let admitted = async {
        let call = Call::read(req, 0).await?;
        let p = adapter::caller(&state, &call)?;
        Ok::<_, ApiError>((call, p))
    }
    .await;
    let (call, p): (Call, Option<Principal>) = match admitted {
        Ok(x) => x,
        Err(e) => return crate::http::request_error(adapter::status_of(&e), &e),
    };
    let resp = match f(state, call).await {
        Ok(v) => adapter::body(Format::Json, StatusCode::OK, v.to_string()),
        Err(e) => crate::http::request_error(adapter::status_of(&e), &e),
    };
    adapter::logged(resp, p.as_ref())
}

/// HSDS's paged envelope.
fn envelope(page: Page, total: u64, contents: Vec<Row>) -> Value {
    let total_pages = total.div_ceil(page.size);
    json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page.number,
        "size": contents.len(),
        "first_page": page.number == 1,
        "last_page": page.number >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

fn page(call: &Call) -> ApiResult<Page> {
    Page::parse(call.param("page"), call.param("per_page"), PER_PAGE, PER_PAGE_MAX)
}

fn uuid_param(call: &Call, name: &'static str, kind: Kind) -> ApiResult<Option<i32>> {
    call.param(name)
        .map(|s| objects::id_of(kind, s).ok_or_else(|| ApiError::bad_input(name, t!("hsds.unknown_id"))))
        .transpose()
}

async fn root(State(state): State<HttpState>, req: Request) -> Response {
    answer(state, req, |_, _| async {
        Ok(json!({ "version": VERSION, "profile": "https://docs.openreferral.org/en/3.0/hsds/",
            "openapi_url": "https://docs.openreferral.org/en/3.0/hsds/api_reference.html" }))
    })
    .await
}

/// Services filtered as the query asks, in a stable order.
fn service_query(call: &Call) -> ApiResult<Select<service::Entity>> {
    let mut q = catalogue_services();
    if let Some(after) = call.param("modified_after") {
        let t = DateTime::parse_from_rfc3339(after)
            .map_err(|_| ApiError::bad_input("modified_after", t!("open311.bad_datetime")))?;
        // To the millisecond, as `last_modified` gives it: a directory
        // passes the newest `last_modified` it holds and gets what changed
        // after that millisecond (the stored time has more digits).
        let millis = t.with_timezone(&Utc).timestamp_millis();
        let after = DateTime::<Utc>::from_timestamp_millis(millis.saturating_add(1))
            .ok_or_else(|| ApiError::bad_input("modified_after", t!("open311.bad_datetime")))?;
        q = q.filter(service::Column::UpdatedAt.gte(after));
    }
    if let Some(o) = uuid_param(call, "organization_id", Kind::Organization)? {
        q = q.filter(service::Column::OrganisationId.eq(o));
    }
    if let Some(t) = uuid_param(call, "taxonomy_term_id", Kind::TaxonomyTerm)? {
        let c = objects::category_of_term(t)
            .ok_or_else(|| ApiError::bad_input("taxonomy_term_id", t!("hsds.unknown_id")))?;
        q = q.filter(service::Column::Category.eq(c));
    }
    Ok(q.order_by_asc(service::Column::Id))
}

/// Service objects of a page of rows: organisations, areas and the areas'
/// communities in one statement each.
async fn service_rows(state: &HttpState, rows: Vec<service::Model>) -> ApiResult<Vec<Row>> {
    let db = &state.app.db.read;
    let org_ids: Vec<i32> = rows.iter().map(|s| s.organisation_id).collect();
    let ids: Vec<i32> = rows.iter().map(|s| s.id).collect();
    let orgs: HashMap<i32, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(org_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let areas = service_area::Entity::find().filter(service_area::Column::ServiceId.is_in(ids)).all(db).await?;
    let community_ids: Vec<i32> = areas.iter().map(|a| a.community_id).collect();
    let communities: HashMap<i32, region::Model> = region::Entity::find()
        .filter(region::Column::Id.is_in(community_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(rows
        .iter()
        .map(|s| {
            let mut served: Vec<&region::Model> = areas
                .iter()
                .filter(|a| a.service_id == s.id)
                .filter_map(|a| communities.get(&a.community_id))
                .collect();
            served.sort_by_key(|c| c.id);
            objects::service(s, orgs.get(&s.organisation_id), &served)
        })
        .collect())
}

async fn services(State(state): State<HttpState>, req: Request) -> Response {
    answer(state, req, |state, call| async move {
        let page = page(&call)?;
        let q = service_query(&call)?;
        let paginator = q.paginate(&state.app.db.read, page.size);
        let total = paginator.num_items().await?;
        let rows = paginator.fetch_page(page.number - 1).await?;
        Ok(envelope(page, total, service_rows(&state, rows).await?))
    })
    .await
}

async fn one_service(State(state): State<HttpState>, Path(id): Path<String>, req: Request) -> Response {
    answer(state, req, |state, _| async move {
        let id = objects::id_of(Kind::Service, &id).ok_or_else(|| ApiError::not_found("Service"))?;
        let s = catalogue_services()
            .filter(service::Column::Id.eq(id))
            .one(&state.app.db.read)
            .await?
            .ok_or_else(|| ApiError::not_found("Service"))?;
        let rows = service_rows(&state, vec![s]).await?;
        Ok(json!(rows.first()))
    })
    .await
}

/// Organisations with a service in the catalogue.
fn organization_query() -> Select<organisation::Entity> {
    let publishers = catalogue_services().select_only().column(service::Column::OrganisationId).into_query();
    organisation::Entity::find()
        .filter(organisation::Column::Id.in_subquery(publishers))
        .order_by_asc(organisation::Column::Id)
}

async fn organizations(State(state): State<HttpState>, req: Request) -> Response {
    answer(state, req, |state, call| async move {
        let page = page(&call)?;
        let paginator = organization_query().paginate(&state.app.db.read, page.size);
        let total = paginator.num_items().await?;
        let rows = paginator.fetch_page(page.number - 1).await?;
        Ok(envelope(page, total, rows.iter().map(objects::organization).collect()))
    })
    .await
}

async fn one_organization(State(state): State<HttpState>, Path(id): Path<String>, req: Request) -> Response {
    answer(state, req, |state, _| async move {
        let id = objects::id_of(Kind::Organization, &id).ok_or_else(|| ApiError::not_found("Organization"))?;
        let o = organization_query()
            .filter(organisation::Column::Id.eq(id))
            .one(&state.app.db.read)
            .await?
            .ok_or_else(|| ApiError::not_found("Organization"))?;
        Ok(json!(objects::organization(&o)))
    })
    .await
}

/// A fixed list as a page.
fn fixed(call: &Call, all: Vec<Row>) -> ApiResult<Value> {
    let page = page(call)?;
    let total = all.len() as u64;
    let contents = all
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.size).unwrap_or(usize::MAX))
        .collect();
    Ok(envelope(page, total, contents))
}

async fn taxonomies(State(state): State<HttpState>, req: Request) -> Response {
    answer(state, req, |_, call| async move { fixed(&call, vec![objects::taxonomy()]) }).await
}

async fn one_taxonomy(State(state): State<HttpState>, Path(id): Path<String>, req: Request) -> Response {
    answer(state, req, |_, _| async move {
        match objects::id_of(Kind::Taxonomy, &id) {
            Some(t) if objects::is_taxonomy(t) => Ok(json!(objects::taxonomy())),
            _ => Err(ApiError::not_found("Taxonomy")),
        }
    })
    .await
}

async fn terms(State(state): State<HttpState>, req: Request) -> Response {
    answer(state, req, |_, call| async move {
        if let Some(t) = uuid_param(&call, "taxonomy_id", Kind::Taxonomy)?
            && !objects::is_taxonomy(t)
        {
            return fixed(&call, Vec::new());
        }
        fixed(&call, objects::categories().into_iter().map(objects::term).collect())
    })
    .await
}

async fn one_term(State(state): State<HttpState>, Path(id): Path<String>, req: Request) -> Response {
    answer(state, req, |_, _| async move {
        let c = objects::id_of(Kind::TaxonomyTerm, &id)
            .and_then(objects::category_of_term)
            .ok_or_else(|| ApiError::not_found("TaxonomyTerm"))?;
        Ok(json!(objects::term(c)))
    })
    .await
}

/// `GET /hsds/tabular.zip`: the whole catalogue as CSVs with a
/// `datapackage.json`, from the same objects as the API.
async fn tabular_package(State(state): State<HttpState>, req: Request) -> Response {
    use axum::http::{HeaderValue, header};
    let mut principal = None;
    let built = async {
        let call = Call::read(req, 0).await?;
        principal = adapter::caller(&state, &call)?;
        let db = &state.app.db.read;
        let services = catalogue_services().order_by_asc(service::Column::Id).all(db).await?;
        let contents = tabular::Contents {
            organizations: organization_query().all(db).await?.iter().map(objects::organization).collect(),
            services: service_rows(&state, services).await?,
            taxonomies: vec![objects::taxonomy()],
            terms: objects::categories().into_iter().map(objects::term).collect(),
        };
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tabular::package(&contents, &now)
    }
    .await;
    let resp = match built {
        Ok(bytes) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"hsds.zip\""));
            resp
        }
        Err(e) => crate::http::request_error(adapter::status_of(&e), &e),
    };
    adapter::logged(resp, principal.as_ref())
}
