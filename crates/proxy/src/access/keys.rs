//! API keys: who may generate when the server runs in `keys` mode. A key
//! is shown once, when it is made; the repository keeps only its SHA-256
//! and a short prefix to tell keys apart in `keys list`. With a shared
//! database every proxy reads the same keys, so one made or revoked
//! through any of them holds at all of them at once.

use std::sync::Arc;

use crate::{
    names,
    repo::{KeyInfo, NewKey, Repository, StoreError},
    tokens::{TokenHash, issue_api_key},
};

/// Characters of a key kept in the clear, to recognise it in lists: the
/// `trk_` prefix and 4 hex digits, 16 bits, too few to help a guess.
const SHOWN_PREFIX_CHARS: usize = 8;

/// Longest key name: a person or a program, not a paragraph.
const MAX_NAME_CHARS: usize = 64;

/// Why a key could not be added or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("a key named \"{0}\" already exists; revoke it first or pick another name")]
    NameTaken(String),
    #[error("no active key is named \"{0}\" (see `trellis-proxy keys list`)")]
    NoSuchKey(String),
    #[error("a key name is 1 to 64 letters, digits, '-', '_' or '.' (got \"{0}\")")]
    BadName(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The API keys, in the repository.
#[derive(Clone)]
pub struct Keys {
    repo: Arc<dyn Repository>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn new(repo: Arc<dyn Repository>) -> Self {
        Self { repo }
    }

    /// Makes a key named `name`; returns the key, the only time it is seen.
    pub async fn add(&self, name: &str) -> Result<String, KeyError> {
        if !names::is_plain(name, MAX_NAME_CHARS) {
            return Err(KeyError::BadName(name.to_owned()));
        }
        let (key, hash) = issue_api_key().map_err(StoreError::Io)?;
        let new = NewKey {
            name: name.to_owned(),
            hash,
            prefix: key.chars().take(SHOWN_PREFIX_CHARS).collect(),
        };
        if self.repo.add_key(new).await? {
            Ok(key)
        } else {
            Err(KeyError::NameTaken(name.to_owned()))
        }
    }

    /// Every key, active and revoked, oldest first.
    pub async fn list(&self) -> Result<Vec<KeyInfo>, StoreError> {
        self.repo.keys().await
    }

    /// Revokes the active key named `name`: it stops working at once, also
    /// for servers that are running.
    pub async fn revoke(&self, name: &str) -> Result<(), KeyError> {
        if self.repo.revoke_key(name).await? {
            Ok(())
        } else {
            Err(KeyError::NoSuchKey(name.to_owned()))
        }
    }

    /// The name of the active key `key`, if it is one. Looked up by hash on
    /// every request, so a revocation needs no restart.
    pub async fn find(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.repo.key_name(&TokenHash::of(key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{repo::Embedded, store::Store};

    #[tokio::test]
    async fn a_key_works_until_it_is_revoked_and_names_stay_unique() {
        let dir = tempfile::tempdir().unwrap();
        let tables = Store::open_tables(dir.path()).unwrap();
        let keys = Keys::new(Arc::new(Embedded::new(tables, dir.path())));
        let key = keys.add("alice").await.unwrap();
        assert_eq!(keys.find(&key).await.unwrap().as_deref(), Some("alice"));
        assert!(matches!(
            keys.add("alice").await,
            Err(KeyError::NameTaken(_))
        ));
        assert!(matches!(
            keys.add("no spaces").await,
            Err(KeyError::BadName(_))
        ));

        keys.revoke("alice").await.unwrap();
        assert_eq!(keys.find(&key).await.unwrap(), None);
        assert!(matches!(
            keys.revoke("alice").await,
            Err(KeyError::NoSuchKey(_))
        ));
        let again = keys.add("alice").await.unwrap();
        assert_ne!(again, key);

        let list = keys.list().await.unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[0].revoked_at.is_some() && list[1].revoked_at.is_none());
        assert!(key.starts_with(&list[0].prefix) && !list[0].prefix.is_empty());
        let stored = std::fs::read(dir.path().join(crate::store::DB_FILE)).unwrap();
        let stored = String::from_utf8_lossy(&stored);
        assert!(
            !stored.contains(&key) && !stored.contains(&again),
            "a key is stored in the clear"
        );
    }
}
