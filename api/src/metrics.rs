//! Prometheus metrics, served as text at `/metrics`.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route, method and status.
    pub requests: IntCounterVec,
    /// HTTP request latency by route (seconds).
    pub latency: HistogramVec,
    /// GraphQL errors by `extensions.code`.
    pub graphql_errors: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
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
        Ok(Self { registry, requests, latency, graphql_errors })
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
