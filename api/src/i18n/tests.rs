//! The catalogues agree with each other and with the code.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn load(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).expect("a catalogue is a flat JSON object of strings")
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.insert(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    out
}

/// Every key has a text in both languages, and no text is empty. A
/// translation uses only the values the English text has (it may leave a
/// technical detail out).
#[test]
fn every_message_key_exists_in_both_languages() {
    let en = load(include_str!("../../locales/en.json"));
    let zh = load(include_str!("../../locales/zh-CN.json"));
    let only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    let only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty() && only_zh.is_empty(), "only English: {only_en:?}\nonly Chinese: {only_zh:?}");
    for (key, text) in &en {
        let other = &zh[key];
        assert!(!text.trim().is_empty() && !other.trim().is_empty(), "{key}: empty text");
        assert!(placeholders(other).is_subset(&placeholders(text)), "{key}: placeholders differ");
    }
}

/// Every message key the server's code names (the `t!` macro) is in the catalogues
/// (read from the sources, so a message added without its texts fails
/// here rather than showing its key to a client).
#[test]
fn every_key_the_code_uses_is_in_the_catalogue() {
    let en = load(include_str!("../../locales/en.json"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    let mut used = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("read a source file");
            for (i, _) in source.match_indices("t!(\"") {
                // `t!(` itself, not the end of `format!(`.
                if source[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &source[i + 4..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                used += 1;
                if !en.contains_key(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
    }
    assert!(used > 100, "the scan found only {used} messages");
    assert!(missing.is_empty(), "keys without a text:\n{}", missing.join("\n"));
}

#[test]
fn accept_language_picks_the_preferred_language() {
    for (header, lang) in [
        ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
        ("zh", Lang::Zh),
        ("zh-Hans", Lang::Zh),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
        ("fr-FR, zh;q=0.5", Lang::Zh),
        ("fr-FR", Lang::En),
        ("", Lang::En),
        ("zh;q=0, en", Lang::En),
        ("en;q=0.5, zh-TW;q=0.7", Lang::Zh),
    ] {
        assert_eq!(Lang::from_accept_language(header), lang, "{header}");
    }
}

#[test]
fn messages_fill_their_values_in_either_language() {
    let m = Msg::new("test.greeting").arg("name", "小李").arg("count", 3);
    assert_eq!(
        fill("{name} has {count} {{items}}", |n| (n == "name").then(|| "Li".to_owned())),
        "Li has {count} {items}"
    );
    // Unknown keys show themselves (the test above rules them out).
    assert_eq!(m.render(Lang::En), "test.greeting");
    let nested = Msg::new("policy.may_not").arg("role", Msg::new("role.PROPERTY_COMPANY")).arg("action", "x");
    assert!(nested.render(Lang::Zh).contains("物业"), "{}", nested.render(Lang::Zh));
}
