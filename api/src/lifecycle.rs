//! State machines as data. A domain with a lifecycle declares one table of
//! [`Transition`]s (action, from states, to state, who, audit verb, event
//! kind); [`check`] applies it. The README's lifecycle table is generated
//! from the same rows ([`markdown_rows`]) and a test compares them.

use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;

/// An action of a lifecycle, in words for messages ("approve"; each
/// domain's action enum, with one catalogue key per variant).
pub trait Described: Copy + PartialEq + std::fmt::Debug {
    fn words(self) -> Msg;
}

/// One move of a lifecycle.
#[derive(Debug)]
pub struct Transition<S: 'static, A: 'static, V: 'static, K: 'static> {
    pub action: A,
    /// What the move is, in words (README).
    pub what: &'static str,
    /// The mutation that makes it.
    pub mutation: &'static str,
    /// Who may make it, in words; the domain's policy decides it in code.
    pub who: &'static str,
    /// The states it may start from.
    pub from: &'static [S],
    /// The state it leads to; `None` for a recorded step that keeps the state.
    pub to: Option<S>,
    /// The audit verb.
    pub verb: V,
    /// The live event kind.
    pub event: K,
}

/// The move for `action`, if the table has one.
pub fn find<S, A: PartialEq, V, K>(
    table: &'static [Transition<S, A, V, K>],
    action: A,
) -> Option<&'static Transition<S, A, V, K>> {
    table.iter().find(|t| t.action == action)
}

/// The move for `action` from `current`, or BAD_USER_INPUT (`field:
/// "status"`) naming the state when the table does not allow it. `noun`
/// names the object in the message ("a project").
pub fn check<S, A, V, K>(
    table: &'static [Transition<S, A, V, K>],
    action: A,
    current: S,
    state_name: impl Fn(S) -> String,
    noun: Msg,
) -> ApiResult<&'static Transition<S, A, V, K>>
where
    S: PartialEq + Copy,
    A: Described,
{
    let t = find(table, action).ok_or_else(|| ApiError::internal(format!("no transition for {action:?}")))?;
    if t.from.contains(&current) {
        Ok(t)
    } else {
        let message = t!("lifecycle.cannot", action = action.words(), noun = noun, state = state_name(current));
        Err(ApiError::bad_input("status", message))
    }
}

/// A state as on the wire (`IN_PROGRESS`): its serde name.
pub fn wire_name<S: serde::Serialize>(state: S) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// For each domain's test that its README table is the code's: panics
/// naming the first row of `table` the README lacks.
#[cfg(test)]
pub fn assert_in_readme<S: Copy, A, V, K>(table: &'static [Transition<S, A, V, K>], name: impl Fn(S) -> String) {
    let readme = include_str!("../../README.md");
    for row in markdown_rows(table, name) {
        assert!(readme.contains(&row), "README.md lacks the lifecycle row\n{row}");
    }
}

/// The table as Markdown rows: `| what | mutation | who | from → to |`.
pub fn markdown_rows<S: Copy, A, V, K>(
    table: &'static [Transition<S, A, V, K>],
    name: impl Fn(S) -> String,
) -> Vec<String> {
    table
        .iter()
        .map(|t| {
            let from = t.from.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", ");
            let to = t.to.map_or_else(|| "(unchanged)".to_owned(), &name);
            format!("| {} | `{}` | {} | {} | {} |", t.what, t.mutation, t.who, from, to)
        })
        .collect()
}
