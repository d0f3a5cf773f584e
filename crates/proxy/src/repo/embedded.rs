//! The embedded repository: the SQLite records of the data dir, the line in
//! this process, and the timings in a JSON file beside them. What one
//! process with a local folder needs, and nothing to set up.

use std::{
    collections::{HashMap, HashSet},
    num::NonZeroU32,
    path::{Path, PathBuf},
    sync::{Mutex as StdMutex, PoisonError},
    time::Duration,
};

use async_trait::async_trait;
use tokio::sync::{Mutex, broadcast};
use trellis_api::BackendKind;

use super::{
    Candidate, Change, Chooser, Effect, Event, Lease, Line, Lookup, NewTask, Observed, Progress,
    Removal, Repository, StoreError, StoredGeneration, event_channel, line::MemLine, rate,
};
use crate::{
    clock::now_ms,
    id::GenerationId,
    store::{KeyInfo, KeyTable, NewKey, Records, Tables, Usage, write_atomic},
    tokens::TokenHash,
};

/// The file of timing averages, in the data dir.
const TIMINGS_FILE: &str = "timings.json";

/// SQLite records, an in-process line, a timings file.
pub struct Embedded {
    records: Records,
    keys: KeyTable,
    usage: Usage,
    line: MemLine,
    timings_path: PathBuf,
    /// The averages; saved under this lock, so an older table never
    /// overwrites a newer.
    timings: Mutex<HashMap<String, Observed>>,
    events: broadcast::Sender<Event>,
    /// Each client's theoretical arrival time for the hourly limit (see
    /// [`rate`]), in memory: it only matters for the next hour.
    hourly: StdMutex<HashMap<TokenHash, u64>>,
}

impl Embedded {
    /// The repository over a data dir's tables; the timings file is read
    /// now (a missing or unreadable one starts empty: these are estimates).
    pub fn new(tables: Tables, data_dir: &Path) -> Self {
        let Tables {
            records,
            keys,
            usage,
        } = tables;
        let timings_path = data_dir.join(TIMINGS_FILE);
        let timings = match std::fs::read(&timings_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                tracing::warn!(path = %timings_path.display(), error = %err, "ignoring unreadable timings");
                HashMap::new()
            }),
            Err(_) => HashMap::new(),
        };
        Self {
            records,
            keys,
            usage,
            line: MemLine::default(),
            timings_path,
            timings: Mutex::new(timings),
            events: event_channel(),
            hourly: StdMutex::default(),
        }
    }

    fn line_moved(&self) {
        // No receiver is fine: no one is listening yet.
        let _ = self.events.send(Event::Line);
    }

    fn changed(&self, id: &GenerationId, stored: &StoredGeneration) {
        let _ = self.events.send(Event::Changed {
            id: id.clone(),
            version: stored.version,
            stored: Some(Box::new(stored.clone())),
        });
    }
}

#[async_trait]
impl Repository for Embedded {
    fn is_exclusive(&self) -> bool {
        true
    }

    fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn publish_progress(&self, id: &GenerationId, progress: Progress) {
        let _ = self.events.send(Event::Progress {
            id: id.clone(),
            progress,
        });
    }

    async fn insert(
        &self,
        id: &GenerationId,
        stored: &StoredGeneration,
        bytes: u64,
        task: Option<NewTask>,
    ) -> Result<(), StoreError> {
        self.records.insert(id, stored, bytes).await?;
        self.changed(id, stored);
        if let Some(task) = task {
            self.line.push(task);
            self.line_moved();
        }
        Ok(())
    }

    async fn lookup(&self, id: &GenerationId) -> Result<Lookup, StoreError> {
        self.records.lookup(id).await
    }

    async fn update(
        &self,
        id: &GenerationId,
        change: Change,
    ) -> Result<Option<StoredGeneration>, StoreError> {
        let updated = self
            .records
            .update(id, move |stored| match change(stored) {
                Effect::Unchanged => None,
                effect => Some(effect),
            })
            .await?;
        let Some((stored, effect)) = updated else {
            return Ok(None);
        };
        self.changed(id, &stored);
        if let Effect::Queue(task) = effect {
            self.line.push(task);
            self.line_moved();
        }
        Ok(Some(stored))
    }

    async fn set_bytes(&self, id: &GenerationId, bytes: u64) -> Result<(), StoreError> {
        self.records.set_bytes(id, bytes).await
    }

    async fn remove(&self, id: &GenerationId, why: Removal) -> Result<(), StoreError> {
        if self.line.dequeue(id) {
            self.line_moved();
        }
        self.records.remove(id, why).await
    }

