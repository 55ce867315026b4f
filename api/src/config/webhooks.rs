//! Webhook delivery settings (issue 25), flattened into [`super::Config`].

use clap::Args;

/// Where webhooks may go, how they are retried, how hard receivers are
/// pushed.
#[derive(Args, Clone, Debug)]
pub struct WebhookConfig {
    /// Networks (CIDR, comma-separated) webhooks may be delivered to although
    /// they are private, loopback or link-local (e.g. `127.0.0.0/8` for a
    /// receiver on the same host). Default: none; every such address is
    /// refused, after DNS resolution, at connect time.
    #[arg(long, env = "GONGZHI_WEBHOOK_ALLOW_NETWORKS", value_delimiter = ',')]
    pub allow_networks: Vec<String>,

    /// Hosts (names or addresses, comma-separated) webhook endpoints may
    /// use plain `http://` for. Default: none; endpoints must be `https://`.
    #[arg(long, env = "GONGZHI_WEBHOOK_INSECURE_HOSTS", value_delimiter = ',')]
    pub insecure_hosts: Vec<String>,

    /// Waits between a failed webhook attempt and the next (comma-separated
    /// durations with a unit: `ms`, `s`, `m`, `h`; each varied by ±20 %
    /// jitter). After the last one the delivery fails; an endpoint failing
    /// for longer than their sum (about 27.6 hours by default) is disabled.
    #[arg(
        long,
        env = "GONGZHI_WEBHOOK_RETRY_SCHEDULE",
        value_delimiter = ',',
        value_parser = parse_wait,
        default_value = "5s,5m,30m,2h,5h,10h,10h"
    )]
    pub retry_schedule: Vec<std::time::Duration>,

    /// Time to connect to a webhook receiver (milliseconds).
    #[arg(long, env = "GONGZHI_WEBHOOK_CONNECT_TIMEOUT_MS", default_value_t = 3_000)]
    pub connect_timeout_ms: u64,

    /// Time for a whole webhook request, answer included (milliseconds).
    #[arg(long, env = "GONGZHI_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub timeout_ms: u64,

    /// Webhook requests in flight at once from one process (count).
    #[arg(long, env = "GONGZHI_WEBHOOK_CONCURRENCY", default_value_t = 64)]
    pub concurrency: usize,

    /// Webhook requests in flight at once to one endpoint, per process
    /// (count): a slow receiver holds at most these.
    #[arg(long, env = "GONGZHI_WEBHOOK_ENDPOINT_CONCURRENCY", default_value_t = 8)]
    pub endpoint_concurrency: usize,

    /// Webhook requests per second to one endpoint, per process (count).
    #[arg(long, env = "GONGZHI_WEBHOOK_ENDPOINT_RATE", default_value_t = 200)]
    pub endpoint_rate: u32,

    /// How often the webhook workers look for due deliveries when nothing
    /// woke them (milliseconds). A commit wakes them at once.
    #[arg(long, env = "GONGZHI_WEBHOOK_POLL_MS", default_value_t = 1_000)]
    pub poll_ms: u64,

    /// How long the old secret keeps signing after a rotation, unless the
    /// rotation says otherwise (seconds).
    #[arg(long, env = "GONGZHI_WEBHOOK_SECRET_OVERLAP_SECS", default_value_t = 86_400)]
    pub secret_overlap_secs: i64,

    /// Run the webhook workers in this process.
    #[arg(long, env = "GONGZHI_WEBHOOK_WORKERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub workers: bool,
}

/// A duration with a unit: `250ms`, `5s`, `30m`, `2h`.
pub fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("{s}: not a number with a unit (ms, s, m, h)"))?;
    let ms = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("{s}: the unit must be ms, s, m or h")),
    };
    Ok(std::time::Duration::from_millis(n.saturating_mul(ms)))
}
