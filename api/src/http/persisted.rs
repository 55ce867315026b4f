//! Persisted queries, over HTTP (POST and GET):
//!
//! - **Automatic persisted queries** (Apollo's protocol): a request with
//!   `extensions.persistedQuery.sha256Hash` and no query runs the text the
//!   server remembers for that hash, or gets `PersistedQueryNotFound`
//!   (`extensions.code: PERSISTED_QUERY_NOT_FOUND`, HTTP 200), whereupon the
//!   client sends text and hash together; the server checks the hash,
//!   screens the text like any other, and remembers it. The cache keeps at
//!   most `GONGZHI_APQ_CACHE_ENTRIES` texts, forgetting the oldest.
//! - **Trusted documents** (for production): with `GONGZHI_TRUSTED_DOCUMENTS`
//!   only the operations of that manifest run, sent by hash or by text;
//!   anything else is FORBIDDEN (HTTP 403). The cache is then unused.

use std::collections::HashMap;

use crate::auth::documents::sha256_hex;

use crate::cache::Bounded;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};

/// The persisted-query state of one server process.
pub struct Persisted {
    cap: usize,
    cache: Bounded<String, String>,
    trusted: Option<HashMap<String, String>>,
}

/// Parse a manifest: Apollo's `{"operations": [{"id", "body"}, ...]}` or a
/// plain object of hash → text. Hashes are checked against the texts.
fn parse_manifest(json: &str) -> Result<HashMap<String, String>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let pairs: Vec<(String, String)> = match v.get("operations").and_then(|o| o.as_array()) {
        Some(ops) => ops
            .iter()
            .map(|op| match (op["id"].as_str(), op["body"].as_str()) {
                (Some(id), Some(body)) => Ok((id.to_owned(), body.to_owned())),
                _ => Err("an operation without id or body".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        None => v
            .as_object()
            .ok_or("expected an object")?
            .iter()
            .map(|(k, b)| b.as_str().map(|b| (k.clone(), b.to_owned())).ok_or_else(|| format!("{k}: not a string")))
            .collect::<Result<_, _>>()?,
    };
    pairs
        .into_iter()
        .map(
            |(id, body)| {
                if sha256_hex(&body) == id {
                    Ok((id, body))
                } else {
                    Err(format!("{id}: hash does not match its text"))
                }
            },
        )
        .collect()
}

impl Persisted {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let trusted = match &config.trusted_documents {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Some(parse_manifest(&text).map_err(|e| format!("{}: {e}", path.display()))?)
            }
        };
        let cap = config.apq_cache_entries;
        Ok(Self { cap, cache: Bounded::new(cap), trusted })
    }

    /// Fill in or check the request's query. Returns the hash to remember
    /// once the text has passed screening (automatic persisted queries).
    pub fn resolve(&self, req: &mut async_graphql::Request) -> ApiResult<Option<String>> {
        let hash = match req.extensions.remove("persistedQuery") {
            None => None,
            Some(v) => {
                let v =
                    v.into_json().map_err(|_| ApiError::bad_input("extensions", t!("http.invalid_persistedquery")))?;
                if v["version"].as_i64() != Some(1) {
                    return Err(ApiError::bad_input("extensions", t!("http.persistedquery_version_1")));
                }
                let h = v["sha256Hash"]
                    .as_str()
                    .ok_or_else(|| ApiError::bad_input("extensions", t!("http.sha256hash_missing")))?;
                Some(h.to_ascii_lowercase())
            }
        };
        if let Some(trusted) = &self.trusted {
            let key = match (&hash, req.query.trim().is_empty()) {
                (Some(h), true) => h.clone(),
                _ => sha256_hex(&req.query),
            };
            return match trusted.get(&key) {
                Some(text) => {
                    req.query.clone_from(text);
                    Ok(None)
                }
                None => Err(ApiError::forbidden(t!("http.trusted_documents_run_server"))),
            };
        }
        let Some(hash) = hash else { return Ok(None) };
        if self.cap == 0 {
            return Err(ApiError::bad_input("extensions", t!("http.persisted_queries_are_off_server")));
        }
        if req.query.trim().is_empty() {
            return match self.cache.get(&hash) {
                Some(text) => {
                    req.query = text;
                    Ok(None)
                }
                None => Err(ApiError::PersistedQueryNotFound),
            };
        }
        if sha256_hex(&req.query) != hash {
            return Err(ApiError::bad_input("extensions", t!("http.provided_sha256hash_does_not_match")));
        }
        Ok(Some(hash))
    }

    /// Remember a screened query text under its hash.
    pub fn remember(&self, hash: String, text: &str) {
        self.cache.insert(hash, text.to_owned());
    }

    /// The HTTP status of a refusal from [`Self::resolve`].
    pub fn status(err: &ApiError) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match err {
            // Apollo's link reads the error from a 200 response.
            ApiError::PersistedQueryNotFound => StatusCode::OK,
            ApiError::Forbidden(_) | ApiError::UntrustedOperation(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_checked() {
        let q = "{ __typename }";
        let h = sha256_hex(q);
        let apollo = format!(
            r#"{{"format":"apollo-persisted-query-manifest","version":1,"operations":[{{"id":"{h}","body":"{q}","name":"T","type":"query"}}]}}"#
        );
        assert_eq!(parse_manifest(&apollo).unwrap().get(&h).map(String::as_str), Some(q));
        assert!(parse_manifest(&format!(r#"{{"{h}":"{{ me }}"}}"#)).is_err(), "a hash must match its text");
    }
}
