//! A document held against a kind's [`Surface`]: every field, argument and
//! type it names must be one the kind sees. The errors are async-graphql's
//! own validation messages (`Unknown field "x" on type "T".`), with the
//! position, so a hidden field reads exactly like a missing one.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet, Type};
use async_graphql::{Pos, Positioned};

use super::Surface;

/// Why a document is refused: a message and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub pos: Pos,
}

impl Refusal {
    /// As async-graphql reports a validation error.
    pub fn into_server_error(self) -> async_graphql::ServerError {
        async_graphql::ServerError::new(self.message, Some(self.pos))
    }
}

impl Surface {
    /// Refuse the first field, argument or type the document names that
    /// this kind does not see. Other mistakes are left to async-graphql's
    /// validation.
    pub fn check(&self, doc: &ExecutableDocument) -> Result<(), Refusal> {
        let walk = Walk { surface: self, doc };
        for (_, op) in doc.operations.iter() {
            for var in &op.node.variable_definitions {
                walk.known_type(named(&var.node.var_type.node), var.pos)?;
            }
            let root = match op.node.ty {
                OperationType::Query => Some(self.query.as_str()),
                OperationType::Mutation => self.mutation.as_deref(),
                OperationType::Subscription => self.subscription.as_deref(),
            };
            let Some(root) = root else {
                let what = match op.node.ty {
                    OperationType::Mutation => "mutations",
                    _ => "subscriptions",
                };
                return Err(Refusal { message: format!("Schema is not configured for {what}."), pos: op.pos });
            };
            walk.selection_set(root, &op.node.selection_set.node, &mut Vec::new())?;
        }
        Ok(())
    }
}

struct Walk<'a> {
    surface: &'a Surface,
    doc: &'a ExecutableDocument,
}

impl<'a> Walk<'a> {
    fn known_type(&self, name: &str, pos: Pos) -> Result<(), Refusal> {
        if self.surface.types.contains_key(name) {
            Ok(())
        } else {
            Err(Refusal { message: format!(r#"Unknown type "{name}""#), pos })
        }
    }

    fn selection_set(&self, parent: &str, set: &'a SelectionSet, spreads: &mut Vec<&'a str>) -> Result<(), Refusal> {
        for sel in &set.items {
            match &sel.node {
                Selection::Field(f) => self.field(parent, f)?,
                Selection::InlineFragment(inline) => {
                    let ty = match &inline.node.type_condition {
                        Some(c) => {
                            let name = c.node.on.node.as_str();
                            self.known_type(name, c.pos)?;
                            name
                        }
                        None => parent,
                    };
                    self.selection_set(ty, &inline.node.selection_set.node, spreads)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // Cycles and unknown fragments are validation's to report.
                    if spreads.contains(&name) {
                        continue;
                    }
                    let Some(frag) = self.doc.fragments.get(name) else { continue };
                    let ty = frag.node.type_condition.node.on.node.as_str();
                    self.known_type(ty, frag.node.type_condition.pos)?;
                    spreads.push(name);
                    self.selection_set(ty, &frag.node.selection_set.node, spreads)?;
                    spreads.pop();
                }
            }
        }
        Ok(())
    }

    fn field(&self, parent: &str, f: &'a Positioned<async_graphql::parser::types::Field>) -> Result<(), Refusal> {
        let name = f.node.name.node.as_str();
        if name == "__typename" {
            return Ok(());
        }
        // Introspection is answered from the kind's own view by async-graphql.
        if (name == "__schema" || name == "__type") && parent == self.surface.query {
            return Ok(());
        }
        let unknown = || Refusal { message: format!(r#"Unknown field "{name}" on type "{parent}"."#), pos: f.pos };
        let shape = self.surface.types.get(parent).ok_or_else(unknown)?;
        let (ty, args) = shape.fields.get(name).ok_or_else(unknown)?;
        for (arg, _) in &f.node.arguments {
            if !args.contains(arg.node.as_str()) {
                return Err(Refusal {
                    message: format!(r#"Unknown argument "{}" on field "{name}" of type "{parent}"."#, arg.node),
                    pos: arg.pos,
                });
            }
        }
        self.selection_set(ty, &f.node.selection_set.node, &mut Vec::new())
    }
}

fn named(t: &Type) -> &str {
    use async_graphql::parser::types::BaseType;
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::surface::Shape;
    use std::collections::HashSet;

    fn surface() -> Surface {
        let mut s = Surface { query: "Query".into(), ..Surface::default() };
        let mut q = Shape::default();
        q.fields.insert("me".into(), ("Me".into(), HashSet::new()));
        q.fields.insert("regions".into(), ("Region".into(), ["first".to_owned()].into_iter().collect()));
        s.types.insert("Query".into(), q);
        let mut me = Shape::default();
        me.fields.insert("role".into(), ("Role".into(), HashSet::new()));
        s.types.insert("Me".into(), me);
        s.types.insert("Region".into(), Shape::default());
        s.types.insert("Role".into(), Shape::default());
        s
    }

    fn check(q: &str) -> Result<(), String> {
        let doc = async_graphql::parser::parse_query(q).expect("parses");
        surface().check(&doc).map_err(|r| r.message)
    }

    #[test]
    fn hidden_fields_arguments_and_types_read_as_unknown() {
        assert_eq!(check("{ me { role __typename } __schema { types { name } } }"), Ok(()));
        assert_eq!(check("{ funds { id } }"), Err(r#"Unknown field "funds" on type "Query"."#.into()));
        assert_eq!(check("{ me { phone } }"), Err(r#"Unknown field "phone" on type "Me"."#.into()));
        assert_eq!(
            check("{ regions(first: 1, secret: true) { __typename } }"),
            Err(r#"Unknown argument "secret" on field "regions" of type "Query"."#.into())
        );
        assert_eq!(check("query($f: FundInput) { me { role } }"), Err(r#"Unknown type "FundInput""#.into()));
        assert_eq!(check("{ ...F } fragment F on Fund { id }"), Err(r#"Unknown type "Fund""#.into()));
        assert_eq!(check("{ me { ... on Me { phone } } }"), Err(r#"Unknown field "phone" on type "Me"."#.into()));
        assert_eq!(check("mutation { login }"), Err("Schema is not configured for mutations.".into()));
        // Spread cycles are validation's to report, not a hang here.
        assert_eq!(check("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A me { role } }"), Ok(()));
    }
}
