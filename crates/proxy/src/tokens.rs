//! Secrets that a client presents and the server keeps only as hashes:
//! owner tokens (proof of having created a generation) and API keys. A
//! leaked data dir therefore lets no one act as a creator or a client.
//!
//! Both are 256 random bits, so a plain SHA-256 is enough: there is no
//! password to guess, and a slow hash would only slow every request.

use std::io;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::id::random_hex;

/// Random bytes in a token: 256 bits, more than the 128 an id has, because
/// a token, unlike an id, must stay secret even from people holding a link.
const TOKEN_BYTES: usize = 32;
/// API keys start with this, so a leaked one is recognisable (secret
/// scanners, logs) and never mistaken for an owner token.
pub const API_KEY_PREFIX: &str = "trk_";

/// A fresh owner token for the creator (sent once, never stored) and its
/// hash (stored, never sent).
pub fn issue_owner_token() -> io::Result<(String, TokenHash)> {
    let token = random_hex::<TOKEN_BYTES>()?;
    let hash = TokenHash::of(&token);
    Ok((token, hash))
}

/// A fresh API key and its hash.
pub fn issue_api_key() -> io::Result<(String, TokenHash)> {
    let key = format!("{API_KEY_PREFIX}{}", random_hex::<TOKEN_BYTES>()?);
    let hash = TokenHash::of(&key);
    Ok((key, hash))
}

/// The SHA-256 of a token or key, as lowercase hex.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes a token as presented by a client.
    pub fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A hash read back from the data dir.
    pub fn from_stored(hex: &str) -> Self {
        Self(hex.trim().to_owned())
    }

    /// The hash as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `token` hashes to this, in constant time so the answer's
    /// timing says nothing about how much of a guess was right.
    pub fn matches(&self, token: &str) -> bool {
        let presented = Self::of(token);
        bool::from(self.0.as_bytes().ct_eq(presented.0.as_bytes()))
    }
}

/// Never prints the hash: it has no business in logs.
impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_issued_token_matches_its_hash() {
        let (token, hash) = issue_owner_token().unwrap();
        assert_eq!(token.len(), TOKEN_BYTES * 2);
        assert!(hash.matches(&token));
        assert!(!hash.matches(""));
        assert!(!hash.matches(&token[1..]));
        assert!(TokenHash::from_stored(hash.as_str()).matches(&token));
        assert_ne!(hash.as_str(), token);
    }

    #[test]
    fn api_keys_are_prefixed_and_differ_from_each_other() {
        let (a, hash) = issue_api_key().unwrap();
        let (b, _) = issue_api_key().unwrap();
        assert!(a.starts_with(API_KEY_PREFIX) && a != b);
        assert!(hash.matches(&a) && !hash.matches(&b));
    }
}
