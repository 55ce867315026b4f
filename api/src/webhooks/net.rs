//! Where webhooks may go. Outbound requests never reach private, loopback,
//! link-local, shared, multicast or metadata addresses unless the
//! administrator allows a network (`GONGZHI_WEBHOOK_ALLOW_NETWORKS`). The
//! check runs on the addresses a host name resolves to, in the HTTP
//! client's own resolver, so the address connected to is the address
//! checked: a name that resolves to a public address when registered and
//! to 127.0.0.1 when delivered (DNS rebinding) is refused at delivery. An
//! address written in the URL skips the resolver and is checked before the
//! request. Registration checks what it can (the scheme, an address in the
//! URL) to answer early with a clear error.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::Config;

/// The administrator's exceptions.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allow: Vec<IpNet>,
    insecure_hosts: HashSet<String>,
}

/// Why a URL or an address is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not an absolute http(s) URL")]
    Malformed,
    #[error("plain http is allowed only to hosts the administrator lists")]
    Insecure,
    #[error("the address is private, loopback, link-local or reserved")]
    BlockedAddress,
}

impl Guard {
    /// From the configuration; an unparsable network is an error at start.
    pub fn from_config(c: &Config) -> Result<Self, String> {
        let allow = c
            .webhooks
            .allow_networks
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.trim().parse::<IpNet>().map_err(|e| format!("GONGZHI_WEBHOOK_ALLOW_NETWORKS: {n}: {e}")))
            .collect::<Result<_, _>>()?;
        let insecure_hosts = c
            .webhooks
            .insecure_hosts
            .iter()
            .map(|h| h.trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Ok(Self { allow, insecure_hosts })
    }

    /// May a request go to `ip`?
    pub fn allows(&self, ip: IpAddr) -> bool {
        !is_special(ip) || self.allow.iter().any(|n| n.contains(&ip))
    }

    /// Check an endpoint URL: absolute, `https` (or `http` to a listed
    /// host), no credentials, and no refused address written in it.
    pub fn check_url(&self, raw: &str) -> Result<Url, Refused> {
        let url = Url::parse(raw.trim()).map_err(|_| Refused::Malformed)?;
        let host = url.host_str().ok_or(Refused::Malformed)?.trim_start_matches('[').trim_end_matches(']');
        if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
            return Err(Refused::Malformed);
        }
        match url.scheme() {
            "https" => {}
            "http" if self.insecure_hosts.contains(&host.to_ascii_lowercase()) => {}
            "http" => return Err(Refused::Insecure),
            _ => return Err(Refused::Malformed),
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && !self.allows(ip)
        {
            return Err(Refused::BlockedAddress);
        }
        Ok(url)
    }

    /// The HTTP client of the workers: this guard's resolver, no proxy, no
    /// redirects followed, the configured timeouts.
    pub fn client(self: &Arc<Self>, c: &Config) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .dns_resolver(Arc::new(Resolver(self.clone())))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_millis(c.webhooks.connect_timeout_ms))
            .timeout(std::time::Duration::from_millis(c.webhooks.timeout_ms))
            // Many endpoints may share a host (a partner's, or one receiver in the
            // benchmark): keep as many idle connections as requests in flight.
            .pool_max_idle_per_host(c.webhooks.concurrency)
            .user_agent(concat!("gongzhi-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
    }
}

/// Resolves with the system's resolver and keeps only allowed addresses.
struct Resolver(Arc<Guard>);

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| guard.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused::BlockedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Was this request error our resolver's refusal?
pub fn is_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = at {
        if err.downcast_ref::<Refused>().is_some() {
            return true;
        }
        at = err.source();
    }
    false
}

/// Addresses no webhook goes to by default.
fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return special_v4(v4);
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64, embeds an IPv4 address
                || v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) // AWS metadata over IPv6
        }
    }
}

fn special_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local() // 169.254/16, cloud metadata included
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allow: &[&str], insecure: &[&str]) -> Guard {
        let mut c = Config::defaults();
        c.webhooks.allow_networks = allow.iter().map(|s| s.to_string()).collect();
        c.webhooks.insecure_hosts = insecure.iter().map(|s| s.to_string()).collect();
        Guard::from_config(&c).expect("guard")
    }

    #[test]
    fn private_and_metadata_addresses_are_refused_unless_allowed() {
        let g = guard(&[], &[]);
        for url in [
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://127.0.0.1:8443/",
            "https://192.168.1.5/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
        ] {
            assert_eq!(g.check_url(url).err(), Some(Refused::BlockedAddress), "{url}");
        }
        assert!(g.check_url("https://93.184.215.14/hook").is_ok());
        assert!(g.check_url("https://hooks.example.org/x").is_ok());
        let g = guard(&["127.0.0.0/8", "::1/128"], &["127.0.0.1"]);
        assert!(g.check_url("https://127.0.0.1:9/x").is_ok());
        assert!(g.check_url("https://[::1]/x").is_ok());
        assert_eq!(g.check_url("https://10.0.0.1/").err(), Some(Refused::BlockedAddress));
    }

    #[test]
    fn plain_http_and_odd_urls_are_refused() {
        let g = guard(&["127.0.0.0/8"], &["127.0.0.1"]);
        assert_eq!(g.check_url("http://hooks.example.org/").err(), Some(Refused::Insecure));
        assert!(g.check_url("http://127.0.0.1:8080/").is_ok());
        for bad in ["ftp://example.org/", "https://user:pw@example.org/", "/relative", "https://example.org/#frag"] {
            assert_eq!(g.check_url(bad).err(), Some(Refused::Malformed), "{bad}");
        }
    }
}
