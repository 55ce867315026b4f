//! Request screening: every GraphQL request, whatever its transport (POST,
//! GET, WebSocket `subscribe`), passes [`screen`] before the schema sees it.
//!
//! Why here and not in async-graphql's validation: the parser itself is the
//! first thing at risk. async-graphql-parser bounds selection-set nesting but
//! recurses on list and object *values* without a bound, so a 4 KB query
//! `{ __typename(a: [[[[…]]]]) }` nested ~1,500 deep overflowed the worker's
//! stack and aborted the whole process. So the raw text is scanned first by a
//! flat, non-recursive lexer that bounds bracket nesting and token count;
//! only text within both bounds reaches the parser. The parsed document is
//! then walked once (fragments expanded, with a budget so fragment "bombs"
//! cannot explode the walk) to enforce what the validation rules do not:
//! aliases, introspection fields and credential-checking fields per request,
//! and control characters in every text input.

use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet};
use async_graphql::{Name, Positioned};
use std::collections::HashMap;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::audience::Audience;
use crate::error::ApiError;
use crate::graphql::surface::{Refusal, Surfaces};
use crate::i18n::Msg;

mod values;

pub use values::{MAX_LIST, check_variables, is_refused_char};
use values::{check_const, check_value};

/// Bounds applied to every request (see `Config` for units and defaults).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum nesting of `{`, `[` and `(` in the query text.
    pub max_nesting: usize,
    /// Maximum lexical tokens in the query text.
    pub max_tokens: usize,
    /// Maximum aliased fields after fragment expansion.
    pub max_aliases: usize,
    /// Maximum `__schema` / `__type` fields after fragment expansion; 0
    /// when introspection is off (refused with an error, not answered null).
    pub max_introspection: usize,
    /// Maximum fields after fragment expansion.
    pub max_fields: usize,
    /// Maximum depth of data fields (levels). Fields under `__schema` and
    /// `__type` count against [`INTROSPECTION_DEPTH`] instead, so that the
    /// stock introspection queries of graphql-js, Apollo and gql (13 to 15
    /// levels) pass while deep data queries are refused.
    pub max_depth: usize,
}

/// Depth allowed inside `__schema` / `__type` (levels from the root).
/// graphql-js's `getIntrospectionQuery` with every option reaches 15.
pub const INTROSPECTION_DEPTH: usize = 24;

/// Fields that check a credential (argon2, seconds of CPU per hundred) and
/// so may appear at most once per HTTP request, batches included.
pub const CREDENTIAL_FIELDS: [&str; 2] = ["login", "refreshToken"];

/// Root fields that need no principal: signing in and out, and reading the
/// schema. A request of these alone runs as anonymous even when it carries
/// a stale or placeholder `Authorization` header (GraphiQL's, an app's
/// expired token), so such a header never blocks logging in.
pub const ANONYMOUS_FIELDS: [&str; 7] =
    ["login", "refreshToken", "logout", "changePassword", "__schema", "__type", "__typename"];

/// What the walk counted in one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub fields: usize,
    pub aliases: usize,
    pub introspection: usize,
    /// Root mutation fields in [`CREDENTIAL_FIELDS`].
    pub credential_fields: usize,
    /// Root fields not in [`ANONYMOUS_FIELDS`].
    pub principal_fields: usize,
}

/// A document over the limits: the client's document, not the user's input.
fn refuse(message: Msg) -> ApiError {
    ApiError::ValidationFailed(message)
}

