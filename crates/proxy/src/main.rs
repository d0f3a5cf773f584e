//! `trellis-proxy`: serves Trellis Studio. See `--help` for the settings.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use trellis_proxy::Config;

/// Logging when RUST_LOG is unset: requests and job outcomes, no noise.
const DEFAULT_LOG_FILTER: &str = "info,tower_http=info";

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    match trellis_proxy::serve(Config::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::FAILURE
        }
    }
}
