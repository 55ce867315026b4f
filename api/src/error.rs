//! The one error type of the API. Every error a client sees carries a stable
//! machine-readable `extensions.code` from [`code`]; database and internal
//! error text is logged, never sent.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// Stable values of `extensions.code`. Clients switch on these strings, so
/// they never change meaning.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// An automatic persisted query the server does not know (yet): send
    /// the query text with its hash (Apollo's protocol).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// The database (or another dependency) is unreachable; retry later.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const INTERNAL: &str = "INTERNAL";
}

/// Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error *without* a code, so `?` on an `ApiError` must go through our own
/// `From` impl below, which always sets `extensions.code`.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    /// What was not found (a type name).
    NotFound(String),
    /// Bad input; `field` names the input field at fault when there is one.
    BadInput {
        field: Option<String>,
        message: String,
    },
    Conflict(String),
    /// CONFLICT because a balance is too small: `balance` names which one
    /// (`FUND`, `ALLOCATION`, `ROUND`), `remaining` is what is left of it,
    /// in fen. Both go to `extensions` so a client can show them.
    Insufficient {
        message: String,
        balance: &'static str,
        remaining: i64,
    },
    /// An automatic persisted query not in the cache (Apollo's protocol:
    /// the message is exactly `PersistedQueryNotFound`).
    PersistedQueryNotFound,
    /// Too many requests; the second field is the seconds to wait.
    RateLimited(String, u64),
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
        Self::Unauthenticated("authentication required".into())
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Self::Forbidden(why.into())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: Some(field.into()), message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
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

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::Conflict(m) | Self::RateLimited(m, _) => m.clone(),
            Self::Insufficient { message, .. } => message.clone(),
            Self::PersistedQueryNotFound => "PersistedQueryNotFound".into(),
            Self::Unavailable(_) => "service temporarily unavailable; retry later".into(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::BadInput { message, .. } => message.clone(),
            Self::Internal(_) => "internal error".into(),
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
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("an object with these unique values already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::BadInput { field: None, message: "a referenced object does not exist or is still in use".into() }
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
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        // Acquiring or opening a connection failed: nothing about the request.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => {
            matches!(
                e.as_ref(),
                Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::WorkerCrashed | Sqlx::Protocol(_)
            )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_map_by_constraint_name() {
        let known = [Unique {
            name: "accounts_username_key",
            columns: "accounts.username",
            error: || ApiError::conflict("username already taken"),
        }];
        let pg = DbErr::Exec(sea_orm::RuntimeErr::Internal(String::new()));
        // A non-constraint error keeps its usual mapping.
        assert_eq!(map_unique(pg, &known).code(), code::INTERNAL);
        let codes = [
            ApiError::unauthenticated().code(),
            ApiError::forbidden("x").code(),
            ApiError::not_found("x").code(),
            ApiError::bad_input("f", "x").code(),
            ApiError::conflict("x").code(),
            ApiError::PersistedQueryNotFound.code(),
            ApiError::RateLimited("x".into(), 1).code(),
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

/// Every error gets a code: errors raised by our resolvers carry one
/// already; those raised by async-graphql itself (parse, validation, depth
/// and complexity limits, bad variables) are the client's input. Used by
/// every transport.
pub fn ensure_code(err: &mut async_graphql::ServerError) {
    let has = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has {
        err.extensions.get_or_insert_with(Default::default).set("code", code::BAD_USER_INPUT);
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}
