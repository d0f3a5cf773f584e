//! The SQLite database in the data dir: generation records, removals, API
//! keys and engine time. One connection behind a mutex, used from the
//! blocking pool: every statement takes microseconds, and one writer is
//! what SQLite allows anyway.

use std::{
    path::Path,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use rusqlite::Connection;

use super::StoreError;

/// The database file, next to the generations' folders.
pub const DB_FILE: &str = "trellis.sqlite3";
/// How long a statement waits for another process holding the database
/// (`trellis-proxy keys` while the server runs) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema of version 1. `user_version` numbers the versions, each
/// migration below taking the database one step further.
///
/// - `generations`: one row per stored generation; `record` is the wire
///   `Generation` as JSON, `settled` says whether it can still change (the
///   unsettled ones are the only ones loaded at start), `bytes` is its
///   folder's size when it last settled, for the disk budget.
/// - `removed`: ids that existed, so their links answer 410, not 404.
/// - `api_keys`: SHA-256 of each key; a revoked key keeps its row.
/// - `engine_usage`: engine seconds spent per UTC day and engine.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS generations (
    id TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL,
    settled INTEGER NOT NULL,
    owner_hash TEXT,
    extractions INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS generations_unsettled ON generations (created_at) WHERE settled = 0;
CREATE INDEX IF NOT EXISTS generations_settled_age ON generations (created_at) WHERE settled = 1;
CREATE TABLE IF NOT EXISTS removed (
    id TEXT PRIMARY KEY NOT NULL,
    removed_at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS engine_usage (
    day INTEGER NOT NULL,
    backend TEXT NOT NULL,
    seconds REAL NOT NULL,
    PRIMARY KEY (day, backend)
);
";

/// Version 2 adds to each generation a version bumped by every change, the
/// key the result cache finds it by, and the deployment holding its state.
const TO_VERSION_2: &str = "
ALTER TABLE generations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE generations ADD COLUMN cache_key TEXT;
ALTER TABLE generations ADD COLUMN deployment TEXT;
CREATE INDEX generations_cache ON generations (cache_key) WHERE cache_key IS NOT NULL;
PRAGMA user_version = 2;
";

/// A shared handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database of `data_dir`. Returns it
    /// and whether it was just created.
    pub fn open(data_dir: &Path) -> Result<(Self, bool), StoreError> {
        let path = data_dir.join(DB_FILE);
        let created = !path.exists();
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers never wait for the writer, and the CLI can manage
        // keys while the server runs. FULL: a commit survives power loss,
        // as the files' fsync-then-rename does.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version < 2 {
            let transaction = conn.transaction()?;
            transaction.execute_batch(SCHEMA)?;
            transaction.execute_batch(TO_VERSION_2)?;
            transaction.commit()?;
        }
        Ok((
            Self {
                conn: Arc::new(Mutex::new(conn)),
            },
            created,
        ))
    }

    /// Runs `work` on the connection, on the blocking pool.
    pub async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.call_blocking(work))
            .await
            .map_err(|err| StoreError::Io(std::io::Error::other(err)))?
    }

    /// Runs `work` on the connection, on this thread.
    pub fn call_blocking<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock leaves no half transaction: an
        // unfinished one is rolled back when its `Transaction` drops.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut conn)
    }
}
