//! Opaque global ids for the `Node` interface: base64url of `Type:id`.
//! Clients must treat them as opaque strings. They are decoded once, at the
//! GraphQL boundary, into the database id of the expected node type.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};
use crate::graphql::node::NodeType;

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

/// Decode a global id that must be of node type `T`; `field` names the input
/// field for the error (`BAD_USER_INPUT` with `extensions.field`).
pub fn id_of<T: NodeType>(id: &ID, field: &str) -> ApiResult<i32> {
    match decode(id) {
        Some((ty, n)) if ty == T::NAME => Ok(n),
        _ => Err(ApiError::bad_input(field, t!("ids.not_valid", kind = T::NAME))),
    }
}

/// Decode an optional global id of node type `T`.
pub fn opt_id_of<T: NodeType>(id: Option<&ID>, field: &str) -> ApiResult<Option<i32>> {
    id.map(|id| id_of::<T>(id, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_opaque() {
        let id = encode("Project", 42);
        assert_eq!(id.as_str(), "UHJvamVjdDo0Mg");
        assert_eq!(decode(&id), Some(("Project".into(), 42)));
        for bad in ["", "!!", "UHJvamVjdA", "UHJvamVjdDp4"] {
            assert_eq!(decode(&ID(bad.into())), None, "{bad}");
        }
    }
}
