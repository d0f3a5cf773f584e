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
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match &cli.command {
        // The `keys` commands print their answer (a new key) on stdout for
        // scripts to capture: the log goes beside it, not into it.
        Some(Command::Keys { .. }) => logs.with_writer(std::io::stderr).init(),
        None => logs.init(),
    }

    match &cli.command {
        // A command for a person at a terminal: its error goes to stderr
        // as a sentence, not as a log line.
        Some(Command::Keys {
            data_dir,
            database,
            action,
        }) => match run_keys(data_dir, database.as_ref(), action).await {
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
