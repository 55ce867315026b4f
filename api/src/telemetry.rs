//! Structured logs through `tracing`. JSON lines in production, readable
//! text otherwise; `RUST_LOG` sets the filter. Every request's span carries
//! its `request_id` (see `http`).

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
