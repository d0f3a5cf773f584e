//! `trellis`: generate 3D models from photos with a Trellis Studio server,
//! from a terminal or a script. See `trellis --help`.

mod args;
mod commands;
mod error;
mod generate;
mod output;
mod progress;
mod save;
mod tokens;

use std::process::ExitCode;

use clap::Parser as _;
use trellis_client::Client;

use crate::{
    args::{Cli, Command},
    error::CliError,
    output::Output,
    tokens::TokenFile,
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
    let mut builder = Client::builder(&cli.server);
    if let Some(key) = cli.api_key.as_deref().filter(|key| !key.trim().is_empty()) {
        builder = builder.api_key(key);
    }
    let client = builder.build()?;
    let tokens = TokenFile::new(cli.tokens_file);
    match cli.command {
        Command::Generate(args) => generate::run(&client, &tokens, args, output).await,
        Command::Health => commands::health(&client, output).await,
        Command::Status { id } => commands::status(&client, id, output).await,
        Command::Extract(args) => commands::extract(&client, &tokens, args, output).await,
        Command::Convert(args) => commands::convert(&client, &tokens, args, output).await,
        Command::Cancel(args) => commands::cancel(&client, &tokens, args, output).await,
        Command::Remove(args) => commands::remove(&client, &tokens, args, output).await,
    }
}
