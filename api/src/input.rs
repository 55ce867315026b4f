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
        return Err(ApiError::bad_input(field, format!("at most {MAX_SEARCH_CHARS} characters")));
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
    fn search_text_is_capped_and_trimmed() {
        assert_eq!(search_text("q", Some("  花园 ".into())).unwrap(), Some("花园".into()));
        assert_eq!(search_text("q", Some("   ".into())).unwrap(), None);
        assert!(search_text("q", Some("x".repeat(MAX_SEARCH_CHARS + 1))).is_err());
    }
}
