//! What the standards adapters share (Open311 under `/open311/v2/`, HSDS
//! under `/hsds/`, the indicator exports under `/exports/`): who is
//! calling, the format a path asks for, paging, an error's HTTP status, and
//! XML written from the same JSON rows the JSON answer holds. Names no
//! domain: each adapter lives in its domain's folder and calls that
//! domain's services and `visible_*` queries, so the rules are the
//! GraphQL API's, not a second copy.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

use super::{AccessInfo, HttpState, client};
use crate::auth::Principal;
use crate::error::{ApiError, code};

/// The caller of an adapter request: from `Authorization: Bearer <token>`,
/// or the Open311 way, the token as `api_key` (a query or form
/// parameter), or as the password of HTTP Basic authentication (clients
/// configured through `.netrc`). `None`: anonymous, and then the request
/// passes the per-address rate limit as anonymous GraphQL requests do. A
/// token that is present but no good is an error, never anonymous.
pub fn caller(state: &HttpState, call: &Call) -> Result<Option<Principal>, ApiError> {
    let (headers, api_key) = (&call.headers, call.param("api_key"));
    let token = match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        Some(Ok(v)) if v.starts_with("Bearer ") => Some(v["Bearer ".len()..].trim().to_owned()),
        Some(Ok(v)) if v.starts_with("Basic ") => {
            let decoded = STANDARD.decode(v["Basic ".len()..].trim()).ok().and_then(|b| String::from_utf8(b).ok());
            let password = decoded.as_deref().and_then(|d| d.split_once(':')).map(|(_, p)| p.to_owned());
            Some(password.ok_or_else(|| ApiError::Unauthenticated(t!("http.malformed_authorization_header")))?)
        }
        Some(_) => return Err(ApiError::Unauthenticated(t!("http.expected_bearer_token"))),
        None => api_key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()),
    };
    match token {
        Some(t) => crate::auth::authenticate(&state.app, &t).map(|(p, _)| Some(p)),
        None => {
            let addr = client::client_addr(&state.app.config, headers, &call.extensions);
            client::check_anonymous(&state.limiter, addr)?;
            Ok(None)
        }
    }
}

/// What an adapter reads of a request: its headers and extensions (for
/// [`caller`]) and its parameters, from the query string and, for a form
/// body (`application/x-www-form-urlencoded`, as Open311's POST), the
/// body; the query's come first.
pub struct Call {
    pub headers: HeaderMap,
    pub extensions: axum::http::Extensions,
    pub params: Vec<(String, String)>,
}

impl Call {
    pub async fn read(req: axum::extract::Request, max_body: usize) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let mut params: Vec<(String, String)> =
            parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        let form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if form {
            let bytes = axum::body::to_bytes(body, max_body)
                .await
                .map_err(|_| ApiError::bad_input("body", t!("adapters.body_too_large", max = max_body)))?;
            params.extend(form_urlencoded::parse(&bytes).into_owned());
        }
        // The gate's rule for GraphQL text, for every parameter: no
        // control characters reach a service or SQL (a NUL fails on
        // PostgreSQL as a server error).
        for (k, v) in &params {
            if k.chars().chain(v.chars()).any(crate::gate::is_refused_char) {
                return Err(ApiError::bad_input(k.clone(), t!("gate.text_not_contain_nul_other")));
            }
        }
        Ok(Self { headers: parts.headers, extensions: parts.extensions, params })
    }

    /// The first value of a parameter, trimmed; an empty one is none.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A comma-separated parameter (every occurrence), as a list of at
    /// most the gate's list length ([`crate::gate::MAX_LIST`]).
    pub fn list(&self, name: &str) -> Result<Vec<String>, ApiError> {
        let items: Vec<String> = self
            .params
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        let max = crate::gate::MAX_LIST;
        if items.len() > max {
            return Err(ApiError::bad_input(name.to_owned(), t!("gate.list_too_long", max = max, given = items.len())));
        }
        Ok(items)
    }
}

/// The HTTP status of an error an adapter answers with.
pub fn status_of(err: &ApiError) -> StatusCode {
    match err.code() {
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::BAD_USER_INPUT => StatusCode::BAD_REQUEST,
        code::CONFLICT => StatusCode::CONFLICT,
        code::RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
        code::UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Tells the access log who asked (the principal's kind and id, never the
/// token), as the GraphQL transport does.
pub fn logged(mut resp: Response, p: Option<&Principal>) -> Response {
    resp.extensions_mut().insert(AccessInfo::of(p));
    resp
}

/// The representations a path may ask for by its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Csv,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "text/xml; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// `requests.json` → (`requests`, JSON). A route cannot match a suffix
/// inside one segment (axum matches whole segments), so the adapters take
/// the segment and split it here. `None` for an unknown or missing suffix.
pub fn split_format<'a>(segment: &'a str, allowed: &[Format]) -> Option<(&'a str, Format)> {
    let (name, ext) = segment.rsplit_once('.')?;
    let f = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        "csv" => Format::Csv,
        _ => return None,
    };
    (allowed.contains(&f) && !name.is_empty()).then_some((name, f))
}

/// A body with its media type.
pub fn body(format: Format, status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, format.media_type())], text).into_response()
}

