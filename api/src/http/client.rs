//! Who is calling, by network address, and the rate limit on requests that
//! carry no token (logins, token requests, anonymous queries). Authenticated
//! traffic is not limited here: its cost is bounded per request by the
//! depth, complexity and size limits, and its owner is accountable.
//!
//! The limiter is per process (GCRA, `governor`): behind N replicas a client
//! gets N times the rate. That is acceptable for its purpose (blunting
//! floods); the login throttle, which must hold exactly, is in the database.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;
use crate::error::ApiError;

pub type AnonLimiter = DefaultKeyedRateLimiter<IpAddr>;

pub fn anon_limiter(config: &Config) -> AnonLimiter {
    let rate = NonZeroU32::new(config.anon_rate_per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(config.anon_burst.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` entry
/// when the deployment says a trusted proxy sets it.
pub fn client_addr(config: &Config, headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
    if config.trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// One unauthenticated request from `addr`: allowed, or RATE_LIMITED with
/// the seconds to wait.
pub fn check_anonymous(limiter: &AnonLimiter, addr: Option<IpAddr>) -> Result<(), ApiError> {
    let Some(addr) = addr else { return Ok(()) };
    limiter.check_key(&addr).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        tracing::warn!(client = %addr, "unauthenticated request rate limited");
        let secs = wait.as_secs().max(1);
        ApiError::RateLimited(t!("http.anonymous_rate_limited", seconds = secs), secs)
    })
}
