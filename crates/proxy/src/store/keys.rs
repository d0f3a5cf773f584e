//! API keys: who may generate when the server runs in `keys` mode. Only
//! each key's SHA-256 is stored, with a short prefix to tell keys apart in
//! `keys list`; a key is shown once, when it is made.

use rusqlite::{OptionalExtension as _, params};

use super::{StoreError, db::Db};
use crate::{
    clock::now_ms,
    tokens::{TokenHash, issue_api_key},
};

/// Characters of a key kept in the clear, to recognise it in lists: the
/// `trk_` prefix and 4 hex digits, 16 bits, too few to help a guess.
const SHOWN_PREFIX_CHARS: usize = 8;

/// One key as `keys list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    /// Unix time in milliseconds.
    pub created_at: u64,
    pub revoked_at: Option<u64>,
}

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

/// Longest key name: a person or a program, not a paragraph.
const MAX_NAME_CHARS: usize = 64;

/// The API keys.
#[derive(Debug, Clone)]
pub struct Keys {
    db: Db,
}

impl Keys {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Makes a key named `name`; returns the key, the only time it is seen.
    pub fn add(&self, name: &str) -> Result<String, KeyError> {
        let valid = !name.is_empty()
            && name.chars().count() <= MAX_NAME_CHARS
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(KeyError::BadName(name.to_owned()));
        }
        let (key, hash) = issue_api_key().map_err(StoreError::Io)?;
        let prefix: String = key.chars().take(SHOWN_PREFIX_CHARS).collect();
        let inserted = self.db.call_blocking(|conn| {
            let taken: bool = conn.query_row(
                "SELECT count(*) > 0 FROM api_keys WHERE name = ?1 AND revoked_at IS NULL",
                [name],
                |row| row.get(0),
            )?;
            if taken {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO api_keys (name, hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, hash.as_str(), prefix, now_ms()],
            )?;
            Ok(true)
        })?;
        if inserted {
            Ok(key)
        } else {
            Err(KeyError::NameTaken(name.to_owned()))
        }
    }

    /// Every key, active and revoked, oldest first.
    pub fn list(&self) -> Result<Vec<KeyInfo>, StoreError> {
        self.db.call_blocking(|conn| {
            let mut statement = conn.prepare(
                "SELECT name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
            )?;
            let keys = statement.query_map([], |row| {
                Ok(KeyInfo {
                    name: row.get(0)?,
                    prefix: row.get(1)?,
                    created_at: row.get(2)?,
                    revoked_at: row.get(3)?,
                })
            })?;
            Ok(keys.collect::<Result<_, _>>()?)
        })
    }

    /// Revokes the active key named `name`: it stops working at once, also
    /// for a server that is running.
    pub fn revoke(&self, name: &str) -> Result<(), KeyError> {
        let changed = self.db.call_blocking(|conn| {
            Ok(conn.execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, now_ms()],
            )?)
        })?;
        if changed == 0 {
            return Err(KeyError::NoSuchKey(name.to_owned()));
        }
        Ok(())
    }

    /// The name of the active key `key`, if it is one. Looked up by hash on
    /// every request, so a revocation needs no restart.
    pub async fn find(&self, key: &str) -> Result<Option<String>, StoreError> {
        let hash = TokenHash::of(key);
        self.db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT name FROM api_keys WHERE hash = ?1 AND revoked_at IS NULL",
                        [hash.as_str()],
                        |row| row.get(0),
                    )
                    .optional()?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_works_until_it_is_revoked_and_names_stay_unique() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let keys = Keys::new(db);
        let key = keys.add("alice").unwrap();
        assert_eq!(keys.find(&key).await.unwrap().as_deref(), Some("alice"));
        assert!(matches!(keys.add("alice"), Err(KeyError::NameTaken(_))));
        assert!(matches!(keys.add("no spaces"), Err(KeyError::BadName(_))));

        keys.revoke("alice").unwrap();
        assert_eq!(keys.find(&key).await.unwrap(), None);
        assert!(matches!(keys.revoke("alice"), Err(KeyError::NoSuchKey(_))));
        let again = keys.add("alice").unwrap();
        assert_ne!(again, key);

        let list = keys.list().unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[0].revoked_at.is_some() && list[1].revoked_at.is_none());
        assert!(key.starts_with(&list[0].prefix) && !list[0].prefix.is_empty());
        let stored = std::fs::read(dir.path().join(super::super::db::DB_FILE)).unwrap();
        let stored = String::from_utf8_lossy(&stored);
        assert!(
            !stored.contains(&key) && !stored.contains(&again),
            "a key is stored in the clear"
        );
    }
}
