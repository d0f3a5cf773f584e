//! Generation records in the database: the wire `Generation` of each, the
//! hash of its owner token, how many models were asked of it and the size
//! of its files; and the ids of removed ones, so their links say so.
//!
//! Only unsettled generations (waiting, running, or with a model pending)
//! are ever loaded all at once, at start; settled ones are read one at a
//! time when asked for, so memory does not grow with the archive.

use std::collections::HashSet;

use rusqlite::{OptionalExtension as _, params};
use trellis_api::Generation;

use super::{StoreError, db::Db};
use crate::{clock::now_ms, id::GenerationId, tokens::TokenHash};

/// A generation as stored.
#[derive(Debug, Clone)]
pub struct StoredGeneration {
    pub generation: Generation,
    /// The hash of the creator's owner token; `None` for generations made
    /// before tokens existed, which therefore have no creator to prove.
    pub owner: Option<TokenHash>,
    /// Models asked of it so far, the first included.
    pub extractions: u32,
}

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

/// The generation records.
#[derive(Debug, Clone)]
pub struct Records {
    db: Db,
}

fn to_json(generation: &Generation) -> Result<String, StoreError> {
    serde_json::to_string(generation).map_err(|err| StoreError::Damaged(err.to_string()))
}

fn from_row(
    id: &str,
    record: &str,
    owner: Option<String>,
    extractions: u32,
) -> Result<StoredGeneration, StoreError> {
    let generation: Generation = serde_json::from_str(record)
        .map_err(|err| StoreError::Damaged(format!("generation {id}: {err}")))?;
    Ok(StoredGeneration {
        generation,
        owner: owner.as_deref().map(TokenHash::from_stored),
        extractions,
    })
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
                        "INSERT INTO generations (id, created_at, settled, owner_hash, extractions, bytes, record)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
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
                        ])?;
                    }
                }
                transaction.commit()?;
                Ok(())
            })
            .await
    }

    /// Replaces a generation's record; `bytes` (its files' size) when
    /// known. A generation removed meanwhile stays removed.
    pub async fn save(
        &self,
        id: &GenerationId,
        generation: &Generation,
        extractions: u32,
        bytes: Option<u64>,
    ) -> Result<(), StoreError> {
        let (id, record) = (id.to_string(), to_json(generation)?);
        let settled = generation.is_settled();
        self.db
            .call(move |conn| {
                conn.execute(
                    "UPDATE generations SET settled = ?2, extractions = ?3, bytes = coalesce(?4, bytes), record = ?5
                     WHERE id = ?1",
                    params![id, settled, extractions, bytes, record],
                )?;
                Ok(())
            })
            .await
    }

    /// Records a generation's size after files were added to it (a
    /// conversion), for the disk budget.
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
                        "SELECT record, owner_hash, extractions FROM generations WHERE id = ?1",
                        [&id],
                        |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)),
                    )
                    .optional()?;
                if let Some((record, owner, extractions)) = found {
                    return Ok(Lookup::Found(Box::new(from_row(
                        &id,
                        &record,
                        owner,
                        extractions,
                    )?)));
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
                let mut statement = conn.prepare(
                    "SELECT id, record, owner_hash, extractions FROM generations
                     WHERE settled = 0 ORDER BY created_at, id",
                )?;
                let rows = statement.query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, u32>(3)?,
                    ))
                })?;
                let mut unsettled = Vec::new();
                for row in rows {
                    let (id, record, owner, extractions) = row?;
                    let parsed = GenerationId::parse(&id)
                        .map_err(|_| StoreError::Damaged(format!("id {id:?}")))
                        .and_then(|parsed| {
                            Ok((parsed, from_row(&id, &record, owner, extractions)?))
                        });
                    match parsed {
                        Ok(found) => unsettled.push(found),
                        Err(err) => {
                            tracing::error!(%id, error = %err, "skipping an unreadable generation")
                        }
                    }
                }
                Ok(unsettled)
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