/// Scan the raw query text without recursion: bracket nesting and token
/// count. Strings, block strings and comments are skipped as the GraphQL
/// lexer would, so brackets inside them do not count.
pub fn scan_text(query: &str, max_nesting: usize, max_tokens: usize) -> Result<(), ApiError> {
    let b = query.as_bytes();
    let (mut i, mut depth, mut tokens) = (0usize, 0usize, 0usize);
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if b[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if b[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max_nesting {
                    return Err(refuse(t!("gate.nested_too_deep", max = max_nesting)));
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' => {
                // A name, a number or `...`: one token.
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.' | b'+')) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        tokens += 1;
        if tokens > max_tokens {
            return Err(refuse(t!("gate.too_many_tokens", max = max_tokens)));
        }
    }
    Ok(())
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    limits: &'a Limits,
    counts: Counts,
    stack: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        root_mutation: bool,
        depth: usize,
        introspection: bool,
    ) -> Result<(), ApiError> {
        for sel in &set.items {
            match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    let introspection = introspection || name == "__schema" || name == "__type";
                    let limit = if introspection { INTROSPECTION_DEPTH } else { self.limits.max_depth };
                    if depth + 1 > limit {
                        return Err(refuse(t!("gate.too_deep", max = limit)));
                    }
                    self.counts.fields += 1;
                    if self.counts.fields > self.limits.max_fields {
                        return Err(refuse(t!("gate.too_many_fields", max = self.limits.max_fields)));
                    }
                    if f.alias.is_some() {
                        self.counts.aliases += 1;
                        if self.counts.aliases > self.limits.max_aliases {
                            return Err(refuse(t!("gate.too_many_aliases", max = self.limits.max_aliases)));
                        }
                    }
                    if name == "__schema" || name == "__type" {
                        self.counts.introspection += 1;
                        if self.limits.max_introspection == 0 {
                            return Err(refuse(t!("gate.introspection_disabled_server")));
                        }
                        if self.counts.introspection > self.limits.max_introspection {
                            return Err(refuse(t!("gate.too_much_introspection", max = self.limits.max_introspection)));
                        }
                    }
                    if root_mutation && CREDENTIAL_FIELDS.contains(&name) {
                        self.counts.credential_fields += 1;
                    }
                    if depth == 0 && !ANONYMOUS_FIELDS.contains(&name) {
                        self.counts.principal_fields += 1;
                    }
                    for (arg, value) in &f.arguments {
                        check_value(&arg.node, &value.node)?;
                    }
                    self.selection_set(&f.selection_set.node, false, depth + 1, introspection)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // A cycle is refused by validation later; here it is
                    // simply not followed.
                    if self.stack.contains(&name) {
                        continue;
                    }
                    if let Some(frag) = self.fragments.get(name) {
                        self.stack.push(name);
                        self.selection_set(&frag.node.selection_set.node, root_mutation, depth, introspection)?;
                        self.stack.pop();
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node, root_mutation, depth, introspection)?;
                }
            }
        }
        Ok(())
    }
}

/// Walk a parsed document: counts, bounded by `limits`, and text literals
/// free of control characters.
pub fn walk_document(doc: &ExecutableDocument, limits: &Limits) -> Result<Counts, ApiError> {
    let mut walk = Walk { fragments: &doc.fragments, limits, counts: Counts::default(), stack: Vec::new() };
    for (_, op) in doc.operations.iter() {
        let op = &op.node;
        for var in &op.variable_definitions {
            if let Some(default) = &var.node.default_value {
                check_const(var.node.name.node.as_str(), &default.node)?;
            }
        }
        walk.selection_set(&op.selection_set.node, op.ty == OperationType::Mutation, 0, false)?;
    }
    Ok(walk.counts)
}

/// Screen one request: raw text bounds, then parse (cached in the request,
/// so the schema does not parse again), then the document walk and the
/// variables. Returns what was counted.
pub fn screen(req: &mut async_graphql::Request, limits: &Limits) -> Result<Counts, ApiError> {
    scan_text(&req.query, limits.max_nesting, limits.max_tokens)?;
    check_variables(&req.variables)?;
    // Parsed here rather than by `parsed_query`, which keeps only the
    // parser's report as text: the error's parts make a readable message.
    let doc = async_graphql::parser::parse_query(&req.query)
        .map_err(|e| ApiError::ParseFailed(crate::i18n::library::syntax_error(&e)))?;
    req.set_parsed_query(doc);
    let doc = req.parsed_query().map_err(|_| ApiError::internal("the parsed document vanished"))?;
    walk_document(doc, limits)
}

