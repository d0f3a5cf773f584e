//! Generation records in the database: the wire `Generation` of each, the
//! hash of its owner token, how many models were asked of it and the size
//! of its files; and the ids of removed ones, so their links say so.
//!
//! Only unsettled generations (waiting, running, or with a model pending)
//! are ever loaded all at once, at start; settled ones are read one at a
//! time when asked for, so memory does not grow with the archive.
//!
//! Every change is a read-modify-write in one transaction
//! ([`Records::update`]) that bumps the record's version, so a reader can
//! always tell the newer of two copies.

use std::collections::HashSet;

use rusqlite::{OptionalExtension as _, Row, params};
use trellis_api::{Generation, JobStatus};

use super::{StoreError, db::Db};
use crate::{clock::now_ms, id::GenerationId, tokens::TokenHash};

/// A generation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGeneration {
    pub generation: Generation,
    /// The hash of the creator's owner token; `None` for generations made
    /// before tokens existed, which therefore have no creator to prove.
    pub owner: Option<TokenHash>,
    /// Models asked of it so far, the first included.
    pub extractions: u32,
    /// Bumped by every change.
    pub version: u64,
    /// What the result cache knows it by: its input's hash, its settings
    /// and its engine. `None`: never offered for reuse.
    pub cache_key: Option<String>,
    /// The deployment that holds its state, once generated: only servers
    /// of that deployment can extract more models from it.
    pub deployment: Option<String>,
}

impl StoredGeneration {
    /// A new generation's record.
    pub fn new(generation: Generation, owner: Option<TokenHash>) -> Self {
        Self {
            generation,
            owner,
            extractions: 1,
            version: 0,
            cache_key: None,
            deployment: None,
        }
    }

    /// Whether the result cache may hand out its result: it succeeded,
    /// with its first model.
    pub fn is_reusable(&self) -> bool {
        let generation = &self.generation;
        generation.status == JobStatus::Succeeded
            && generation
                .models
                .first()
                .is_some_and(|model| model.status == JobStatus::Succeeded)
    }
}

/// The columns [`from_row`] reads, in its order.
const COLUMNS: &str = "id, record, owner_hash, extractions, version, cache_key, deployment";

/// Why a generation is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Its retention ran out, or the disk budget needed the room.
    Expired,
    /// Its creator removed it.
    Deleted,
}

impl Removal {
    fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Deleted => "deleted",
        }
    }
}

/// What the records know of an id.
#[derive(Debug)]
pub enum Lookup {
    Found(Box<StoredGeneration>),
    Removed(Removal),
    Unknown,
}

/// A settled generation the sweeper may remove, with its size.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: GenerationId,
    pub bytes: u64,
}

/// Cached results looked at per submission: the newest few are enough,
/// since each is as good as the others.
pub(crate) const REUSE_CANDIDATES: usize = 5;

/// The rows that can be read; one that cannot is logged and skipped rather
/// than stopping a start or a lookup.
fn readable(
    rows: impl Iterator<Item = rusqlite::Result<RawRow>>,
) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
    let mut found = Vec::new();
    for row in rows {
        let row = row?;
        let id = row.id.clone();
        match from_row(row) {
            Ok(parsed) => found.push(parsed),
            Err(err) => tracing::error!(%id, error = %err, "skipping an unreadable generation"),
        }
    }
    Ok(found)
}

/// The generation records.
#[derive(Debug, Clone)]
pub struct Records {
    db: Db,
}

/// The JSON of a record (shared with the PostgreSQL repository).
pub(crate) fn to_json(generation: &Generation) -> Result<String, StoreError> {
    serde_json::to_string(generation).map_err(|err| StoreError::Damaged(err.to_string()))
}

/// The stored columns of a record, before the JSON is read.
struct RawRow {
    id: String,
    record: String,
    owner: Option<String>,
    extractions: u32,
    version: i64,
    cache_key: Option<String>,
    deployment: Option<String>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        record: row.get(1)?,
        owner: row.get(2)?,
        extractions: row.get(3)?,
        version: row.get(4)?,
        cache_key: row.get(5)?,
        deployment: row.get(6)?,
    })
}

/// A record from its columns (shared with the PostgreSQL repository).
pub(crate) fn from_columns(
    id: &str,
    record: &str,
    owner: Option<String>,
    extractions: u32,
    version: i64,
    cache_key: Option<String>,
    deployment: Option<String>,
) -> Result<StoredGeneration, StoreError> {
    let generation: Generation = serde_json::from_str(record)
        .map_err(|err| StoreError::Damaged(format!("generation {id}: {err}")))?;
    Ok(StoredGeneration {
        generation,
        owner: owner.as_deref().map(TokenHash::from_stored),
        extractions,
        version: u64::try_from(version).unwrap_or_default(),
        cache_key,
        deployment,
    })
}

