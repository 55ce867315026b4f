//! Screening before execution: the gate's limits, then the surface of the
//! caller's kind (issue 24, see [`crate::graphql::surface`]), for POST and
//! GET alike.

use async_graphql::{BatchRequest, BatchResponse, Response as GqlResponse};
use axum::http::StatusCode;
use axum::response::Response;

use super::{HttpState, request_error};
use crate::audience::Audience;
use crate::error::{ApiError, code};
use crate::graphql::surface::Refusal;

/// Screen every request of a batch and hold each against the surface of
/// the caller's kind; credential-checking fields are counted across the
/// whole HTTP request. The number of root fields that need a principal,
/// and what each request names that the caller's kind does not see.
pub(super) fn screen_all<'a>(
    state: &HttpState,
    audience: Audience,
    reqs: impl IntoIterator<Item = &'a mut async_graphql::Request>,
) -> Result<(usize, Vec<Option<Refusal>>), ApiError> {
    let (mut credential_fields, mut principal_fields, mut refusals) = (0, 0, Vec::new());
    for req in reqs {
        let (counts, refusal) = state.documents.screen(req, &state.limits, audience)?;
        credential_fields += counts.credential_fields;
        principal_fields += counts.principal_fields;
        refusals.push(refusal);
    }
    if credential_fields > 1 {
        return Err(ApiError::bad_input("query", t!("http.most_one_login_refreshtoken_field")));
    }
    Ok((principal_fields, refusals))
}

/// A caller without a token whose document names what anonymous callers
/// do not see is told to sign in (401, as for a stale token), whether the
/// field exists or not, so the answer reveals nothing. Signed-in callers
/// get the unknown-field validation error instead (see [`crate::graphql::surface`]).
pub(super) fn anonymous_refusal(
    state: &HttpState,
    audience: Audience,
    refusals: &[Option<Refusal>],
) -> Option<Response> {
    (audience == Audience::Anonymous && refusals.iter().any(Option::is_some)).then(|| {
        state.metrics.graphql_errors.with_label_values(&[code::UNAUTHENTICATED]).inc();
        request_error(StatusCode::UNAUTHORIZED, &ApiError::Unauthenticated(t!("http.sign_in_to_use_this")))
    })
}

/// Run a batch whose members the surface check refused in part: those get
/// their validation error, the rest run.
pub(super) async fn execute_some(
    state: &HttpState,
    batch: BatchRequest,
    refusals: Vec<Option<Refusal>>,
) -> BatchResponse {
    let refused = |r: Refusal| GqlResponse::from_errors(vec![r.into_server_error()]);
    match batch {
        BatchRequest::Single(r) => match refusals.into_iter().next().flatten() {
            Some(x) => BatchResponse::Single(refused(x)),
            None => BatchResponse::Single(state.schema.execute(r).await),
        },
        BatchRequest::Batch(rs) => {
            let runs = rs.into_iter().zip(refusals).map(|(r, refusal)| async move {
                match refusal {
                    Some(x) => refused(x),
                    None => state.schema.execute(r).await,
                }
            });
            BatchResponse::Batch(futures_util::future::join_all(runs).await)
        }
    }
}
