//! async-graphql's own messages (parse, validation, variables, limits) in
//! the catalogues' words. The library makes them as English text; each is
//! recognised by its pattern (the library's wording with `{name}` for the
//! parts that vary) and shown from the catalogue key of that pattern, in
//! the request's language. Values named `reason` are themselves messages
//! and are translated in turn (`Invalid value for argument "x", Failed to
//! parse "Money": …`). A message no pattern knows keeps its text in
//! English and gets the catalogue's generic lead in Chinese.

use async_graphql::parser::Error as ParseError;

use super::{Lang, Msg, fill, text};

/// The library's messages: catalogue key, pattern (async-graphql 7.0).
const PATTERNS: &[(&str, &str)] = &[
    ("graphql.unknown_field", r#"Unknown field "{field}" on type "{type}".{hint}"#),
    ("graphql.cannot_query_field", r#"Cannot query field "{field}" on type "{type}"."#),
    ("graphql.unknown_argument", r#"Unknown argument "{argument}" on field "{field}" of type "{type}".{hint}"#),
    ("graphql.unknown_directive_argument", r#"Unknown argument "{argument}" on directive "{directive}".{hint}"#),
    (
        "graphql.argument_required",
        r#"Field "{field}" argument "{argument}" of type "{type}" is required but not provided"#,
    ),
    (
        "graphql.directive_argument_required",
        r#"Directive "@{directive}" argument "{argument}" of type "{type}" is required but not provided"#,
    ),
    ("graphql.invalid_argument", r#"Invalid value for argument "{argument}", {reason}"#),
    ("graphql.invalid_argument_plain", r#"Invalid value for argument {reason}"#),
    ("graphql.invalid_default", r#"Invalid default value for argument: {reason}"#),
    ("graphql.expected_type", r#"expected type "{type}""#),
    ("graphql.unknown_input_field", r#"unknown field "{field}" of type "{type}""#),
    ("graphql.input_field_required", r#"field "{field}" of type "{type}" is required but not provided"#),
    ("graphql.enum_value_unknown", r#"enumeration type "{type}" does not contain the value "{value}""#),
    ("graphql.oneof_one_field", "Oneof input objects requires have exactly one field"),
    (
        "graphql.oneof_not_null",
        "Oneof Input Objects require that exactly one field must be supplied and that field must not be null",
    ),
    ("graphql.failed_to_parse", r#"Failed to parse "{type}": {reason}"#),
    ("graphql.expected_input_type", r#"Expected input type "{type}", found {value}."#),
    ("graphql.while_parsing", r#"{reason} (occurred while parsing "{type}")"#),
    (
        "graphql.leaf_with_selection",
        r#"Field "{field}" must not have a selection since type "{type}" has no subfields"#,
    ),
    ("graphql.selection_required", r#"Field "{field}" of type "{type}" must have a selection of subfields"#),
    ("graphql.unknown_type", r#"Unknown type "{type}""#),
    ("graphql.unknown_fragment", r#"Unknown fragment: "{fragment}""#),
    ("graphql.unused_fragment", r#"Fragment "{fragment}" is never used"#),
    ("graphql.fragment_cycle", r#"Cannot spread fragment "{fragment}"{rest}"#),
    (
        "graphql.fragment_impossible",
        r#"Fragment "{fragment}" cannot be spread here as objects of type "{parent}" can never be of type "{type}""#,
    ),
    (
        "graphql.inline_fragment_impossible",
        r#"Fragment cannot be spread here as objects of type "{parent}" can never be of type "{type}""#,
    ),
    ("graphql.fragment_not_composite", r#"Fragment "{fragment}" cannot condition non composite type "{type}""#),
    ("graphql.inline_fragment_not_composite", r#"Fragment cannot condition non composite type "{type}""#),
    ("graphql.undefined_variable_in", r#"Variable "${variable}" is not defined by operation "{operation}""#),
    ("graphql.undefined_variable", r#"Variable "${variable}" is not defined"#),
    ("graphql.undefined_variable_short", r#"Variable {variable} is not defined."#),
    ("graphql.unused_variable_in", r#"Variable "${variable}" is not used by operation "{operation}""#),
    ("graphql.unused_variable", r#"Variable "${variable}" is not used"#),
    ("graphql.duplicate_variable", r#"There can only be one variable named "${variable}""#),
    ("graphql.duplicate_argument", r#"There can only be one argument named "{argument}""#),
    ("graphql.duplicate_directive", r#"Duplicate directive "{directive}""#),
    ("graphql.unknown_directive", r#"Unknown directive "{directive}""#),
    ("graphql.misplaced_directive", r#"Directive "{directive}" may not be used on "{location}""#),
    ("graphql.variable_not_input", r#"Variable "{variable}" cannot be of non-input type "{type}""#),
    (
        "graphql.variable_position",
        r#"Variable "{variable}" of type "{type}" used in position expecting type "{expected}""#,
    ),
    (
        "graphql.fields_conflict_names",
        r#"Fields "{field}" conflict because "{a}" and "{b}" are different fields. Use different aliases on the fields to fetch both if this was intentional."#,
    ),
    (
        "graphql.fields_conflict_arguments",
        r#"Fields "{field}" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional."#,
    ),
    ("graphql.upload_outside_mutation", "The Upload type is only allowed to be defined on a mutation"),
    ("graphql.operation_not_supported", "Schema is not configured for {operation}s."),
    ("graphql.unknown_operation", r#"Unknown operation named "{operation}""#),
    ("graphql.operation_name_required", "Operation name required in request."),
    ("graphql.too_complex", "Query is too complex."),
    ("graphql.too_deep", "Query is nested too deep."),
    ("graphql.too_recursive", "The recursion depth of the query cannot be greater than `{max}`"),
    ("graphql.too_many_inits", "Too many initialisation requests."),
    ("graphql.duplicate_operation", "operation {operation} is defined twice"),
    ("graphql.duplicate_fragment", "fragment {fragment} is defined twice"),
    ("graphql.multiple_operations", "document contains multiple operations"),
    ("graphql.no_operation", "document does not contain an operation"),
];

/// Placeholders whose value is itself a library message.
const NESTED: &[&str] = &["reason"];

/// `message` (made by async-graphql) in `lang`. English messages the
/// catalogue words the same way come back unchanged.
pub fn translate(message: &str, lang: Lang) -> String {
    match recognise(message) {
        Some(msg) => msg.render(lang),
        None if lang == Lang::En => message.to_owned(),
        None => {
            let lead = text(lang, "graphql.unrecognised").unwrap_or("{message}");
            fill(lead, |name| (name == "message").then(|| message.to_owned()))
        }
    }
}

/// What a message of async-graphql is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value the client sent (argument, variable, input field, enum value).
    Value,
    /// The document's syntax.
    Parse,
    /// The document against the schema or the limits.
    Validation,
}

/// Catalogue keys of the messages about values.
const VALUE_KEYS: &[&str] = &[
    "graphql.invalid_argument",
    "graphql.invalid_argument_plain",
    "graphql.invalid_default",
    "graphql.expected_type",
    "graphql.unknown_input_field",
    "graphql.input_field_required",
    "graphql.enum_value_unknown",
    "graphql.oneof_one_field",
    "graphql.failed_to_parse",
    "graphql.expected_input_type",
    "graphql.while_parsing",
];

/// Catalogue keys of the parser's own messages.
const PARSE_KEYS: &[&str] = &["graphql.duplicate_operation", "graphql.duplicate_fragment"];

/// What `message` (made by async-graphql, without a path) is about;
/// validation when it is none of the known value or parse messages.
pub fn kind(message: &str) -> Kind {
    let key = PATTERNS.iter().find(|(_, pattern)| matches(pattern, message).is_some()).map(|(k, _)| *k);
    match key {
        Some(k) if VALUE_KEYS.contains(&k) => Kind::Value,
        Some(k) if PARSE_KEYS.contains(&k) => Kind::Parse,
        // A variable whose value does not fit its type.
        _ if message.starts_with("Invalid value for") || message.contains("of required type") => Kind::Value,
        _ => Kind::Validation,
    }
}

/// The catalogue message a library message is an instance of.
fn recognise(message: &str) -> Option<Msg> {
    PATTERNS.iter().find_map(|(key, pattern)| {
        let values = matches(pattern, message)?;
        let mut msg = Msg::new(key);
        for (name, value) in values {
            msg = if NESTED.contains(&name) {
                match recognise(&value) {
                    Some(inner) => msg.arg(name, inner),
                    None => msg.arg(name, value),
                }
            } else {
                msg.arg(name, value)
            };
        }
        Some(msg)
    })
}

/// The values of `pattern`'s placeholders if `text` is an instance of it.
/// Literal parts must match exactly; a placeholder takes the shortest text
/// up to the next literal part, the last one all up to the pattern's end.
fn matches(pattern: &'static str, text: &str) -> Option<Vec<(&'static str, String)>> {
    // lit0 {n1} lit1 {n2} lit2 …
    let mut literals = Vec::new();
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        literals.push(&rest[..open]);
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    literals.push(rest);
    let mut t = text.strip_prefix(literals[0])?;
    let mut values = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = literals[i + 1];
        let end = if i + 1 == names.len() {
            t.strip_suffix(next)?.len()
        } else if next.is_empty() {
            // Two placeholders side by side: no pattern has them.
            return None;
        } else {
            t.find(next)?
        };
        values.push((*name, t[..end].to_owned()));
        t = &t[end + next.len()..];
    }
    t.is_empty().then_some(values)
}

/// A parse error as a message: "Syntax error: expected a name at line 1,
/// column 8" (pest's report, which quotes the source with ASCII art, is
/// reduced to what was expected and where).
pub fn syntax_error(e: &ParseError) -> Msg {
    let (line, column) = e.positions().next().map_or((1, 1), |p| (p.line, p.column));
    let expected = match e {
        ParseError::Syntax { message, .. } => message
            .lines()
            .find_map(|l| l.trim().strip_prefix("= expected "))
            .map(|list| list.split(", ").flat_map(|s| s.split(" or ")).map(str::trim).collect::<Vec<_>>()),
        _ => None,
    };
    match (e, expected) {
        (ParseError::Syntax { .. }, Some(rules)) if !rules.is_empty() => {
            let mut list = Msg::new("graphql.syntax.one").arg("rule", rule_name(rules[0]));
            for rule in &rules[1..] {
                list = Msg::new("graphql.syntax.or").arg("first", list).arg("rule", rule_name(rule));
            }
            Msg::new("graphql.syntax_expected").arg("expected", list).arg("line", line).arg("column", column)
        }
        (ParseError::Syntax { .. }, _) => Msg::new("graphql.syntax_unexpected").arg("line", line).arg("column", column),
        _ => recognise(&e.to_string())
            .unwrap_or_else(|| Msg::new("graphql.syntax_unexpected"))
            .arg("line", line)
            .arg("column", column),
    }
}

/// Grammar rules in words: rule, catalogue key.
const RULES: &[(&str, &str)] = &[
    ("name", "graphql.rule.name"),
    ("selection", "graphql.rule.selection"),
    ("selection_set", "graphql.rule.selection_set"),
    ("value", "graphql.rule.value"),
    ("const_value", "graphql.rule.const_value"),
    ("type_", "graphql.rule.type"),
    ("variable", "graphql.rule.variable"),
    ("string", "graphql.rule.string"),
    ("executable_definition", "graphql.rule.executable_definition"),
    ("arguments", "graphql.rule.arguments"),
    ("directive", "graphql.rule.directive"),
    ("type_condition", "graphql.rule.type_condition"),
    ("default_value", "graphql.rule.default_value"),
    ("variable_definitions", "graphql.rule.variable_definitions"),
    ("operation_type", "graphql.rule.operation_type"),
];

/// A grammar rule in words ("a name"); any other token in general.
fn rule_name(rule: &str) -> Msg {
    let key = RULES.iter().find(|(r, _)| *r == rule).map_or("graphql.rule.token", |(_, k)| k);
    Msg::new(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_messages_are_recognised_and_nested_reasons_translated() {
        let m = r#"Invalid value for argument "input.budgetFen", Failed to parse "Money": not a number"#;
        let r = recognise(m).expect("recognised");
        assert_eq!(r.key(), "graphql.invalid_argument");
        assert_eq!(translate(m, Lang::En), m);
        let zh = translate(m, Lang::Zh);
        assert!(zh.contains("input.budgetFen") && zh.contains("Money") && !zh.contains("Failed"), "{zh}");
        let unknown = r#"Unknown field "x" on type "Query"."#;
        assert_eq!(recognise(unknown).map(|m| m.key().to_owned()).as_deref(), Some("graphql.unknown_field"));
        assert_eq!(translate("something new", Lang::En), "something new");
    }

    #[test]
    fn every_pattern_and_rule_has_a_catalogue_key() {
        let patterns = PATTERNS.iter().map(|(k, _)| *k);
        for key in patterns.chain(RULES.iter().map(|(_, k)| *k)).chain(["graphql.rule.token"]) {
            assert!(text(Lang::En, key).is_some() && text(Lang::Zh, key).is_some(), "{key}");
        }
    }

    #[test]
    fn syntax_errors_read_like_sentences() {
        for (query, expected) in [
            ("query { a(", "Syntax error: expected a name at line 1, column 11"),
            (
                "query { }",
                "Syntax error: expected a field, a fragment spread or an inline fragment at line 1, column 9",
            ),
            ("{ a } { b }", "There is more than one operation in the document"),
        ] {
            let e = async_graphql::parser::parse_query(query).err().expect("a parse error");
            let got = syntax_error(&e).render(Lang::En);
            assert!(got.starts_with(expected), "{query}: {got}");
            assert!(!got.contains("-->"), "{got}");
        }
    }
}
