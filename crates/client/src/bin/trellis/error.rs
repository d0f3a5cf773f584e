//! Why a command failed, and the exit code that tells a script.

use std::{io, path::PathBuf, process::ExitCode};

use trellis_client::{Error, api};

/// The exit code after Ctrl-C: 128 + SIGINT, as shells report it.
const INTERRUPTED_EXIT_CODE: u8 = 130;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A call to the server, or a check before it.
    #[error("{}", with_hint(.0))]
    Client(#[from] Error),
    /// The output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Output { path: PathBuf, source: io::Error },
    /// Standard output is closed or full.
    #[error("cannot print the result: {0}")]
    Print(#[source] io::Error),
    /// A finished generation with no model to download.
    #[error("generation {0} finished without a model to download; try `trellis extract {0}`")]
    NoModel(String),
    /// The server answers, but its engine cannot take work.
    #[error("the server is up, but its engine reports an error: {0}")]
    Unhealthy(String),
    /// Ctrl-C; says what became of the generation.
    #[error("{0}")]
    Interrupted(String),
    /// The owner-token file could not be read or written.
    #[error("cannot use the owner-token file {}: {source}", path.display())]
    Tokens { path: PathBuf, source: io::Error },
}

impl CliError {
    /// A machine-readable code for `--json`.
    pub fn code(&self) -> &str {
        match self {
            Self::Client(err) => err.code(),
            Self::Output { .. } => "write_failed",
            Self::Print(_) => "print_failed",
            Self::NoModel(_) => "no_model",
            Self::Unhealthy(_) => "unhealthy",
            Self::Interrupted(_) => "interrupted",
            Self::Tokens { .. } => "tokens_file",
        }
    }

    /// 130 after Ctrl-C, 1 for any other failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Interrupted(_) => ExitCode::from(INTERRUPTED_EXIT_CODE),
            _ => ExitCode::FAILURE,
        }
    }
}

/// The library's message, plus what a person at a terminal should try
/// when nothing answers.
fn with_hint(err: &Error) -> String {
    match (err, err.code()) {
        (Error::Unreachable { .. }, _) => format!("{err}. Is it running? (scripts/serve)"),
        (_, api::codes::API_KEY_REQUIRED | api::codes::API_KEY_INVALID) => {
            format!("{err} (give it with --api-key or TRELLIS_API_KEY)")
        }
        (_, api::codes::OWNER_TOKEN_REQUIRED) => format!(
            "{err} (this command line keeps the tokens of the generations it starts; for another one, pass --owner-token)"
        ),
        _ => err.to_string(),
    }
}
