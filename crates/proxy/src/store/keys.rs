//! The API keys of the embedded records: who may generate when the server
//! runs in `keys` mode. Only each key's SHA-256 is stored, with a short
//! prefix to tell keys apart in `keys list`. Making and checking keys is
//! [`crate::access::Keys`]'s; this is the SQLite table behind it.

use rusqlite::{OptionalExtension as _, params};

use super::{StoreError, db::Db};
use crate::{clock::now_ms, tokens::TokenHash};

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

/// A key to store: never the key itself.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub hash: TokenHash,
    pub prefix: String,
}

/// The `api_keys` table.
#[derive(Debug, Clone)]
pub struct KeyTable {
    db: Db,
}

impl KeyTable {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Stores a key; `false` when an active key already has its name.
    pub async fn insert(&self, key: NewKey) -> Result<bool, StoreError> {
        self.db
            .call(move |conn| {
                // The unique index on active names decides, also between
                // the server and a `keys add` running at once.
                let inserted = conn.execute(
                    "INSERT OR IGNORE INTO api_keys (name, hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![key.name, key.hash.as_str(), key.prefix, now_ms()],
                )?;
                Ok(inserted == 1)
            })
            .await
    }

    /// Every key, active and revoked, oldest first.
    pub async fn list(&self) -> Result<Vec<KeyInfo>, StoreError> {
        self.db
            .call(|conn| {
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
            .await
    }

    /// Revokes the active key named `name`; `false` when there is none.
    pub async fn revoke(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.db
            .call(move |conn| {
                Ok(conn.execute(
                    "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                    params![name, now_ms()],
                )? > 0)
            })
            .await
    }

    /// The name of the active key with this hash, if there is one.
    pub async fn name_of(&self, hash: &TokenHash) -> Result<Option<String>, StoreError> {
        let hash = hash.clone();
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
