//! Opaque global ids for the `Node` interface: base64url of `Type:id`.
//! Clients must treat them as opaque strings.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};

pub fn encode(type_name: &str, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Decode any global id into its type name and database id.
pub fn decode(id: &ID) -> Option<(String, i32)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (ty, id) = text.split_once(':')?;
    Some((ty.to_owned(), id.parse().ok()?))
}

/// Decode a global id that must be of `type_name`; `field` names the input
/// field for the error.
pub fn decode_as(id: &ID, type_name: &str, field: &str) -> ApiResult<i32> {
    match decode(id) {
        Some((ty, n)) if ty == type_name => Ok(n),
        _ => Err(ApiError::bad_input(field, format!("not a valid {type_name} id"))),
    }
}
