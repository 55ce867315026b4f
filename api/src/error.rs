//! The one error type of the API. Every error a client sees carries a stable
//! machine-readable `extensions.code` from [`code`]; database and internal
//! error text is logged, never sent.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

use crate::i18n::Msg;

/// Stable values of `extensions.code`. Clients switch on these strings, so
/// they never change meaning.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A value the client sent is wrong (an argument, a variable, an input
    /// field): the user's input, to show or fix.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// The document is not GraphQL (a syntax error): a bug in the client.
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    /// The document does not fit the schema or the server's limits (an
    /// unknown field, a missing selection, too deep): a bug in the client.
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// An automatic persisted query the server does not know (yet): send
    /// the query text with its hash (Apollo's protocol).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// An API client bound to its own trusted documents sent another
    /// operation (HTTP 403): ship the operation and register it first.
    pub const UNTRUSTED_OPERATION: &str = "UNTRUSTED_OPERATION";
    /// The database (or another dependency) is unreachable; retry later.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const INTERNAL: &str = "INTERNAL";
}

/// Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error *without* a code, so `?` on an `ApiError` must go through our own
/// `From` impl below, which always sets `extensions.code`.
///
/// Messages are catalogue keys with their values ([`Msg`], made with
/// [`t!`]), shown in the request's language ([`crate::i18n`]).
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated(Msg),
    Forbidden(Msg),
    /// What was not found (a type name).
    NotFound(String),
    /// Bad input; `field` names the input field at fault when there is one.
    BadInput {
        field: Option<String>,
        message: Msg,
    },
    Conflict(Msg),
    /// CONFLICT because a balance is too small: `balance` names which one
    /// (`FUND`, `ALLOCATION`, `ROUND`), `remaining` is what is left of it,
    /// in fen. Both go to `extensions` so a client can show them.
    Insufficient {
        message: Msg,
        balance: &'static str,
        remaining: i64,
    },
    /// An automatic persisted query not in the cache (Apollo's protocol:
    /// the message is exactly `PersistedQueryNotFound`, in every language).
    PersistedQueryNotFound,
    /// Too many requests; the second field is the seconds to wait.
    RateLimited(Msg, u64),
    /// The document is not GraphQL.
    ParseFailed(Msg),
    /// The document does not fit the schema or the server's limits.
    ValidationFailed(Msg),
    /// Not one of the operations registered for this API client.
    UntrustedOperation(Msg),
    /// A dependency (the database) is unreachable; the request may be retried.
    Unavailable(String),
    /// Never shown to clients: the message is logged and replaced.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Retry-After` for UNAVAILABLE (seconds).
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl ApiError {
    pub fn unauthenticated() -> Self {
        Self::Unauthenticated(t!("error.authentication_required"))
    }

    pub fn forbidden(why: Msg) -> Self {
        Self::Forbidden(why)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn bad_input(field: impl Into<String>, message: Msg) -> Self {
        Self::BadInput { field: Some(field.into()), message }
    }

    pub fn conflict(message: Msg) -> Self {
        Self::Conflict(message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// Seconds a client should wait before retrying (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited(_, secs) => Some(*secs),
            Self::Unavailable(_) => Some(UNAVAILABLE_RETRY_SECS),
            _ => None,
        }
    }

    /// The message a client may see, as a catalogue message.
    pub fn message(&self) -> Msg {
        match self {
            Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::Conflict(m)
            | Self::RateLimited(m, _)
            | Self::ParseFailed(m)
            | Self::ValidationFailed(m)
            | Self::UntrustedOperation(m) => m.clone(),
            Self::Insufficient { message, .. } | Self::BadInput { message, .. } => message.clone(),
            Self::PersistedQueryNotFound => t!("error.persisted_query_not_found"),
            Self::Unavailable(_) => t!("error.unavailable"),
            Self::NotFound(what) => t!("error.not_found", what = what),
            Self::Internal(_) => t!("error.internal"),
        }
    }

    /// The message a client may see, in the request's language
    /// ([`crate::i18n::current`]).
    pub fn public_message(&self) -> String {
        match self {
            // Apollo's protocol matches this message exactly.
            Self::PersistedQueryNotFound => "PersistedQueryNotFound".into(),
            _ => self.message().render_current(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::BadInput { .. } => code::BAD_USER_INPUT,
            Self::Conflict(_) | Self::Insufficient { .. } => code::CONFLICT,
            Self::RateLimited(..) => code::RATE_LIMITED,
            Self::ParseFailed(_) => code::GRAPHQL_PARSE_FAILED,
            Self::ValidationFailed(_) => code::GRAPHQL_VALIDATION_FAILED,
            Self::UntrustedOperation(_) => code::UNTRUSTED_OPERATION,
            Self::PersistedQueryNotFound => code::PERSISTED_QUERY_NOT_FOUND,
            Self::Unavailable(_) => code::UNAVAILABLE,
            Self::Internal(_) => code::INTERNAL,
        }
    }
}

impl From<DbErr> for ApiError {
    /// Constraint violations are the client's doing (a duplicate name, a
    /// reference to a row that is gone); everything else is ours.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(t!("error.unique_violation")),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::BadInput { field: None, message: t!("error.foreign_key_violation") }
            }
            _ if is_unavailable(&err) => {
                tracing::warn!(error = %err, "database unavailable");
                Self::Unavailable(err.to_string())
            }
            _ => Self::Internal(err.to_string()),
        }
    }
}

