//! The hosts of a libpq-style multi-host URL.
//!
//! sqlx connects to one host; libpq's `postgres://u@a:5432,b:5433/db`
//! lists candidates, and `target_session_attrs=read-write` asks for the
//! one that accepts writes. [`split`] turns such a URL into one URL per
//! host (the parameter removed, since sqlx does not know it); choosing
//! among them is the monitor's work (`super::monitor`).

/// One URL per host of `url`, in the order given. A URL with one host comes
/// back as it is.
pub fn split(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.split_once("://") else { return vec![url.to_owned()] };
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let tail = without_session_attrs(tail);
    if !hosts.contains(',') {
        return vec![format!("{scheme}://{userinfo}{hosts}{tail}")];
    }
    hosts.split(',').filter(|h| !h.is_empty()).map(|h| format!("{scheme}://{userinfo}{h}{tail}")).collect()
}

/// `host:port` of a single-host URL, for logs and metrics labels (no
/// credentials).
pub fn label(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    authority.rsplit_once('@').map_or(authority, |(_, h)| h).to_owned()
}

/// The path and query without `target_session_attrs` (libpq's; sqlx would
/// warn about it on every connection).
fn without_session_attrs(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else { return tail.to_owned() };
    let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("target_session_attrs=")).collect();
    if kept.is_empty() { path.to_owned() } else { format!("{path}?{}", kept.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_host_stays_as_it_is() {
        assert_eq!(split("postgres://u:p@db:5432/gz"), vec!["postgres://u:p@db:5432/gz"]);
        assert_eq!(split("sqlite://x.db?mode=rwc"), vec!["sqlite://x.db?mode=rwc"]);
    }

    #[test]
    fn several_hosts_give_one_url_each_without_the_libpq_parameter() {
        let urls = split("postgres://u:p@a:5432,b:5433/gz?target_session_attrs=read-write&sslmode=disable");
        assert_eq!(urls, vec!["postgres://u:p@a:5432/gz?sslmode=disable", "postgres://u:p@b:5433/gz?sslmode=disable"]);
        assert_eq!(
            split("postgres://a,b/gz?target_session_attrs=read-write"),
            vec!["postgres://a/gz", "postgres://b/gz"]
        );
    }

    #[test]
    fn labels_carry_no_credentials() {
        assert_eq!(label("postgres://u:secret@a:5432/gz?x=1"), "a:5432");
        assert_eq!(label("postgres://b/gz"), "b");
    }
}
