//! Open311 GeoReport v2 under `/open311/v2/` (JSON and XML by suffix): a
//! community's report categories as services, reports as service
//! requests. A thin adapter: filing is `service::submit`, reading is
//! `service::list` / `service::load` (so `visible_reports`), exactly as
//! `submitReport`, `reports` and `report(id:)` do.
//!
//! Who may call: `GET services` and `GET services/{code}` without a token
//! (a community's categories are as public as the directory); everything
//! about requests with a token, given as `Authorization: Bearer`, as the
//! spec's `api_key` parameter, or as the password of HTTP Basic
//! authentication ([`crate::http::adapter::caller`]). Posting needs a
//! resident's (or building head's) token: a report has a reporter, so a
//! machine client's token may read what its role may read, never file.
//! `jurisdiction_id` is a region's code: a community's for services and
//! posts, any region's (a street, a district) to narrow a request list.

mod wire;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{PhotoKind, RegionKind};
use entity::{organisation, region, report, report_category, report_photo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids;
use crate::http::HttpState;
use crate::http::adapter::{self, Call, Format, Page, Row};
use crate::reports::graphql::Report;
use crate::reports::service::{self, NewReport, ReportList};

/// A form body is small (no photos: `media_url` is not fetched).
const MAX_BODY: usize = 64 * 1024;
/// Requests per page (`page_size`, an extension of the spec): default and most.
const PAGE_DEFAULT: u64 = 100;
const PAGE_MAX: u64 = 1000;
/// The spec's window of a request list: 90 days, the most recent by default.
const WINDOW_DAYS: i64 = 90;
const FORMATS: [Format; 2] = [Format::Json, Format::Xml];

/// The routes of `/open311/v2/`.
pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/open311/v2/{resource}", get(list).post(create))
        .route("/open311/v2/services/{code}", get(definition))
        .route("/open311/v2/requests/{id}", get(one))
}

/// An answer: rows in the format asked for, or an error in GeoReport's.
type Answer = Result<(StatusCode, Body), ApiError>;

enum Body {
    Services(Vec<Row>),
    Definition(Row),
    Requests(Vec<Row>),
}

fn render(format: Format, answer: Answer, p: Option<&Principal>) -> Response {
    let resp = match answer {
        Ok((status, b)) => {
            let text = match (format, &b) {
                (Format::Xml, Body::Services(rows)) => adapter::xml("services", "service", rows),
                (Format::Xml, Body::Definition(row)) => adapter::xml_one("service_definition", row),
                (Format::Xml, Body::Requests(rows)) => adapter::xml("service_requests", "request", rows),
                (_, Body::Services(rows) | Body::Requests(rows)) => serde_json::to_string(rows).unwrap_or_default(),
                (_, Body::Definition(row)) => serde_json::to_string(row).unwrap_or_default(),
            };
            adapter::body(format, status, text)
        }
        Err(e) => fail(format, &e),
    };
    adapter::logged(resp, p)
}

