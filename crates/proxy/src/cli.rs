//! The command line: serving (the default), or managing API keys.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use clap::{Parser, Subcommand};

pub use crate::access::KeyError;
use crate::{
    access::Keys,
    config::Config,
    repo::{Embedded, Postgres, Repository},
    secret::Secret,
    store::Store,
};

/// The lease given to the `keys` command's database connection: it claims
/// no task, so it never holds one.
const KEYS_COMMAND_LEASE: Duration = Duration::from_secs(30);

/// `trellis-proxy`: serves Trellis Studio, or with `keys`, manages its API
/// keys.
#[derive(Debug, Parser)]
#[command(
    name = "trellis-proxy",
    version,
    about = "Trellis Studio: photo to 3D model, in the browser",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

/// What to do instead of serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the API keys that `--access keys` asks for. Works while the
    /// server runs: a revoked key stops working at once.
    Keys {
        /// The data directory the server uses.
        #[arg(
            long,
            env = "TRELLIS_DATA_DIR",
            default_value = "./data",
            global = true
        )]
        data_dir: PathBuf,

        /// The PostgreSQL URL the servers share (`--database`): the keys
        /// are kept there, for every proxy, instead of in the data dir.
        #[arg(
            long,
            env = "TRELLIS_DATABASE_URL",
            value_parser = Secret::new,
            hide_env_values = true,
            global = true
        )]
        database: Option<Secret>,

        #[command(subcommand)]
        action: KeysAction,
    },
}

/// `trellis-proxy keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a key for NAME (a person or a program) and print it, once: only
    /// its hash is kept.
    Add {
        /// 1 to 64 letters, digits, '-', '_' or '.'.
        name: String,
    },
    /// List the keys: name, first characters, when made, and whether revoked.
    List,
    /// Revoke NAME's key.
    Revoke { name: String },
}

/// The keys of the data dir, or of the shared database when there is one.
async fn open_keys(data_dir: &Path, database: Option<&Secret>) -> Result<Keys, KeyError> {
    let repo: Arc<dyn Repository> = match database {
        Some(url) => Arc::new(Postgres::connect(url, KEYS_COMMAND_LEASE).await?),
        None => Arc::new(Embedded::new(Store::open_tables(data_dir)?, data_dir)),
    };
    Ok(Keys::new(repo))
}

/// Makes an API key for `name` in the data dir (what `keys add` does);
/// returns the key.
pub async fn add_key(data_dir: &Path, name: &str) -> Result<String, KeyError> {
    open_keys(data_dir, None).await?.add(name).await
}

/// Runs a `keys` command, printing to stdout; the error is for stderr.
pub async fn run_keys(
    data_dir: &Path,
    database: Option<&Secret>,
    action: &KeysAction,
) -> Result<(), KeyError> {
    let keys = open_keys(data_dir, database).await?;
    match action {
        KeysAction::Add { name } => {
            let key = keys.add(name).await?;
            println!("{key}");
            eprintln!(
                "API key for {name} made. It is shown this once; send it as \"Authorization: Bearer <key>\" (the web app asks for it, the CLI reads TRELLIS_API_KEY)."
            );
        }
        KeysAction::List => {
            let list = keys.list().await?;
            if list.is_empty() {
                eprintln!("no keys yet; make one with `trellis-proxy keys add NAME`");
            }
            for key in list {
                let made = httpdate::fmt_http_date(time_of(key.created_at));
                let status = match key.revoked_at {
                    Some(at) => format!("revoked {}", httpdate::fmt_http_date(time_of(at))),
                    None => "active".to_owned(),
                };
                println!("{}\t{}…\tmade {made}\t{status}", key.name, key.prefix);
            }
        }
        KeysAction::Revoke { name } => {
            keys.revoke(name).await?;
            eprintln!("the key of {name} is revoked");
        }
    }
    Ok(())
}

fn time_of(unix_ms: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(unix_ms)
}