    async fn unsettled(&self) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        self.records.unsettled().await
    }

    async fn ids(&self) -> Result<HashSet<String>, StoreError> {
        self.records.ids().await
    }

    async fn settled(
        &self,
        cutoff_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        match cutoff_ms {
            Some(cutoff) => self.records.settled_before(cutoff, limit).await,
            None => self.records.oldest_settled(limit).await,
        }
    }

    async fn total_bytes(&self) -> Result<u64, StoreError> {
        self.records.total_bytes().await
    }

    async fn reusable(
        &self,
        cache_key: &str,
    ) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        self.records.reusable(cache_key).await
    }

    async fn waiting(&self) -> Result<usize, StoreError> {
        Ok(self.line.waiting())
    }

    async fn claim(&self, choose: &Chooser<'_>) -> Result<Option<Lease>, StoreError> {
        let lease = self.line.claim(choose);
        if lease.is_some() {
            self.line_moved();
        }
        Ok(lease)
    }

    async fn heartbeat(&self, lease: &Lease) -> Result<bool, StoreError> {
        // One process: a lease is only ever lost to a cancellation.
        Ok(self.line.holds(lease))
    }

    async fn accept(&self, lease: &Lease) -> Result<(), StoreError> {
        self.line.accept(lease);
        Ok(())
    }

    async fn finish(&self, lease: &Lease) -> Result<(), StoreError> {
        self.line.finish(lease);
        self.line_moved();
        Ok(())
    }

    async fn requeue(&self, lease: &Lease) -> Result<(), StoreError> {
        self.line.requeue(lease);
        self.line_moved();
        Ok(())
    }

    async fn dequeue(&self, id: &GenerationId) -> Result<(), StoreError> {
        if self.line.dequeue(id) {
            self.line_moved();
        }
        Ok(())
    }

    async fn take_over_expired(&self) -> Result<Vec<Lease>, StoreError> {
        // Leases never expire within the one process that holds them; what
        // a previous process ran is failed at start from the records.
        Ok(Vec::new())
    }

    async fn line(&self) -> Result<Line, StoreError> {
        Ok(self.line.line())
    }

    async fn timings(&self) -> Result<HashMap<String, Observed>, StoreError> {
        Ok(self.timings.lock().await.clone())
    }

    async fn observe(
        &self,
        key: &str,
        seconds: f64,
        smoothing: f64,
    ) -> Result<Observed, StoreError> {
        let mut timings = self.timings.lock().await;
        let entry = timings
            .entry(key.to_owned())
            .or_insert(Observed { seconds, runs: 0 });
        entry.seconds += smoothing * (seconds - entry.seconds);
        entry.runs += 1;
        let observed = *entry;
        let json = serde_json::to_vec_pretty(&*timings)
            .map_err(|err| StoreError::Damaged(err.to_string()))?;
        let dir = self
            .timings_path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default();
        tokio::task::spawn_blocking(move || write_atomic(&dir, TIMINGS_FILE, &json))
            .await
            .map_err(std::io::Error::other)??;
        Ok(observed)
    }

    async fn usage(&self, day: u64, backend: BackendKind) -> Result<f64, StoreError> {
        self.usage.seconds(day, backend).await
    }

    async fn add_usage(
        &self,
        day: u64,
        backend: BackendKind,
        seconds: f64,
    ) -> Result<f64, StoreError> {
        self.usage.add(day, backend, seconds).await?;
        self.usage.seconds(day, backend).await
    }

    async fn add_key(&self, key: NewKey) -> Result<bool, StoreError> {
        self.keys.insert(key).await
    }

    async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        self.keys.list().await
    }

    async fn revoke_key(&self, name: &str) -> Result<bool, StoreError> {
        self.keys.revoke(name).await
    }

    async fn key_name(&self, hash: &TokenHash) -> Result<Option<String>, StoreError> {
        self.keys.name_of(hash).await
    }

    async fn count_hourly(
        &self,
        client: &TokenHash,
        per_hour: NonZeroU32,
    ) -> Result<Option<Duration>, StoreError> {
        let mut hourly = self.hourly.lock().unwrap_or_else(PoisonError::into_inner);
        let tat = hourly.get(client).copied();
        Ok(match rate::take(tat, now_ms(), per_hour) {
            Ok(next) => {
                hourly.insert(client.clone(), next);
                None
            }
            Err(wait) => Some(wait),
        })
    }

    async fn forget_quiet_clients(&self) -> Result<(), StoreError> {
        let now = now_ms();
        self.hourly
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, tat| !rate::is_spent(*tat, now));
        Ok(())
    }
}