/// GeoReport's error format: `[{code, description}]`, `<errors><error>`.
fn fail(format: Format, e: &ApiError) -> Response {
    let status = adapter::status_of(e);
    let rows = [wire::error(status.as_u16(), e.public_message())];
    let text = match format {
        Format::Xml => adapter::xml("errors", "error", &rows),
        _ => serde_json::to_string(&rows).unwrap_or_default(),
    };
    let mut resp = adapter::body(format, status, text);
    if let Some(secs) = e.retry_after_secs() {
        resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    resp
}

/// The format of a path segment (`None`: an unknown suffix).
fn format_of(segment: &str) -> Option<(String, Format)> {
    adapter::split_format(segment, &FORMATS).map(|(name, f)| (name.to_owned(), f))
}

/// A path without a known suffix: 404, in JSON.
fn unknown() -> Response {
    fail(Format::Json, &ApiError::not_found("Open311 resource"))
}

/// `GET services.{fmt}` and `GET requests.{fmt}`.
async fn list(State(state): State<HttpState>, Path(resource): Path<String>, req: Request) -> Response {
    let Some((name, format)) = format_of(&resource) else { return unknown() };
    let (call, p) = match admit(&state, req).await {
        Ok(x) => x,
        Err(e) => return fail(format, &e),
    };
    let answer = match name.as_str() {
        "services" => services(&state, &call, p.as_ref()).await,
        "requests" => requests(&state, &call, p.as_ref()).await,
        _ => Err(ApiError::not_found("Open311 resource")),
    };
    render(format, answer, p.as_ref())
}

/// `POST requests.{fmt}`.
async fn create(State(state): State<HttpState>, Path(resource): Path<String>, req: Request) -> Response {
    let Some((name, format)) = format_of(&resource) else { return unknown() };
    let (call, p) = match admit(&state, req).await {
        Ok(x) => x,
        Err(e) => return fail(format, &e),
    };
    let answer = match name.as_str() {
        "requests" => post_request(&state, &call, p.as_ref()).await,
        _ => Err(ApiError::not_found("Open311 resource")),
    };
    render(format, answer, p.as_ref())
}

/// `GET services/{code}.{fmt}`.
async fn definition(State(state): State<HttpState>, Path(code): Path<String>, req: Request) -> Response {
    let Some((code, format)) = format_of(&code) else { return unknown() };
    let (call, p) = match admit(&state, req).await {
        Ok(x) => x,
        Err(e) => return fail(format, &e),
    };
    let answer = async {
        let community = community(&state, &call, p.as_ref()).await?;
        let cats = service::categories(&state.app.db.read, community.id).await?;
        let c = cats.iter().find(|c| c.code == code).ok_or_else(|| ApiError::not_found("Service"))?;
        Ok((StatusCode::OK, Body::Definition(wire::definition(c))))
    }
    .await;
    render(format, answer, p.as_ref())
}

/// `GET requests/{id}.{fmt}`: a list of one, as the spec has it.
async fn one(State(state): State<HttpState>, Path(id): Path<String>, req: Request) -> Response {
    let Some((id, format)) = format_of(&id) else { return unknown() };
    let p = match admit(&state, req).await {
        Ok((_, p)) => p,
        Err(e) => return fail(format, &e),
    };
    let answer = async {
        let who = p.as_ref().ok_or_else(ApiError::unauthenticated)?;
        let id = report_id(&id).ok_or_else(|| ApiError::not_found("Report"))?;
        let (r, _) = service::load(&state.app.db.read, who, id).await?;
        Ok((StatusCode::OK, Body::Requests(rows(&state, vec![r]).await?)))
    }
    .await;
    render(format, answer, p.as_ref())
}

async fn admit(state: &HttpState, req: Request) -> ApiResult<(Call, Option<Principal>)> {
    let call = Call::read(req, MAX_BODY).await?;
    let p = adapter::caller(state, &call)?;
    Ok((call, p))
}

/// A report's id from a service_request_id (the report's global id).
fn report_id(s: &str) -> Option<i32> {
    ids::decode(&async_graphql::ID(s.to_owned()))
        .filter(|(ty, _)| ty == <Report as crate::graphql::node::NodeType>::NAME)
        .map(|(_, id)| id)
}

async fn region_by_code(state: &HttpState, code: &str) -> ApiResult<region::Model> {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(&state.app.db.read)
        .await?
        .ok_or_else(|| ApiError::bad_input("jurisdiction_id", t!("open311.no_jurisdiction", code = code)))
}

/// The community a call is about: `jurisdiction_id`, else the caller's own.
async fn community(state: &HttpState, call: &Call, p: Option<&Principal>) -> ApiResult<region::Model> {
    if let Some(code) = call.param("jurisdiction_id") {
        let r = region_by_code(state, code).await?;
        if r.kind != RegionKind::Community {
            return Err(ApiError::bad_input("jurisdiction_id", t!("open311.community_jurisdiction")));
        }
        return Ok(r);
    }
    let own = p.and_then(|p| p.scope.community_id);
    let id = own.ok_or_else(|| ApiError::bad_input("jurisdiction_id", t!("open311.jurisdiction_required")))?;
    region::Entity::find_by_id(id).one(&state.app.db.read).await?.ok_or_else(|| ApiError::not_found("Region"))
}

async fn services(state: &HttpState, call: &Call, p: Option<&Principal>) -> Answer {
    let community = community(state, call, p).await?;
    let cats = service::categories(&state.app.db.read, community.id).await?;
    Ok((StatusCode::OK, Body::Services(cats.iter().map(wire::service).collect())))
}

fn date(call: &Call, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    call.param(name)
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| ApiError::bad_input(name.to_owned(), t!("open311.bad_datetime")))
        })
        .transpose()
}