/// Query texts longer than this are screened and parsed anew every time
/// (bytes): an application's operations are a few hundred bytes to a few
/// KiB, and the cap keeps the cache's memory small (at most
/// [`Documents`]' entries times a parsed document of this size) whatever
/// clients send.
pub const MAX_CACHED_TEXT: usize = 8 * 1024;

/// Documents that passed screening, by query text. Parsing was the
/// largest single cost of a small request (the parser is a PEG
/// interpreter); an application sends the same few operations again and
/// again, so a hit costs a lookup and a copy of the parsed document
/// instead. What the cache holds depends on the text alone (the parse and
/// the walk) and, per kind of caller, whether the document passed that
/// kind's surface (issue 24: one bit per kind, so one kind's pass never
/// admits another's request); the variables are checked on every request.
pub struct Documents {
    cache: crate::cache::Bounded<String, Arc<Screened>>,
    /// What each kind of caller sees; `None` only in unit tests of the walk.
    surfaces: Option<Arc<Surfaces>>,
}

/// A screened document and the kinds whose surface it passed.
struct Screened {
    doc: ExecutableDocument,
    counts: Counts,
    passed: AtomicU32,
}

impl Documents {
    /// Remember up to `entries` documents (0: none), held against `surfaces`.
    pub fn new(entries: usize, surfaces: Option<Arc<Surfaces>>) -> Self {
        Self { cache: crate::cache::Bounded::new(entries), surfaces }
    }

    /// [`screen`], with the text's parse and walk remembered, then the
    /// document held against the surface of the caller's kind (see
    /// [`crate::graphql::surface`]): a field, argument or type it does not
    /// see comes back as a [`Refusal`], which the transports answer as the
    /// validation error it reads as (or, for a caller without a token, as
    /// `UNAUTHENTICATED`).
    pub fn screen(
        &self,
        req: &mut async_graphql::Request,
        limits: &Limits,
        audience: Audience,
    ) -> Result<(Counts, Option<Refusal>), ApiError> {
        let bit = 1u32 << (audience as u32);
        if let Some(hit) = self.cache.get(req.query.as_str()) {
            check_variables(&req.variables)?;
            req.set_parsed_query(hit.doc.clone());
            if hit.passed.load(Ordering::Relaxed) & bit != 0 {
                return Ok((hit.counts, None));
            }
            let refusal = self.hold(&hit.doc, audience);
            if refusal.is_none() {
                hit.passed.fetch_or(bit, Ordering::Relaxed);
            }
            return Ok((hit.counts, refusal));
        }
        let counts = screen(req, limits)?;
        let text = (req.query.len() <= MAX_CACHED_TEXT).then(|| req.query.clone());
        let doc = req.parsed_query().map_err(|_| ApiError::internal("the parsed document vanished"))?;
        let refusal = self.hold(doc, audience);
        if let Some(text) = text {
            let passed = AtomicU32::new(if refusal.is_none() { bit } else { 0 });
            self.cache.insert(text, Arc::new(Screened { doc: doc.clone(), counts, passed }));
        }
        Ok((counts, refusal))
    }

