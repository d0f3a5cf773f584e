//! Delete tokens: the secret that proves a request comes from whoever
//! created a generation. Only its hash is kept, so a leaked data dir does
//! not let anyone delete generations.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{error::AppError, id::random_hex};

/// Random bytes in a token: 256 bits, more than the 128 an id has, because
/// a token, unlike an id, must stay secret even from people holding a link.
const TOKEN_BYTES: usize = 32;

/// A fresh token for the creator (sent once, never stored) and its hash
/// (stored, never sent).
pub fn issue() -> Result<(String, TokenHash), AppError> {
    let token = random_hex::<TOKEN_BYTES>()?;
    let hash = TokenHash::of(&token);
    Ok((token, hash))
}

/// The SHA-256 of a delete token, as lowercase hex.
#[derive(Clone, PartialEq, Eq)]
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
        let (token, hash) = issue().unwrap();
        assert_eq!(token.len(), TOKEN_BYTES * 2);
        assert!(hash.matches(&token));
        assert!(!hash.matches(""));
        assert!(!hash.matches(&token[1..]));
        assert!(TokenHash::from_stored(hash.as_str()).matches(&token));
        assert_ne!(hash.as_str(), token);
    }
}