async fn requests(state: &HttpState, call: &Call, p: Option<&Principal>) -> Answer {
    let p = p.ok_or_else(ApiError::unauthenticated)?;
    let page = Page::parse(call.param("page"), call.param("page_size"), PAGE_DEFAULT, PAGE_MAX)
        .map_err(|_| ApiError::bad_input("page_size", t!("adapters.page_size", max = PAGE_MAX)))?;
    let mut f = ReportList::default();
    let ids = call.list("service_request_id")?;
    let mut q = if !ids.is_empty() {
        // The spec: ids given override every other filter.
        let ids: Vec<i32> = ids.iter().filter_map(|s| report_id(s)).collect();
        service::list(p, f).filter(report::Column::Id.is_in(ids))
    } else {
        let to = date(call, "end_date")?.unwrap_or_else(Utc::now);
        let from = date(call, "start_date")?.unwrap_or(to - Duration::days(WINDOW_DAYS));
        if to < from || to - from > Duration::days(WINDOW_DAYS) {
            return Err(ApiError::bad_input("end_date", t!("open311.window", days = WINDOW_DAYS)));
        }
        (f.created_from, f.created_to) = (Some(from), Some(to));
        let mut statuses = Vec::new();
        for s in call.list("status")? {
            statuses.extend(wire::statuses_of(&s).ok_or_else(|| ApiError::bad_input("status", t!("open311.status")))?);
        }
        f.statuses = (!statuses.is_empty()).then_some(statuses);
        let mut q = service::list(p, f);
        let codes = call.list("service_code")?;
        if !codes.is_empty() {
            q = q.filter(report::Column::CategoryCode.is_in(codes));
        }
        if let Some(code) = call.param("jurisdiction_id") {
            let region = region_by_code(state, code).await?;
            let under = region::Entity::find()
                .select_only()
                .column(region::Column::Id)
                .filter(region::Column::Path.starts_with(&region.path));
            q = q.filter(report::Column::CommunityId.in_subquery(sea_orm::QueryTrait::into_query(under)));
        }
        q
    };
    q = q.order_by_desc(report::Column::CreatedAt).order_by_desc(report::Column::Id);
    let found = q.paginate(&state.app.db.read, page.size).fetch_page(page.number - 1).await?;
    Ok((StatusCode::OK, Body::Requests(rows(state, found).await?)))
}

/// Request rows of a page of reports: their categories' names, the
/// organisations responsible and the first photos in one statement each.
async fn rows(state: &HttpState, reports: Vec<report::Model>) -> ApiResult<Vec<Row>> {
    let db = &state.app.db.read;
    let cat_ids: Vec<i32> = reports.iter().map(|r| r.category_id).collect();
    let org_ids: Vec<i32> = reports.iter().filter_map(|r| r.assigned_organisation_id).collect();
    let report_ids: Vec<i32> = reports.iter().map(|r| r.id).collect();
    let cats: HashMap<i32, String> = report_category::Entity::find()
        .filter(report_category::Column::Id.is_in(cat_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let orgs: HashMap<i32, String> = if org_ids.is_empty() {
        HashMap::new()
    } else {
        organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(org_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    };
    let mut photos: HashMap<i32, i32> = HashMap::new();
    for ph in report_photo::Entity::find()
        .filter(report_photo::Column::ReportId.is_in(report_ids))
        .filter(report_photo::Column::Kind.eq(PhotoKind::Report))
        .order_by_asc(report_photo::Column::Id)
        .all(db)
        .await?
    {
        photos.entry(ph.report_id).or_insert(ph.id);
    }
    let base = state.app.config.public_url.as_deref().unwrap_or("").trim_end_matches('/').to_owned();
    Ok(reports
        .iter()
        .map(|r| {
            let names = wire::Names {
                service_name: cats.get(&r.category_id).map(String::as_str),
                agency: r.assigned_organisation_id.and_then(|o| orgs.get(&o)).map(String::as_str),
                media_url: photos.get(&r.id).map(|ph| format!("{base}/photos/{ph}")),
            };
            wire::request(r, names)
        })
        .collect())
}

fn coordinate(call: &Call, name: &'static str) -> ApiResult<Option<f64>> {
    call.param(name)
        .map(|s| s.parse::<f64>().map_err(|_| ApiError::bad_input(name, t!("open311.bad_coordinate"))))
        .transpose()
}

fn flag(call: &Call, name: &str, default: bool) -> bool {
    call.param(name).map_or(default, |v| matches!(v, "true" | "1" | "yes"))
}

/// `POST requests`: a resident files a report, as `submitReport` does.
async fn post_request(state: &HttpState, call: &Call, p: Option<&Principal>) -> Answer {
    let p = p.ok_or_else(ApiError::unauthenticated)?;
    let code = call.param("service_code").ok_or_else(|| ApiError::bad_input("service_code", t!("open311.required")))?;
    let (lat, long) = (coordinate(call, "lat")?, coordinate(call, "long")?);
    let address = call.param("address_string").or_else(|| call.param("address_id"));
    if lat.is_none() && long.is_none() && address.is_none() {
        return Err(ApiError::bad_input("lat", t!("open311.location_required")));
    }
    if let Some(code) = call.param("jurisdiction_id") {
        let own = p.scope.community_id;
        let community = region_by_code(state, code).await?;
        if own != Some(community.id) {
            return Err(ApiError::forbidden(t!("reports.residents_community_file_reports")));
        }
    }
    let input = NewReport {
        category_code: code.to_owned(),
        description: call.param("description").unwrap_or_default().to_owned(),
        building_id: None,
        location_text: address.map(str::to_owned),
        latitude: lat,
        longitude: long,
        // Extensions of the spec, with `submitReport`'s defaults.
        is_public: flag(call, "is_public", true),
        is_anonymous: flag(call, "is_anonymous", false),
        on_behalf_of: None,
        photos: Vec::new(),
    };
    let r = service::submit(&state.app, p, input).await?;
    Ok((StatusCode::CREATED, Body::Requests(vec![wire::created(&r)])))
}
