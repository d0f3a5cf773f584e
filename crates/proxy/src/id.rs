//! Generation ids: random, unguessable, and safe to use as a directory name.

use std::{fmt, io};

/// Random bytes in an id. 128 bits make ids unguessable, so an id doubles
/// as a share link without exposing anyone else's generations.
const ID_BYTES: usize = 16;
/// Length of an id in lowercase hex.
const ID_LEN: usize = ID_BYTES * 2;
/// How much of an id names a download: enough to tell files apart.
const SHORT_LEN: usize = 8;

/// Text that is not a generation id. The HTTP layer answers it with 400
/// `invalid_id`; the records treat it as damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a generation id (32 lowercase hex characters)")]
pub struct InvalidId;

/// A validated generation id: exactly 32 lowercase hex characters.
///
/// Parsing is the only way to make one from user input, and it happens
/// before any path is built, so an id can never traverse the data dir.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GenerationId(String);

impl GenerationId {
    /// A fresh random id.
    pub fn random() -> io::Result<Self> {
        random_hex::<ID_BYTES>().map(Self)
    }

    /// Checks untrusted text (a URL segment, a directory name).
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        let well_formed =
            text.len() == ID_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidId)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first few characters, for file names people see.
    pub fn short(&self) -> &str {
        // Cannot panic: every id is exactly ID_LEN ASCII characters.
        &self.0[..SHORT_LEN]
    }
}

impl fmt::Display for GenerationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `N` random bytes from the OS, as lowercase hex.
pub fn random_hex<const N: usize>() -> io::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| io::Error::other(err.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_parse_back_and_differ() {
        let a = GenerationId::random().unwrap();
        let b = GenerationId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(GenerationId::parse(a.as_str()).unwrap(), a);
        assert_eq!(a.short().len(), SHORT_LEN);
    }

    #[test]
    fn anything_but_32_lowercase_hex_characters_is_rejected() {
        for bad in [
            "",
            "abc",
            "../../../../etc/passwd",
            "0123456789ABCDEF0123456789abcdef",
            "0123456789abcdef0123456789abcdeg",
            "0123456789abcdef0123456789abcdef0",
        ] {
            assert!(GenerationId::parse(bad).is_err(), "{bad}");
        }
    }
}