/// A 1-based page of `size` items: `page` and `per_page` (or another name
/// for the size) as the caller gave them, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: u64,
    pub size: u64,
}

impl Page {
    pub fn parse(page: Option<&str>, size: Option<&str>, default: u64, max: u64) -> Result<Self, ApiError> {
        let number = match page {
            None => 1,
            Some(p) => p
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| ApiError::bad_input("page", t!("adapters.page_positive")))?,
        };
        let size = match size {
            None => default,
            Some(s) => s
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=max).contains(s))
                .ok_or_else(|| ApiError::bad_input("per_page", t!("adapters.page_size", max = max)))?,
        };
        Ok(Self { number, size })
    }

    pub fn offset(self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

/// One object of an answer, its fields in the order the standard lists
/// them (serde_json's maps sort their keys): serialised as a JSON object,
/// or as XML by [`xml`].
#[derive(Clone, Debug, Default)]
pub struct Row(pub Vec<(&'static str, Value)>);

impl Row {
    /// Without its null fields (for standards that leave a field out
    /// rather than give it no value).
    #[must_use]
    pub fn compact(self) -> Self {
        Self(self.0.into_iter().filter(|(_, v)| !v.is_null()).collect())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl serde::Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// XML of a list of rows: `<root><item>…</item>…</root>`. A row's
/// fields become child elements in their order; null is an
/// empty element; an array of objects under `key` becomes `<key>` with one
/// child per element, named `key` without its plural `s` (Open311's
/// `<attributes><attribute>`, `<values><value>`).
pub fn xml(root: &str, item: &str, rows: &[Row]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = w.write_event(Event::Start(BytesStart::new(root)));
    for row in rows {
        let _ = w.write_event(Event::Start(BytesStart::new(item)));
        for (k, v) in &row.0 {
            element(&mut w, k, v);
        }
        let _ = w.write_event(Event::End(BytesEnd::new(item)));
    }
    let _ = w.write_event(Event::End(BytesEnd::new(root)));
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

/// XML of one row: `<root>…</root>`.
pub fn xml_one(root: &str, row: &Row) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = w.write_event(Event::Start(BytesStart::new(root)));
    for (k, v) in &row.0 {
        element(&mut w, k, v);
    }
    let _ = w.write_event(Event::End(BytesEnd::new(root)));
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, value: &Value) {
    match value {
        Value::Null => {
            let _ = w.write_event(Event::Empty(BytesStart::new(name)));
        }
        Value::Object(fields) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name)));
            for (k, v) in fields {
                element(w, k, v);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        }
        Value::Array(items) => {
            let _ = w.write_event(Event::Start(BytesStart::new(name)));
            let child = name.strip_suffix('s').unwrap_or(name);
            for v in items {
                element(w, child, v);
            }
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        }
        Value::String(s) => text(w, name, s),
        other => text(w, name, &other.to_string()),
    }
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, s: &str) {
    let _ = w.write_event(Event::Start(BytesStart::new(name)));
    let _ = w.write_event(Event::Text(BytesText::new(s)));
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn suffixes() {
        let all = [Format::Json, Format::Xml];
        assert_eq!(split_format("requests.json", &all), Some(("requests", Format::Json)));
        assert_eq!(split_format("12.XML", &all), Some(("12", Format::Xml)));
        assert_eq!(split_format("requests", &all), None);
        assert_eq!(split_format("requests.csv", &all), None);
        assert_eq!(split_format(".json", &all), None);
    }

    #[test]
    fn xml_escapes_and_nests() {
        let rows =
            [Row(vec![("code", json!("A&B")), ("none", Value::Null), ("attributes", json!([{ "key": "<x>" }]))])];
        let x = xml("services", "service", &rows);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{x}");
        assert!(x.contains("<code>A&amp;B</code>\n    <none/>"), "fields in their order: {x}");
        assert_eq!(
            serde_json::to_string(&rows[0]).ok().as_deref(),
            Some(r#"{"code":"A&B","none":null,"attributes":[{"key":"<x>"}]}"#)
        );
        assert!(x.contains("<none/>"), "{x}");
        assert!(x.contains("<attributes>\n      <attribute>\n        <key>&lt;x&gt;</key>"), "{x}");
    }

    #[test]
    fn pages() {
        assert_eq!(Page::parse(None, None, 50, 1000).ok(), Some(Page { number: 1, size: 50 }));
        assert_eq!(Page::parse(Some("3"), Some("10"), 50, 1000).map(Page::offset).ok(), Some(20));
        assert!(Page::parse(Some("0"), None, 50, 1000).is_err());
        assert!(Page::parse(None, Some("1001"), 50, 1000).is_err());
    }
}
