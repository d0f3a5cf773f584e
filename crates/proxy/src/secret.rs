//! A credential held in memory: a Modal token, a database URL with its
//! password. Its `Debug` never shows it, and it is only read where it is
//! sent.

use std::fmt;

/// A credential value. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (a flag's, for clap).
    pub fn new(value: &str) -> Result<Self, String> {
        Ok(Self(value.trim().to_owned()))
    }

    /// The value, for the one place it is sent: a request header, a
    /// database connection.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        match value.trim() {
            trimmed if trimmed.len() == value.len() => Self(value),
            trimmed => Self(trimmed.to_owned()),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
