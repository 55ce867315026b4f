//! One schema seen through the caller's kind (issue 24).
//!
//! **Shown.** Root fields, object fields and types carry async-graphql's
//! `visible` functions, which ask the domain's role-level permission
//! ([`shows`], declared with [`shown!`](crate::shown) next to the domain's
//! resolvers); async-graphql then leaves out of introspection every field
//! a kind may not use and every type only such fields reach.
//!
//! **Hidden means unusable.** async-graphql's `visible` only filters
//! introspection: a hidden field still executes. So at start-up each kind's
//! schema is read back through introspection (what its clients see, by
//! construction) into a [`Surface`], and every request's document is
//! checked against its caller's surface before execution
//! ([`Surface::check`]): a field, argument or type the caller's kind does
//! not see is refused with async-graphql's own unknown-field,
//! unknown-argument or unknown-type error, so a client cannot tell a
//! hidden field from one that does not exist. The resolvers' guards and
//! the services' policy checks stay as the second line.
//!
//! Why a walk of our own and not a validation rule: async-graphql's rules
//! are fixed (its visitor is not public), and the gate already walks every
//! document once; its cache keeps the result per (kind, text) so a hit
//! costs nothing more (see [`crate::gate::Documents`]).

mod check;
pub mod sdl;

use std::collections::{HashMap, HashSet};

use async_graphql::Context;
use serde_json::Value;

use crate::audience::Audience;
use crate::graphql::context::RequestPrincipal;
use crate::policy::Permission;

pub use check::Refusal;

/// The caller's kind: the one a request was given (start-up and exports),
/// else its principal's.
pub fn audience(ctx: &Context<'_>) -> Audience {
    if let Some(a) = ctx.data_opt::<Audience>() {
        return *a;
    }
    Audience::of(ctx.data_opt::<RequestPrincipal>().and_then(|p| p.0.as_ref()))
}

/// Does the caller's kind hold the permission? Anonymous holds none; the
/// platform admin is shown everything (its schema is the operator's manual,
/// `schema.graphql`; the services still refuse it what belongs to a
/// community role, such as voting).
pub fn shows<P: Permission>(ctx: &Context<'_>, perm: P) -> bool {
    let a = audience(ctx);
    a == Audience::PlatformAdmin || a.representative().is_some_and(|p| perm.allowed(&p))
}

/// Shown to people, signed in or not (signing in, up and out, passwords),
/// not to API clients, whose tokens come from `/oauth/token`.
pub fn not_machines(ctx: &Context<'_>) -> bool {
    audience(ctx).representative().is_none_or(|p| p.api_client_id().is_none())
}

/// Shown to every signed-in caller, person or API client.
pub fn signed_in(ctx: &Context<'_>) -> bool {
    audience(ctx) != Audience::Anonymous
}

/// Shown to callers without a token only (signing up), and to the
/// platform admin, who is shown everything.
pub fn anonymous(ctx: &Context<'_>) -> bool {
    matches!(audience(ctx), Audience::Anonymous | Audience::PlatformAdmin)
}

/// Shown to people signed in (accounts of any role), not API clients.
pub fn people(ctx: &Context<'_>) -> bool {
    audience(ctx).representative().is_some_and(|p| p.account_id().is_some())
}

/// Visible functions, each from a permission:
/// `shown! { create_fund => FundsPermission::CreateFunds; }` declares
/// `pub fn create_fund(ctx: &Context<'_>) -> bool`, to name in
/// `#[graphql(visible = "shown::create_fund")]`.
#[macro_export]
macro_rules! shown {
    ($($(#[$m:meta])* $name:ident => $perm:expr;)*) => {
        $(
            $(#[$m])*
            pub fn $name(ctx: &async_graphql::Context<'_>) -> bool {
                $crate::graphql::surface::shows(ctx, $perm)
            }
        )*
    };
}

/// The standard introspection query (graphql-js `getIntrospectionQuery`
/// with descriptions and argument deprecation off, as our schema has none).
pub const INTROSPECTION: &str = r#"
query Surface {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...Input } type { ...Ref } isDeprecated deprecationReason
      }
      inputFields { ...Input }
      interfaces { ...Ref }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...Ref }
    }
  }
}
fragment Input on __InputValue { name description type { ...Ref } defaultValue }
fragment Ref on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
}
"#;

/// What one kind sees: per type, its fields (with their named type and
/// arguments), input fields and enum values.
#[derive(Debug, Default)]
pub struct Surface {
    pub query: String,
    pub mutation: Option<String>,
    pub subscription: Option<String>,
    pub types: HashMap<String, Shape>,
}

/// One type as a kind sees it.
#[derive(Debug, Default)]
pub struct Shape {
    /// Field name → (named type, argument names).
    pub fields: HashMap<String, (String, HashSet<String>)>,
    pub input_fields: HashSet<String>,
    pub enum_values: HashSet<String>,
}