    fn hold(&self, doc: &ExecutableDocument, audience: Audience) -> Option<Refusal> {
        let surfaces = self.surfaces.as_ref()?;
        match surfaces.get(audience) {
            Some(s) => s.check(doc).err(),
            // Every kind's surface is read at start-up; a missing one is a
            // bug, and deny by default.
            None => Some(Refusal { message: "no schema for this caller".into(), pos: async_graphql::Pos::default() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;
    use values::check_text;

    /// A remembered document is the one screening produced, and a request
    /// with the same text but bad variables is still refused.
    #[test]
    fn remembered_documents_still_check_variables() {
        let docs = Documents::new(8, None);
        let q = "query($t: String) { __typename a: __typename }";
        let any = Audience::Resident;
        let (first, _) = docs.screen(&mut async_graphql::Request::new(q), &limits(), any).expect("screened");
        let mut again = async_graphql::Request::new(q);
        assert_eq!(docs.screen(&mut again, &limits(), any).expect("screened").0, first);
        assert_eq!(first.aliases, 1);
        assert!(again.parsed_query().is_ok_and(|d| d.operations.iter().count() == 1));
        let vars = Variables::from_json(serde_json::json!({ "t": "a\u{0}b" }));
        assert!(docs.screen(&mut async_graphql::Request::new(q).variables(vars), &limits(), any).is_err());
        let long = format!("{{ __typename }} #{}", "x".repeat(MAX_CACHED_TEXT));
        assert!(docs.screen(&mut async_graphql::Request::new(long.as_str()), &limits(), any).is_ok());
        assert!(docs.cache.get(long.as_str()).is_none(), "long texts are not kept");
    }

    fn limits() -> Limits {
        Limits {
            max_nesting: 64,
            max_tokens: 10_000,
            max_aliases: 50,
            max_introspection: 2,
            max_fields: 5_000,
            max_depth: 12,
        }
    }

    fn nested(depth: usize) -> String {
        format!("{{ __typename(a: {}1{}) }}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn nesting_is_bounded_at_the_limit() {
        // `{` and `(` add two levels around the value.
        assert!(scan_text(&nested(62), 64, 10_000).is_ok());
        assert!(scan_text(&nested(63), 64, 10_000).is_err());
        assert!(scan_text(&nested(100_000), 64, 1_000_000).is_err());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let q =
            format!("{{ a(s: \"{}\", t: \"\"\"{}\"\"\") }} # {}", "[".repeat(500), "{".repeat(500), "(".repeat(500));
        assert!(scan_text(&q, 8, 100).is_ok());
    }

    #[test]
    fn tokens_are_bounded() {
        let q = format!("{{ {} }}", "a ".repeat(100));
        assert!(scan_text(&q, 8, 102).is_ok());
        assert!(scan_text(&q, 8, 101).is_err());
    }

    #[test]
    fn control_characters_are_refused_but_tab_and_newlines_pass() {
        assert!(check_text("f", "a\tb\r\nc 共治").is_ok());
        for bad in ["\0", "a\u{1}", "\u{7f}", "\u{85}"] {
            assert!(check_text("f", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn walk_counts_through_fragments_and_refuses_floods() {
        let mut req = async_graphql::Request::new(
            "mutation { a: login(input: {}) { x } ...F } fragment F on Mutation { b: refreshToken { x } }",
        );
        let c = screen(&mut req, &limits()).expect("screened");
        assert_eq!(c.credential_fields, 2);
        assert_eq!(c.aliases, 2);

        let flood =
            format!("{{ {} }}", (0..3).map(|i| format!("s{i}: __schema {{ description }}")).collect::<String>());
        assert!(screen(&mut async_graphql::Request::new(flood), &limits()).is_err());

        // A fragment bomb: each level spreads the next twice.
        let mut q = String::from("{ ...F0 }");
        for i in 0..20 {
            q.push_str(&format!(" fragment F{i} on Query {{ a ...F{} ...F{} }}", i + 1, i + 1));
        }
        q.push_str(" fragment F20 on Query { a }");
        assert!(screen(&mut async_graphql::Request::new(q), &limits()).is_err());
    }

    #[test]
    fn literal_and_variable_text_is_checked() {
        let mut req = async_graphql::Request::new("{ a(s: \"x\\u0000y\") }");
        let err = screen(&mut req, &limits()).expect_err("refused");
        assert_eq!(err.code(), "BAD_USER_INPUT");
        let vars = Variables::from_json(serde_json::json!({ "input": { "title": "a\u{0}b" } }));
        let mut req = async_graphql::Request::new("query($input: X) { a }").variables(vars);
        assert!(screen(&mut req, &limits()).is_err());
    }
}
