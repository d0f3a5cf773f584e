//! `trellis-proxy`: serves Trellis Studio, or manages its API keys. See
//! `--help` for the settings.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use trellis_proxy::cli::{Cli, Command, run_keys};

/// Logging when RUST_LOG is unset: requests and job outcomes, no noise.
const DEFAULT_LOG_FILTER: &str = "info,tower_http=info";

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let cli = Cli::parse();
    match &cli.command {
        // A command for a person at a terminal: its error goes to stderr
        // as a sentence, not as a log line.
        Some(Command::Keys { data_dir, action }) => match run_keys(data_dir, action) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
        None => match trellis_proxy::serve(cli.config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("{err}");
                ExitCode::FAILURE
            }
        },
    }
}
