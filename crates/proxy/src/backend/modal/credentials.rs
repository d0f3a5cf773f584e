//! Modal proxy-auth credentials (contract §1.3), looked up in the reference
//! client's order: flags, then `TRELLIS2_MODAL_KEY`/`TRELLIS2_MODAL_SECRET`,
//! then `~/.trellis2_modal_secrets.json`. They live only in this process:
//! every type holding them prints as redacted, and no message names them.

use std::{
    io,
    path::{Path, PathBuf},
};

use serde::Deserialize;

pub use crate::secret::Secret;

/// Environment variable holding the token id (`wk-…`).
pub const KEY_ENV: &str = "TRELLIS2_MODAL_KEY";
/// Environment variable holding the token secret (`ws-…`).
pub const SECRET_ENV: &str = "TRELLIS2_MODAL_SECRET";
/// The secrets file, relative to the home directory.
pub const SECRETS_FILE: &str = ".trellis2_modal_secrets.json";

/// Where the credentials were found: what to fix when Modal refuses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flags,
    Environment,
    /// The environment variables a config file names.
    Named {
        key_env: String,
        secret_env: String,
    },
    File(PathBuf),
}

impl Source {
    /// The setting to fix, in words.
    pub fn setting(&self) -> String {
        match self {
            Self::Flags => "the --modal-key and --modal-secret flags".to_owned(),
            Self::Environment => format!("{KEY_ENV} / {SECRET_ENV}"),
            Self::Named {
                key_env,
                secret_env,
            } => format!("the environment variables {key_env} / {secret_env}"),
            Self::File(path) => format!(
                "modal_key / modal_secret in the secrets file {}",
                path.display()
            ),
        }
    }
}

/// A Modal proxy-auth token.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub key: Secret,
    pub secret: Secret,
    pub source: Source,
}

/// Why no credentials could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The secrets file is there but unreadable.
    #[error("cannot read the Modal secrets file {path}: {source}")]
    Unreadable { path: String, source: io::Error },
    /// The secrets file is not the JSON object expected. Only the position
    /// is reported: the text around it may be a secret.
    #[error(
        "the Modal secrets file {path} is not valid JSON (line {line}, column {column}); it must be {{\"modal_key\": \"wk-…\", \"modal_secret\": \"ws-…\"}}"
    )]
    InvalidFile {
        path: String,
        line: usize,
        column: usize,
    },
    /// The environment variables a config file names are not set.
    #[error(
        "the environment variables {key_env} and {secret_env} (key_env and secret_env in the config file) must both be set to the Modal token id (wk-…) and secret (ws-…)"
    )]
    NamedMissing { key_env: String, secret_env: String },
    /// Nowhere had both values.
    #[error(
        "no Modal credentials: pass --modal-key and --modal-secret, set {KEY_ENV} and {SECRET_ENV}, or write {{\"modal_key\": \"wk-…\", \"modal_secret\": \"ws-…\"}} to {path}. Tokens are made at modal.com/settings/proxy-auth-tokens"
    )]
    Missing { path: String },
}

#[derive(Deserialize)]
struct SecretsFile {
    modal_key: Option<String>,
    modal_secret: Option<String>,
}

/// Both values, if both are set and not blank.
fn pair(key: Option<String>, secret: Option<String>) -> Option<(String, String)> {
    let key = key.filter(|k| !k.trim().is_empty())?;
    let secret = secret.filter(|s| !s.trim().is_empty())?;
    Some((key, secret))
}

