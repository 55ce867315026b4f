//! Input values checked once at the edge: search text here, dates and
//! times in their scalars ([`crate::graphql::scalars`]), control characters
//! in any text for every field at once in [`crate::gate`].

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{LikeExpr, SimpleExpr};

use crate::error::{ApiError, ApiResult};

/// Longest search text (characters). Longer text is not a search, and on
/// SQLite a 60,000-character LIKE pattern failed as INTERNAL.
pub const MAX_SEARCH_CHARS: usize = 100;

/// Earliest and latest year a date or time may have (checked by the
/// `Date` and `DateTime` scalars). Civic data has no use
/// for other years, and PostgreSQL refuses some that chrono accepts.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 9999;

/// Trimmed search text, `None` when empty; refused when too long.
pub fn search_text(field: &str, raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(text) = raw.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::bad_input(field, t!("input.at_most_characters", max = MAX_SEARCH_CHARS)));
    }
    Ok(Some(text))
}

/// `col LIKE '%text%'` with `%`, `_` and the escape character itself
/// matched literally.
pub fn contains(col: impl ColumnTrait, text: &str) -> SimpleExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    col.like(LikeExpr::new(pattern).escape('\\'))
}

/// Declare free-text input types with named limits: trimmed, not empty, at
/// most `MAX_CHARS` characters. Parsed once where input enters a service.
macro_rules! text_types {
    ($($(#[$m:meta])* $name:ident = $max:expr;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted text (characters).
            pub const MAX_CHARS: usize = $max;

            /// Trimmed text, or BAD_USER_INPUT naming `field`.
            pub fn parse(field: &str, raw: &str) -> ApiResult<Self> {
                let v = raw.trim();
                if v.is_empty() {
                    return Err(ApiError::bad_input(field, t!("input.must_not_empty")));
                }
                if v.chars().count() > Self::MAX_CHARS {
                    return Err(ApiError::bad_input(field, t!("input.at_most_characters", max = Self::MAX_CHARS)));
                }
                Ok(Self(v.to_owned()))
            }

            /// Optional text: blank is `None`.
            pub fn parse_opt(field: &str, raw: Option<&str>) -> ApiResult<Option<Self>> {
                raw.filter(|r| !r.trim().is_empty()).map(|r| Self::parse(field, r)).transpose()
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    )*};
}

text_types! {
    /// A name of a place, organisation, building or client.
    Name = 200;
    /// A short machine code (region codes).
    Code = 64;
    /// A person's display or real name.
    PersonName = 100;
    /// A title (project, task, meeting).
    Title = 200;
    /// A place or location description.
    Place = 200;
    /// A project description or progress update.
    Body = 5000;
    /// A comment or an evaluation's remark.
    Remark = 2000;
    /// The reason given for a decision or a removal.
    Reason = 500;
    /// Minutes of a council meeting.
    Minutes = 20_000;
    /// An external reference (a receipt or invoice number, an
    /// integration's own record id).
    Reference = 100;
    /// How to reach someone (a phone number, an address, an e-mail).
    Contact = 200;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    #[test]
    fn wildcards_are_escaped() {
        let sql = Query::select()
            .column(entity::project::Column::Id)
            .from(entity::project::Entity)
            .and_where(contains(entity::project::Column::Title, "50%_a\\b"))
            .to_string(PostgresQueryBuilder);
        assert!(sql.contains(r"LIKE E'%50\\%\\_a\\\\b%' ESCAPE E'\\'"), "{sql}");
    }

    #[test]
    fn text_types_trim_and_bound() {
        assert_eq!(Title::parse("title", "  扶手 ").unwrap().into_inner(), "扶手");
        assert_eq!(Title::parse("title", " ").unwrap_err().code(), "BAD_USER_INPUT");
        assert!(Reason::parse("reason", &"字".repeat(Reason::MAX_CHARS)).is_ok());
        assert!(Reason::parse("reason", &"字".repeat(Reason::MAX_CHARS + 1)).is_err());
        assert_eq!(Remark::parse_opt("comment", Some("  ")).unwrap(), None);
    }

    #[test]
    fn search_text_is_capped_and_trimmed() {
        assert_eq!(search_text("q", Some("  花园 ".into())).unwrap(), Some("花园".into()));
        assert_eq!(search_text("q", Some("   ".into())).unwrap(), None);
        assert!(search_text("q", Some("x".repeat(MAX_SEARCH_CHARS + 1))).is_err());
    }
}