fn from_row(row: RawRow) -> Result<(GenerationId, StoredGeneration), StoreError> {
    let id = GenerationId::parse(&row.id)
        .map_err(|_| StoreError::Damaged(format!("id {:?}", row.id)))?;
    let stored = from_columns(
        &row.id,
        &row.record,
        row.owner,
        row.extractions,
        row.version,
        row.cache_key,
        row.deployment,
    )?;
    Ok((id, stored))
}

impl Records {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Stores a new generation, whose files (`bytes` of them) exist.
    pub async fn insert(
        &self,
        id: &GenerationId,
        stored: &StoredGeneration,
        bytes: u64,
    ) -> Result<(), StoreError> {
        self.insert_many(vec![(id.clone(), stored.clone(), bytes)])
            .await
    }

    /// Stores new generations in one transaction: an import of thousands
    /// costs one sync to disk, not one each.
    pub async fn insert_many(
        &self,
        generations: Vec<(GenerationId, StoredGeneration, u64)>,
    ) -> Result<(), StoreError> {
        self.db
            .call(move |conn| {
                let transaction = conn.transaction()?;
                {
                    let mut insert = transaction.prepare(
                        "INSERT INTO generations (id, created_at, settled, owner_hash, extractions, bytes, record, version, cache_key, deployment)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )?;
                    for (id, stored, bytes) in &generations {
                        let generation = &stored.generation;
                        insert.execute(params![
                            id.as_str(),
                            generation.created_at,
                            generation.is_settled(),
                            stored.owner.as_ref().map(TokenHash::as_str),
                            stored.extractions,
                            bytes,
                            to_json(generation)?,
                            i64::try_from(stored.version).unwrap_or(i64::MAX),
                            stored.cache_key,
                            stored.deployment,
                        ])?;
                    }
                }
                transaction.commit()?;
                Ok(())
            })
            .await
    }

    /// Applies `change` to the latest version of a generation's record in
    /// one transaction, bumping its version. `change` returns `None` when
    /// it changed nothing, else what the caller wants to know of it.
    /// Returns the new record with that; `None` if nothing changed, or the
    /// generation is gone.
    pub async fn update<T: Send + 'static>(
        &self,
        id: &GenerationId,
        change: impl FnOnce(&mut StoredGeneration) -> Option<T> + Send + 'static,
    ) -> Result<Option<(StoredGeneration, T)>, StoreError> {
        let id = id.to_string();
        self.db
            .call(move |conn| {
                let transaction = conn.transaction()?;
                let found = transaction
                    .query_row(
                        &format!("SELECT {COLUMNS} FROM generations WHERE id = ?1"),
                        [&id],
                        raw,
                    )
                    .optional()?;
                let Some(row) = found else {
                    return Ok(None);
                };
                let (_, mut stored) = from_row(row)?;
                let Some(outcome) = change(&mut stored) else {
                    return Ok(None);
                };
                stored.version += 1;
                transaction.execute(
                    "UPDATE generations SET settled = ?2, extractions = ?3, record = ?4, version = ?5,
                         cache_key = ?6, deployment = ?7
                     WHERE id = ?1",
                    params![
                        id,
                        stored.generation.is_settled(),
                        stored.extractions,
                        to_json(&stored.generation)?,
                        i64::try_from(stored.version).unwrap_or(i64::MAX),
                        stored.cache_key,
                        stored.deployment,
                    ],
                )?;
                transaction.commit()?;
                Ok(Some((stored, outcome)))
            })
            .await
    }

    /// Records the size of a generation's files.
    pub async fn set_bytes(&self, id: &GenerationId, bytes: u64) -> Result<(), StoreError> {
        let id = id.to_string();
        self.db
            .call(move |conn| {
                conn.execute(
                    "UPDATE generations SET bytes = ?2 WHERE id = ?1",
                    params![id, bytes],
                )?;
                Ok(())
            })
            .await
    }