impl Surface {
    /// A surface from the `__schema` of [`INTROSPECTION`]'s answer.
    pub fn from_introspection(schema: &Value) -> Self {
        let name = |v: &Value| v["name"].as_str().map(str::to_owned);
        let mut s = Surface {
            query: name(&schema["queryType"]).unwrap_or_default(),
            mutation: name(&schema["mutationType"]),
            subscription: name(&schema["subscriptionType"]),
            types: HashMap::new(),
        };
        for t in schema["types"].as_array().into_iter().flatten() {
            let mut shape = Shape::default();
            for f in t["fields"].as_array().into_iter().flatten() {
                let args = f["args"].as_array().into_iter().flatten().filter_map(name).collect();
                shape.fields.insert(name(f).unwrap_or_default(), (named_type(&f["type"]), args));
            }
            shape.input_fields = t["inputFields"].as_array().into_iter().flatten().filter_map(name).collect();
            shape.enum_values = t["enumValues"].as_array().into_iter().flatten().filter_map(name).collect();
            s.types.insert(name(t).unwrap_or_default(), shape);
        }
        s
    }

    /// Root fields of an operation type ("query", "mutation", "subscription"), sorted.
    pub fn roots(&self, kind: &str) -> Vec<String> {
        let root = match kind {
            "query" => Some(&self.query),
            "mutation" => self.mutation.as_ref(),
            _ => self.subscription.as_ref(),
        };
        let mut names: Vec<String> = root
            .and_then(|r| self.types.get(r))
            .map(|t| t.fields.keys().filter(|f| !f.starts_with("__")).cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The named type under lists and non-nulls.
fn named_type(t: &Value) -> String {
    let mut at = t;
    while at["name"].is_null() && !at["ofType"].is_null() {
        at = &at["ofType"];
    }
    at["name"].as_str().unwrap_or_default().to_owned()
}

/// Every kind's surface, read once at start-up.
#[derive(Debug, Default)]
pub struct Surfaces(HashMap<Audience, Surface>);

impl Surfaces {
    /// Introspect `schema` as each kind.
    pub async fn read<E: Executor>(schema: &E) -> Result<Self, String> {
        let mut all = HashMap::new();
        for a in Audience::ALL {
            all.insert(a, Surface::from_introspection(&introspect(schema, a).await?));
        }
        Ok(Self(all))
    }

    pub fn get(&self, a: Audience) -> Option<&Surface> {
        self.0.get(&a)
    }
}

/// Something that runs a GraphQL request (a schema of any roots).
pub trait Executor {
    fn run(&self, req: async_graphql::Request) -> impl std::future::Future<Output = async_graphql::Response> + Send;
}

impl<Q, M, S> Executor for async_graphql::Schema<Q, M, S>
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    fn run(&self, req: async_graphql::Request) -> impl std::future::Future<Output = async_graphql::Response> + Send {
        self.execute(req)
    }
}

/// `__schema` as a kind sees it.
pub async fn introspect<E: Executor>(schema: &E, a: Audience) -> Result<Value, String> {
    let resp = schema.run(async_graphql::Request::new(INTROSPECTION).data(a)).await;
    if !resp.errors.is_empty() {
        return Err(format!("introspection as {}: {:?}", a.name(), resp.errors));
    }
    let data = resp.data.into_json().map_err(|e| e.to_string())?;
    Ok(data["__schema"].clone())
}

/// What an introspection answer names but does not define: fields and
/// arguments of a type the kind does not see, empty object types. A kind
/// whose answer has any is shown a broken schema (code generators refuse
/// it), so a test asks this of every kind.
pub fn dangling(schema: &Value) -> Vec<String> {
    let types = schema["types"].as_array().cloned().unwrap_or_default();
    let known: HashSet<&str> = types.iter().filter_map(|t| t["name"].as_str()).collect();
    let mut bad = Vec::new();
    for t in &types {
        let tn = t["name"].as_str().unwrap_or_default();
        let fields = t["fields"].as_array();
        if t["kind"] == "OBJECT" && fields.is_some_and(|f| f.is_empty()) {
            bad.push(format!("{tn} has no fields"));
        }
        for f in fields.into_iter().flatten() {
            let fname = f["name"].as_str().unwrap_or_default();
            let ty = named_type(&f["type"]);
            if !known.contains(ty.as_str()) {
                bad.push(format!("{tn}.{fname}: {ty}"));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                let ty = named_type(&a["type"]);
                if !known.contains(ty.as_str()) {
                    bad.push(format!("{tn}.{fname}({}): {ty}", a["name"].as_str().unwrap_or_default()));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            let ty = named_type(&f["type"]);
            if !known.contains(ty.as_str()) {
                bad.push(format!("{tn}.{}: {ty}", f["name"].as_str().unwrap_or_default()));
            }
        }
    }
    bad
}
