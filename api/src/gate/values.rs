//! Values a request carries (variables and literals): text without
//! control characters, lists of bounded length. Checked before parsing (the
//! variables) and while the document is walked (the literals), so nothing
//! reaches a resolver or SQL otherwise.

use async_graphql::Variables;
use async_graphql_value::{ConstValue, Value};

use crate::error::ApiError;

/// Is this character refused in text input? Control characters (C0, DEL,
/// C1) except tab, line feed and carriage return (multi-line text areas
/// send CRLF).
pub fn is_refused_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

pub(super) fn check_text(field: &str, s: &str) -> Result<(), ApiError> {
    if s.chars().any(is_refused_char) {
        return Err(ApiError::bad_input(field, t!("gate.text_not_contain_nul_other")));
    }
    Ok(())
}

/// Most elements of any list a request carries (an argument, an input
/// field, a variable, at any depth), checked here before anything reaches
/// SQL. Arguments with a smaller maximum of their own say so in the schema
/// (`upsertDeliveryRecords` takes 500 records, `nodes` 100 ids); this one
/// keeps every other list far below the engines' limits on bound
/// parameters (SQLite's 32,766, PostgreSQL's 65,535), where a long list
/// would fail as a server error or, on PostgreSQL, a broken connection
/// that reads as an outage.
pub const MAX_LIST: usize = 1000;

fn check_list(field: &str, len: usize) -> Result<(), ApiError> {
    if len > MAX_LIST {
        return Err(ApiError::bad_input(field, t!("gate.list_too_long", max = MAX_LIST, given = len)));
    }
    Ok(())
}

pub(super) fn check_const(field: &str, v: &ConstValue) -> Result<(), ApiError> {
    use ConstValue as C;
    match v {
        C::String(s) => check_text(field, s),
        C::List(items) => {
            check_list(field, items.len())?;
            items.iter().try_for_each(|v| check_const(field, v))
        }
        C::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_text(field, k)?;
            check_const(k, v)
        }),
        _ => Ok(()),
    }
}

pub(super) fn check_value(field: &str, v: &Value) -> Result<(), ApiError> {
    match v {
        Value::String(s) => check_text(field, s),
        Value::List(items) => {
            check_list(field, items.len())?;
            items.iter().try_for_each(|v| check_value(field, v))
        }
        Value::Object(map) => map.iter().try_for_each(|(k, v)| check_value(k, v)),
        _ => Ok(()),
    }
}

/// Every string in the variables is free of control characters.
pub fn check_variables(vars: &Variables) -> Result<(), ApiError> {
    vars.iter().try_for_each(|(name, v)| check_const(name, v))
}
