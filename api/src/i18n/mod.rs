//! Messages in the client's words and language. Every message a client can
//! see has a stable key in one catalogue per language (`api/locales/en.json`,
//! `api/locales/zh-CN.json`); code names a message with `t!` and the text
//! is chosen when it is shown, in the request's language. `extensions.code`
//! and `extensions.field` never depend on the language.
//!
//! The language comes from `Accept-Language` ([`Lang::from_accept_language`]):
//! Simplified Chinese when the client prefers any `zh` tag (`zh`, `zh-CN`,
//! `zh-Hans`, …), English otherwise. The HTTP layer sets it for the whole
//! request as a task-local ([`scope`]), so errors raised anywhere in the
//! request (resolvers, loaders, the gate) render in it ([`current`]); a
//! WebSocket connection keeps the language of its upgrade request.
//!
//! async-graphql's own messages (parse, validation, variables, limits) are
//! English text made inside the library: [`library`] recognises them by
//! pattern and renders them from the same catalogues.
//!
//! Why our own small catalogue and not fluent or rust-i18n: messages are
//! plain sentences with named values, two languages, compiled into the
//! binary; a flat JSON map per language (read with serde_json, already a
//! dependency) and a test that both maps have the same keys and
//! placeholders (`tests`) is all that needs, without a macro crate's build
//! time.

pub mod library;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The languages messages are shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The language a client prefers, from an `Accept-Language` header
    /// (RFC 9110 §12.5.4): the highest-weighted tag we have, `zh` tags
    /// meaning Simplified Chinese; English when nothing matches.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else if tag == "en" || tag.starts_with("en-") || tag == "*" {
                Lang::En
            } else {
                continue;
            };
            // Higher weight wins; on equal weight, the earlier tag.
            if q > 0.0 && best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map_or(Lang::En, |(_, _, l)| l)
    }

    /// The language's tag (`Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being served (English outside a request).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Run `f` with `lang` as the request's language.
pub async fn scope<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    LANG.scope(lang, f).await
}

/// A value in a message: text as it is, or another message (a role's or
/// an action's name) rendered in the same language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Msg(Msg),
}

impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(m)
    }
}

macro_rules! text_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Text(v.to_string())
            }
        }
    )*};
}
text_args!(String, &str, &String, i32, i64, u32, u64, usize, char);

/// A message: a catalogue key and its named values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    key: Cow<'static, str>,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// The message `key` (see `t!`).
    pub const fn new(key: &'static str) -> Self {
        Self { key: Cow::Borrowed(key), args: Vec::new() }
    }

    /// A message whose key is made at run time (`lifecycle.` + a mutation
    /// name); tests of the owning domain check such keys exist.
    pub fn dynamic(key: String) -> Self {
        Self { key: Cow::Owned(key), args: Vec::new() }
    }

    /// The same message with the value `name`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The message in `lang` (English when the key has no text there; the
    /// key itself when it has none at all, which a test rules out).
    pub fn render(&self, lang: Lang) -> String {
        let template = text(lang, &self.key).or_else(|| text(Lang::En, &self.key)).unwrap_or(&self.key);
        fill(template, |name| {
            self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| match v {
                Arg::Text(t) => t.clone(),
                Arg::Msg(m) => m.render(lang),
            })
        })
    }

    /// The message in the request's language.
    pub fn render_current(&self) -> String {
        self.render(current())
    }
}

/// A message by key, with named values: `t!("ids.at_most", max = 100)`.
#[macro_export]
macro_rules! t {
    ($key:literal) => {
        $crate::i18n::Msg::new($key)
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Msg::new($key)$(.arg(stringify!($name), $value))+
    };
}

/// Replace each `{name}` of `template` by `value(name)` (left as it is when
/// there is no such value). `{{` and `}}` are literal braces.
pub(crate) fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            let name = &tail[1..end];
            match value(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

type Catalogue = HashMap<String, String>;

fn parse(json: &str) -> Catalogue {
    // The catalogues are compiled in and checked by the tests: a parse
    // failure cannot reach a running server, and would only leave keys
    // untranslated.
    serde_json::from_str(json).unwrap_or_default()
}

static EN: LazyLock<Catalogue> = LazyLock::new(|| parse(include_str!("../../locales/en.json")));
static ZH: LazyLock<Catalogue> = LazyLock::new(|| parse(include_str!("../../locales/zh-CN.json")));

fn catalogue(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// The text of `key` in `lang`.
pub fn text(lang: Lang, key: &str) -> Option<&'static str> {
    catalogue(lang).get(key).map(String::as_str)
}

/// Every key of the English catalogue (tests and tools).
pub fn keys() -> impl Iterator<Item = &'static str> {
    EN.keys().map(String::as_str)
}

#[cfg(test)]
mod tests;