impl Credentials {
    /// Reads the credentials from the environment variables a config file
    /// names (`key_env`, `secret_env`).
    pub fn from_named_env(
        key_env: &str,
        secret_env: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, CredentialsError> {
        let source = Source::Named {
            key_env: key_env.to_owned(),
            secret_env: secret_env.to_owned(),
        };
        match pair(env(key_env), env(secret_env)) {
            Some((key, secret)) => Ok(Self {
                key: Secret::from(key),
                secret: Secret::from(secret),
                source,
            }),
            None => Err(CredentialsError::NamedMissing {
                key_env: key_env.to_owned(),
                secret_env: secret_env.to_owned(),
            }),
        }
    }

    /// Looks the credentials up: `flags` first, then `env`, then `file`
    /// (a missing file just means "not there").
    pub fn resolve(
        flags: (Option<&Secret>, Option<&Secret>),
        env: impl Fn(&str) -> Option<String>,
        file: &Path,
    ) -> Result<Self, CredentialsError> {
        let found = |(key, secret): (String, String), source| Self {
            key: Secret::from(key),
            secret: Secret::from(secret),
            source,
        };
        let exposed = |secret: Option<&Secret>| secret.map(|s| s.expose().to_owned());
        let from_flags = pair(exposed(flags.0), exposed(flags.1));
        if let Some(values) = from_flags {
            return Ok(found(values, Source::Flags));
        }
        if let Some(values) = pair(env(KEY_ENV), env(SECRET_ENV)) {
            return Ok(found(values, Source::Environment));
        }
        let path = file.display().to_string();
        let text = match std::fs::read(file) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(CredentialsError::Missing { path });
            }
            Err(source) => return Err(CredentialsError::Unreadable { path, source }),
        };
        let parsed: SecretsFile =
            serde_json::from_slice(&text).map_err(|err| CredentialsError::InvalidFile {
                path: path.clone(),
                line: err.line(),
                column: err.column(),
            })?;
        pair(parsed.modal_key, parsed.modal_secret)
            .map(|values| found(values, Source::File(file.to_owned())))
            .ok_or(CredentialsError::Missing { path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "wk-0123456789abcdef";
    const SECRET: &str = "ws-fedcba9876543210";

    fn env(name: &str) -> Option<String> {
        match name {
            KEY_ENV => Some("wk-env".to_owned()),
            SECRET_ENV => Some("ws-env".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn flags_win_over_the_environment_which_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(SECRETS_FILE);
        std::fs::write(
            &file,
            format!(r#"{{"modal_key":"{KEY}","modal_secret":"{SECRET}"}}"#),
        )
        .unwrap();
        let (key, secret) = (Secret::new(KEY).unwrap(), Secret::new(SECRET).unwrap());

        let flags = Credentials::resolve((Some(&key), Some(&secret)), env, &file).unwrap();
        assert_eq!(flags.source, Source::Flags);
        // Half a pair of flags is ignored, as the reference client does.
        let half = Credentials::resolve((Some(&key), None), env, &file).unwrap();
        assert_eq!(
            (half.source, half.key.expose()),
            (Source::Environment, "wk-env")
        );
        let from_file = Credentials::resolve((None, None), |_| None, &file).unwrap();
        assert_eq!(from_file.secret.expose(), SECRET);
        assert!(matches!(from_file.source, Source::File(_)));
    }

    #[test]
    fn a_broken_file_is_a_clear_error_that_does_not_quote_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(SECRETS_FILE);
        std::fs::write(&file, format!("{{\"modal_key\": \"{KEY}\",")).unwrap();
        let err = Credentials::resolve((None, None), |_| None, &file).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("is not valid JSON (line 1"), "{text}");
        assert!(!text.contains(KEY));
        let missing = Credentials::resolve((None, None), |_| None, &dir.path().join("none"));
        assert!(
            missing
                .unwrap_err()
                .to_string()
                .contains("TRELLIS2_MODAL_KEY")
        );
    }

    #[test]
    fn a_config_file_names_its_own_variables() {
        let named = |name: &str| {
            (name == "GPU_A_KEY" || name == "GPU_A_SECRET").then(|| format!("{name}-value"))
        };
        let found = Credentials::from_named_env("GPU_A_KEY", "GPU_A_SECRET", named).unwrap();
        assert_eq!(found.key.expose(), "GPU_A_KEY-value");
        assert!(found.source.setting().contains("GPU_A_KEY / GPU_A_SECRET"));
        let missing = Credentials::from_named_env("GPU_B_KEY", "GPU_B_SECRET", named).unwrap_err();
        assert!(
            missing.to_string().contains("GPU_B_KEY and GPU_B_SECRET"),
            "{missing}"
        );
    }

    #[test]
    fn debug_output_never_shows_the_values() {
        let credentials = Credentials {
            key: Secret::new(KEY).unwrap(),
            secret: Secret::new(SECRET).unwrap(),
            source: Source::Flags,
        };
        let printed = format!("{credentials:?}");
        assert!(
            !printed.contains(KEY) && !printed.contains(SECRET),
            "{printed}"
        );
    }
}