/// A unique constraint and what violating it means to the user. The
/// constraint is recognised by its name on PostgreSQL and by its columns on
/// SQLite (which reports `table.column` instead of the index name).
pub struct Unique {
    /// The constraint or unique index name (`accounts_username_key`).
    pub name: &'static str,
    /// `table.column, table.column` as SQLite reports it.
    pub columns: &'static str,
    /// The user error, with a message that names the clash.
    pub error: fn() -> ApiError,
}

/// Map a database error through the known unique constraints of a write:
/// a violation of one of them becomes its own user error (CONFLICT with a
/// specific message); anything else maps as usual.
pub fn map_unique(err: DbErr, known: &[Unique]) -> ApiError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
        for u in known {
            if message.contains(&format!("\"{}\"", u.name)) || message.contains(u.columns) {
                return (u.error)();
            }
        }
    }
    ApiError::from(err)
}

/// Errors that mean "the database is away", not "the request is wrong":
/// no connection could be had in time, or the connection broke.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        // Acquiring or opening a connection failed: nothing about the request.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e.as_ref(),
        _ => return false,
    };
    match sqlx {
        Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::WorkerCrashed | Sqlx::Tls(_) => true,
        // The wire broke mid-message; but sqlx also reports a statement with
        // more bind values than the protocol allows this way, which is the
        // request's doing (lists are bounded before SQL; see `input`).
        Sqlx::Protocol(m) => !m.contains("too many arguments"),
        Sqlx::Database(e) => e.code().is_some_and(|c| server_went_away(&c)),
        _ => false,
    }
}

/// SQLSTATEs that mean the server went away or cannot serve now, not that
/// the statement was wrong: class 08 (connection exception), 57P01 to
/// 57P03 (admin or crash shutdown, cannot connect now: a restart or a
/// failover), 53300 (too many connections).
fn server_went_away(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "53300")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_went_away_is_unavailable() {
        for code in ["08006", "08003", "57P01", "57P02", "57P03", "53300"] {
            assert!(server_went_away(code), "{code}");
        }
        for code in ["23505", "40001", "42601", "57014"] {
            assert!(!server_went_away(code), "{code}");
        }
    }

    #[test]
    fn unique_violations_map_by_constraint_name() {
        let known = [Unique {
            name: "accounts_username_key",
            columns: "accounts.username",
            error: || ApiError::conflict(t!("accounts.username_already_taken")),
        }];
        let pg = DbErr::Exec(sea_orm::RuntimeErr::Internal(String::new()));
        // A non-constraint error keeps its usual mapping.
        assert_eq!(map_unique(pg, &known).code(), code::INTERNAL);
        let codes = [
            ApiError::unauthenticated().code(),
            ApiError::forbidden(t!("error.internal")).code(),
            ApiError::not_found("x").code(),
            ApiError::bad_input("f", t!("error.internal")).code(),
            ApiError::conflict(t!("error.internal")).code(),
            ApiError::PersistedQueryNotFound.code(),
            ApiError::RateLimited(t!("error.internal"), 1).code(),
            ApiError::Unavailable("x".into()).code(),
            ApiError::internal("secret detail").code(),
        ];
        assert_eq!(
            codes,
            [
                "UNAUTHENTICATED",
                "FORBIDDEN",
                "NOT_FOUND",
                "BAD_USER_INPUT",
                "CONFLICT",
                "PERSISTED_QUERY_NOT_FOUND",
                "RATE_LIMITED",
                "UNAVAILABLE",
                "INTERNAL"
            ]
        );
        assert_eq!(ApiError::internal("secret detail").public_message(), "internal error");
    }
}

impl ApiError {
    /// The input field a BAD_USER_INPUT names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field: Some(f), .. } => Some(f.as_str()),
            _ => None,
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        let message = self.public_message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let Self::BadInput { field: Some(field), .. } = self {
                ext.set("field", field.as_str());
            }
            if let Self::Insufficient { balance, remaining, .. } = self {
                ext.set("balance", *balance);
                // Money goes out as a decimal string, as the Money scalar does.
                ext.set("remaining", remaining.to_string());
            }
            if let Some(secs) = self.retry_after_secs() {
                ext.set("retryAfterSeconds", secs);
            }
        })
    }
}

/// Every error gets a code and a message in the request's language: errors
/// raised by our resolvers carry both already; those raised by
/// async-graphql itself (parse, validation, depth and complexity limits,
/// bad variables) are the client's input, worded by the catalogue
/// ([`crate::i18n::library`]). Used by every transport.
///
/// Which code: an error at a path (a value that failed to parse while a
/// field ran) and the messages about values (arguments, variables, input
/// fields, enum values) are BAD_USER_INPUT; the rest of validation
/// (unknown fields and types, fragments, limits) is
/// GRAPHQL_VALIDATION_FAILED, and a document that does not parse is
/// GRAPHQL_PARSE_FAILED: a bug in the client, not the user's mistake.
pub fn finish(err: &mut async_graphql::ServerError) {
    let has = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has {
        use crate::i18n::library::{Kind, kind};
        let code = match kind(&err.message) {
            _ if !err.path.is_empty() => code::BAD_USER_INPUT,
            Kind::Value => code::BAD_USER_INPUT,
            Kind::Parse => code::GRAPHQL_PARSE_FAILED,
            Kind::Validation => code::GRAPHQL_VALIDATION_FAILED,
        };
        err.message = crate::i18n::library::translate(&err.message, crate::i18n::current());
        err.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}