    /// A generation, its removal, or nothing.
    pub async fn lookup(&self, id: &GenerationId) -> Result<Lookup, StoreError> {
        let id = id.to_string();
        self.db
            .call(move |conn| {
                let found = conn
                    .query_row(
                        &format!("SELECT {COLUMNS} FROM generations WHERE id = ?1"),
                        [&id],
                        raw,
                    )
                    .optional()?;
                if let Some(row) = found {
                    return Ok(Lookup::Found(Box::new(from_row(row)?.1)));
                }
                let reason: Option<String> = conn
                    .query_row("SELECT reason FROM removed WHERE id = ?1", [&id], |row| {
                        row.get(0)
                    })
                    .optional()?;
                Ok(match reason.as_deref() {
                    Some("deleted") => Lookup::Removed(Removal::Deleted),
                    Some(_) => Lookup::Removed(Removal::Expired),
                    None => Lookup::Unknown,
                })
            })
            .await
    }

    /// Every generation that can still change, oldest first. One that
    /// cannot be read is logged and skipped rather than stopping the start.
    pub async fn unsettled(&self) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        self.db
            .call(|conn| {
                let mut statement = conn.prepare(&format!(
                    "SELECT {COLUMNS} FROM generations WHERE settled = 0 ORDER BY created_at, id"
                ))?;
                let rows = statement.query_map([], raw)?;
                readable(rows)
            })
            .await
    }

    /// The newest succeeded generations with this cache key.
    pub async fn reusable(
        &self,
        cache_key: &str,
    ) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        let cache_key = cache_key.to_owned();
        self.db
            .call(move |conn| {
                let mut statement = conn.prepare(&format!(
                    "SELECT {COLUMNS} FROM generations WHERE cache_key = ?1 AND settled = 1
                     ORDER BY created_at DESC LIMIT {REUSE_CANDIDATES}"
                ))?;
                let rows = statement.query_map([cache_key], raw)?;
                Ok(readable(rows)?
                    .into_iter()
                    .filter(|(_, stored)| stored.is_reusable())
                    .collect())
            })
            .await
    }

    /// The ids of every stored generation.
    pub async fn ids(&self) -> Result<HashSet<String>, StoreError> {
        self.db
            .call(|conn| {
                let mut statement = conn.prepare("SELECT id FROM generations")?;
                let ids = statement.query_map([], |row| row.get(0))?;
                Ok(ids.collect::<Result<_, _>>()?)
            })
            .await
    }

    /// Forgets a generation, remembering that it was removed and why, in
    /// one transaction.
    pub async fn remove(&self, id: &GenerationId, why: Removal) -> Result<(), StoreError> {
        let id = id.to_string();
        self.db
            .call(move |conn| {
                let transaction = conn.transaction()?;
                transaction.execute("DELETE FROM generations WHERE id = ?1", [&id])?;
                transaction.execute(
                    "INSERT OR REPLACE INTO removed (id, removed_at, reason) VALUES (?1, ?2, ?3)",
                    params![id, now_ms(), why.as_str()],
                )?;
                transaction.commit()?;
                Ok(())
            })
            .await
    }

    /// Up to `limit` settled generations created before `cutoff_ms`,
    /// oldest first.
    pub async fn settled_before(
        &self,
        cutoff_ms: u64,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        self.candidates(Some(cutoff_ms), limit).await
    }

    /// Up to `limit` settled generations, oldest first.
    pub async fn oldest_settled(&self, limit: usize) -> Result<Vec<Candidate>, StoreError> {
        self.candidates(None, limit).await
    }

    async fn candidates(
        &self,
        cutoff_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let cutoff = cutoff_ms.map_or(i64::MAX, |ms| i64::try_from(ms).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .call(move |conn| {
                let mut statement = conn.prepare(
                    "SELECT id, bytes FROM generations WHERE settled = 1 AND created_at < ?1
                     ORDER BY created_at, id LIMIT ?2",
                )?;
                let rows = statement.query_map(params![cutoff, limit], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))
                })?;
                let mut candidates = Vec::new();
                for row in rows {
                    let (id, bytes) = row?;
                    if let Ok(id) = GenerationId::parse(&id) {
                        candidates.push(Candidate { id, bytes });
                    }
                }
                Ok(candidates)
            })
            .await
    }

    /// The bytes every stored generation's files take, as last measured.
    pub async fn total_bytes(&self) -> Result<u64, StoreError> {
        self.db
            .call(|conn| {
                let total: i64 = conn.query_row(
                    "SELECT coalesce(sum(bytes), 0) FROM generations",
                    [],
                    |row| row.get(0),
                )?;
                Ok(u64::try_from(total).unwrap_or(0))
            })
            .await
    }
}
