//! Prometheus metrics, served as text at `/metrics`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::state::Counters;

pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route, method and status.
    pub requests: IntCounterVec,
    /// HTTP request latency by route (seconds).
    pub latency: HistogramVec,
    /// GraphQL errors by `extensions.code`.
    pub graphql_errors: IntCounterVec,
    /// Password and client-secret verifications (argon2 checks), read from
    /// the process counters at render time.
    password_verifications: IntGauge,
    counters: Arc<Counters>,
}

impl Metrics {
    pub fn new(counters: Arc<Counters>) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("gongzhi".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency in seconds"),
            &["route"],
        )?;
        let graphql_errors =
            IntCounterVec::new(Opts::new("graphql_errors_total", "GraphQL errors by code"), &["code"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(graphql_errors.clone()))?;
        let password_verifications = IntGauge::new(
            "password_verifications_total",
            "Password and client-secret verifications (argon2) run by this process",
        )?;
        registry.register(Box::new(password_verifications.clone()))?;
        Ok(Self { registry, requests, latency, graphql_errors, password_verifications, counters })
    }

    pub fn render(&self) -> String {
        let verifications = self.counters.password_verifications.load(Ordering::Relaxed);
        self.password_verifications.set(i64::try_from(verifications).unwrap_or(i64::MAX));
        let mut buf = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
