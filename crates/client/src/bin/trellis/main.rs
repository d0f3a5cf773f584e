//! `trellis`: generate 3D models from photos with a Trellis Studio server,
//! from a terminal or a script. See `trellis --help`.

mod args;
mod commands;
mod error;
mod generate;
mod output;
mod progress;
mod save;

use std::process::ExitCode;

use clap::Parser as _;
use trellis_client::Client;

use crate::{
    args::{Cli, Command},
    error::CliError,
    output::Output,
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = Output::new(cli.json);
    match run(cli, output).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output.error(&err);
            err.exit_code()
        }
    }
}

async fn run(cli: Cli, output: Output) -> Result<(), CliError> {
    let client = Client::new(&cli.server)?;
    match cli.command {
        Command::Generate(args) => generate::run(&client, args, output).await,
        Command::Health => commands::health(&client, output).await,
        Command::Status { id } => commands::status(&client, id, output).await,
        Command::Extract(args) => commands::extract(&client, args, output).await,
        Command::Cancel { id } => commands::cancel(&client, id, output).await,
    }
}
