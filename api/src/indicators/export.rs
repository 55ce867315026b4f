//! Indicator exports for statisticians and district systems:
//! `GET /exports/indicators.csv` and `.json`, `?region=&from=&to=&names=`.
//! The figures are `service::series`'s, the function behind the GraphQL
//! `indicators` query, for the same principal: the same months, revisions
//! and suppression, so a cell GraphQL hides is empty here too (with
//! `suppressed` set). A token is required, as for the query.
//!
//! CSV: UTF-8 with a byte-order mark (spreadsheet software reads Chinese
//! region names right), one header row, one row per region, indicator and
//! month; the columns are the README's table.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use entity::region;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::definitions::{Indicator, Unit};
use super::months::YearMonth;
use super::service::{self, Point};
use crate::auth::Principal;
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids;
use crate::http::HttpState;
use crate::http::adapter::{self, Call, Format};
use crate::input::{MAX_YEAR, MIN_YEAR};

/// The CSV's columns, in order.
pub const COLUMNS: [&str; 14] = [
    "region_code",
    "region_name",
    "indicator",
    "unit",
    "month",
    "value",
    "numerator",
    "denominator",
    "count",
    "suppressed",
    "revision",
    "is_final",
    "recorded_at",
    "region_id",
];

pub fn routes() -> Router<HttpState> {
    Router::new().route("/exports/{file}", get(export))
}

fn unit(u: Unit) -> &'static str {
    match u {
        Unit::Ratio => "ratio",
        Unit::Hours => "hours",
        Unit::Count => "count",
    }
}

fn month(call: &Call, name: &'static str) -> ApiResult<YearMonth> {
    let s = call.param(name).ok_or_else(|| ApiError::bad_input(name, t!("exports.required")))?;
    YearMonth::parse(s)
        .filter(|m| (MIN_YEAR..=MAX_YEAR).contains(&m.year))
        .ok_or_else(|| ApiError::bad_input(name, t!("exports.month")))
}

/// `region=`: a region's global id or its code.
async fn region_id(state: &HttpState, call: &Call) -> ApiResult<i32> {
    let s = call.param("region").ok_or_else(|| ApiError::bad_input("region", t!("exports.required")))?;
    if let Ok(id) = ids::id_of::<Region>(&async_graphql::ID(s.to_owned()), "region") {
        return Ok(id);
    }
    let r = region::Entity::find().filter(region::Column::Code.eq(s)).one(&state.app.db.read).await?;
    r.map(|r| r.id).ok_or_else(|| ApiError::not_found("Region"))
}

type Series = (region::Model, Vec<(Indicator, Vec<Point>)>);

async fn series(state: &HttpState, call: &Call, p: &Principal) -> ApiResult<Series> {
    let region = region_id(state, call).await?;
    let config = &state.app.config;
    let months = service::months(config, month(call, "from")?, month(call, "to")?)?;
    let names = call.list("names")?;
    let names = if names.is_empty() {
        None
    } else {
        let parsed: Option<Vec<Indicator>> = names.iter().map(|n| Indicator::from_wire(n)).collect();
        Some(parsed.ok_or_else(|| ApiError::bad_input("names", t!("exports.names")))?)
    };
    service::series(&state.app.db, config, p, region, &months, names).await
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A number as a CSV cell: empty for none.
fn cell(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn csv(s: &Series) -> ApiResult<String> {
    let (region, series) = s;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(format!("csv: {e}"));
    w.write_record(COLUMNS).map_err(fail)?;
    let gid = ids::encode(<Region as crate::graphql::node::NodeType>::NAME, region.id).0;
    for (name, points) in series {
        for p in points {
            let f = p.figure;
            w.write_record([
                region.code.clone(),
                region.name.clone(),
                name.wire().to_owned(),
                unit(name.unit()).to_owned(),
                p.month.to_string(),
                cell(f.and_then(|f| f.value)),
                cell(f.and_then(|f| f.numerator)),
                cell(f.and_then(|f| f.denominator)),
                f.map(|f| f.count.to_string()).unwrap_or_default(),
                f.is_none().to_string(),
                p.revision.to_string(),
                (p.revision > 0).to_string(),
                time(p.recorded_at).unwrap_or_default(),
                gid.clone(),
            ])
            .map_err(fail)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    // The byte-order mark: Excel reads UTF-8 only with it.
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

fn json_of(s: &Series) -> Value {
    let (region, series) = s;
    let series: Vec<Value> = series
        .iter()
        .map(|(name, points)| {
            let points: Vec<Value> = points
                .iter()
                .map(|p| {
                    let f = p.figure;
                    json!({
                        "month": p.month.to_string(),
                        "value": f.and_then(|f| f.value),
                        "numerator": f.and_then(|f| f.numerator),
                        "denominator": f.and_then(|f| f.denominator),
                        "count": f.map(|f| f.count),
                        "suppressed": f.is_none(),
                        "revision": p.revision,
                        "isFinal": p.revision > 0,
                        "recordedAt": time(p.recorded_at),
                    })
                })
                .collect();
            json!({ "name": name.wire(), "unit": unit(name.unit()), "points": points })
        })
        .collect();
    json!({
        "region": { "id": ids::encode(<Region as crate::graphql::node::NodeType>::NAME, region.id).0,
            "code": region.code, "name": region.name },
        "series": series,
    })
}

/// `GET /exports/indicators.{csv,json}`.
async fn export(State(state): State<HttpState>, Path(file): Path<String>, req: Request) -> Response {
    let mut principal = None;
    let result = async {
        let (name, format) = adapter::split_format(&file, &[Format::Csv, Format::Json])
            .filter(|(n, _)| *n == "indicators")
            .ok_or_else(|| ApiError::not_found("Export"))?;
        let call = Call::read(req, 0).await?;
        let p = adapter::caller(&state, &call)?.ok_or_else(ApiError::unauthenticated)?;
        principal = Some(p.clone());
        let s = series(&state, &call, &p).await?;
        let text = match format {
            Format::Csv => csv(&s)?,
            _ => json_of(&s).to_string(),
        };
        Ok::<_, ApiError>((name.to_owned(), format, s.0.code.clone(), text))
    }
    .await;
    let resp = match result {
        Ok((name, format, code, text)) => {
            let mut resp = adapter::body(format, StatusCode::OK, text);
            let ext = if format == Format::Csv { "csv" } else { "json" };
            let disposition = format!("attachment; filename=\"{name}-{code}.{ext}\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            // Figures are per principal: no shared cache may keep them.
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            resp
        }
        Err(e) => crate::http::request_error(adapter::status_of(&e), &e),
    };
    adapter::logged(resp, principal.as_ref())
}
