//! The job repository: the generations' records (with their owner-token
//! hashes), the line of tasks with the leases on the running ones, the
//! timing statistics, the engine time spent and the API keys' hashes (so a
//! key made or revoked through one proxy holds at every other), behind one
//! trait
//! ([`Repository`]) with two implementations:
//!
//! - [`Embedded`]: SQLite in the data dir and a line in this process. One
//!   process, a local folder, nothing to set up.
//! - [`Postgres`]: PostgreSQL shared by any number of proxies. Tasks are
//!   claimed with `FOR UPDATE SKIP LOCKED` under leases that running
//!   proxies renew; changes reach every proxy through LISTEN/NOTIFY.
//!
//! Every change of a record goes through [`Repository::update`], a
//! read-modify-write in one transaction, so two proxies (or a worker and a
//! request) never lose each other's changes. Changes, progress and moves
//! of the line come out of [`Repository::events`], in both modes, so the
//! event streams of every proxy follow every job.

mod embedded;
mod line;
mod postgres;
mod rate;

use std::{collections::HashMap, num::NonZeroU32, time::Duration};

use async_trait::async_trait;
use tokio::sync::broadcast;
use trellis_api::{BackendKind, Phase};

pub use self::{embedded::Embedded, postgres::Postgres};
use crate::id::GenerationId;
pub use crate::store::{Candidate, KeyInfo, Lookup, NewKey, Removal, StoreError, StoredGeneration};
use crate::tokens::TokenHash;

/// Events kept for a slow listener before it misses some (and resyncs).
const EVENT_BUFFER: usize = 4096;

/// What a task does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    /// Generate, then extract the generation's first model.
    Generate,
    /// Extract one more model of a finished generation.
    Extract { variant: String },
}

/// A task to put in line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub id: GenerationId,
    pub kind: TaskKind,
    /// How long it is expected to take once it runs.
    pub expected: Duration,
    /// The deployment it must run on (an extraction needs its generation's
    /// state); `None`: any server.
    pub needs: Option<String>,
}

/// A task in line or running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its place in the order of arrival: lower runs first.
    pub seq: i64,
    pub id: GenerationId,
    pub kind: TaskKind,
    pub expected: Duration,
    pub needs: Option<String>,
}

/// A proxy's claim on a task it runs on one server. It lasts while the
/// proxy renews it ([`Repository::heartbeat`]); once it expires, another
/// proxy takes the task over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub task: Task,
    /// The server it runs on.
    pub server: String,
    /// When it was claimed, in Unix milliseconds of the repository's
    /// clock: claims are made one at a time, so these follow the line.
    pub claimed_at: u64,
    /// Whether the request went out to the server. A task whose server
    /// may have started it is never sent again.
    pub accepted: bool,
}

/// A running task, for the line's forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningTask {
    pub server: String,
    pub expected: Duration,
    /// How long it has run.
    pub elapsed: Duration,
}

/// The line as a whole: what waits, in order, and what runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub waiting: Vec<Task>,
    pub running: Vec<RunningTask>,
}

impl Line {
    /// Tasks running on each server.
    pub fn running_per_server(&self) -> HashMap<&str, usize> {
        let mut counts = HashMap::new();
        for task in &self.running {
            *counts.entry(task.server.as_str()).or_default() += 1;
        }
        counts
    }
}

/// Chooses among the waiting tasks (in order) one to run now and the server
/// to run it on, given the tasks running on each server; `None`: nothing
/// can start now. The scheduler's pure decision, in `pool::schedule`.
pub type Chooser<'a> =
    dyn Fn(&[Task], &HashMap<&str, usize>) -> Option<(usize, String)> + Send + Sync + 'a;

/// What a change of a record leads to besides the record itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing changed: nothing is written.
    Unchanged,
    /// The record changed.
    Changed,
    /// The record changed and this task joins the line.
    Queue(NewTask),
}

/// A change of a stored generation, applied inside the repository's
/// transaction on the latest stored version.
pub type Change = Box<dyn FnOnce(&mut StoredGeneration) -> Effect + Send>;

/// A running job's estimate: not saved, only shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub phase: Phase,
    pub progress: f32,
    pub eta_seconds: f32,
}

/// What the repository tells every proxy.
#[derive(Debug, Clone)]
pub enum Event {
    /// A generation's record changed to `version`; the new record comes
    /// along when it changed in this process.
    Changed {
        id: GenerationId,
        version: u64,
        stored: Option<Box<StoredGeneration>>,
    },
    /// A running job's estimate moved.
    Progress {
        id: GenerationId,
        progress: Progress,
    },
    /// The line moved: places and waits change.
    Line,
    /// Events may have been missed (a lost connection): everything a
    /// proxy shows should be read again.
    Resync,
}

/// A moving average of one step's observed durations.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observed {
    pub seconds: f64,
    pub runs: u64,
}

/// The job repository.
#[async_trait]
pub trait Repository: Send + Sync + 'static {
    /// Whether this process is the only one using it: then nothing that
    /// was running at start can still be running anywhere.
    fn is_exclusive(&self) -> bool;

    /// Every change, progress and move of the line, in this process and
    /// (for a shared repository) every other.
    fn events(&self) -> broadcast::Receiver<Event>;

    /// Tells every proxy a running job's estimate. Not saved.
    async fn publish_progress(&self, id: &GenerationId, progress: Progress);

    // The records.

    /// Stores a new generation, whose files (`bytes` of them) exist, and
    /// puts `task` in line with it.
    async fn insert(
        &self,
        id: &GenerationId,
        stored: &StoredGeneration,
        bytes: u64,
        task: Option<NewTask>,
    ) -> Result<(), StoreError>;

    /// A generation, its removal, or nothing.
    async fn lookup(&self, id: &GenerationId) -> Result<Lookup, StoreError>;

    /// Applies `change` to the latest stored version of a generation in
    /// one transaction. Returns the new record if it changed (`None` when
    /// unchanged or gone).
    async fn update(
        &self,
        id: &GenerationId,
        change: Change,
    ) -> Result<Option<StoredGeneration>, StoreError>;

    /// Records the size of a settled generation's files, for the disk budget.
    async fn set_bytes(&self, id: &GenerationId, bytes: u64) -> Result<(), StoreError>;

    /// Forgets a generation and its waiting tasks, remembering why.
    async fn remove(&self, id: &GenerationId, why: Removal) -> Result<(), StoreError>;

    /// Every generation that can still change, oldest first.
    async fn unsettled(&self) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError>;

    /// The ids of every stored generation.
    async fn ids(&self) -> Result<std::collections::HashSet<String>, StoreError>;

    /// Up to `limit` settled generations created before `cutoff_ms` (all
    /// when `None`), oldest first.
    async fn settled(
        &self,
        cutoff_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError>;

    /// The bytes every stored generation's files take, as last measured.
    async fn total_bytes(&self) -> Result<u64, StoreError>;

    /// The latest succeeded generations made from the same input, settings
    /// and engine (`cache_key`), newest first, for the result cache.
    async fn reusable(
        &self,
        cache_key: &str,
    ) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError>;

    // The line.

    /// Tasks waiting (not running).
    async fn waiting(&self) -> Result<usize, StoreError>;

    /// Takes the task `choose` picks, for `server`, under a new lease.
    /// Claims are made one at a time over every proxy, so they follow the
    /// line.
    async fn claim(&self, choose: &Chooser<'_>) -> Result<Option<Lease>, StoreError>;

    /// Renews a lease; `false` when it was lost (another proxy took the
    /// task over, or it was cancelled and removed).
    async fn heartbeat(&self, lease: &Lease) -> Result<bool, StoreError>;

    /// Marks a task as sent to its server: from now on it is never sent
    /// again.
    async fn accept(&self, lease: &Lease) -> Result<(), StoreError>;

    /// The task is done (whatever its outcome): it leaves the line.
    async fn finish(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Puts a task its server never accepted back in line, in its old place.
    async fn requeue(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Takes every waiting task of a generation out of the line.
    async fn dequeue(&self, id: &GenerationId) -> Result<(), StoreError>;

    /// Takes over the tasks whose lease expired (their proxy died): they
    /// are this proxy's now, to send again or fail.
    async fn take_over_expired(&self) -> Result<Vec<Lease>, StoreError>;

    /// The whole line, for places and waits.
    async fn line(&self) -> Result<Line, StoreError>;

    // Statistics.

    /// Every timing average.
    async fn timings(&self) -> Result<HashMap<String, Observed>, StoreError>;

    /// Adds an observation to the moving average of `key` (weighted by
    /// `smoothing`); returns the new average.
    async fn observe(
        &self,
        key: &str,
        seconds: f64,
        smoothing: f64,
    ) -> Result<Observed, StoreError>;

    /// Engine seconds spent on `day` (since the Unix epoch, UTC).
    async fn usage(&self, day: u64, backend: BackendKind) -> Result<f64, StoreError>;

    /// Adds `seconds` to the day's engine time; returns the day's total.
    async fn add_usage(
        &self,
        day: u64,
        backend: BackendKind,
        seconds: f64,
    ) -> Result<f64, StoreError>;

    // API keys: only their hashes (see `crate::access::Keys`).

    /// Stores a key; `false` when an active key already has its name.
    async fn add_key(&self, key: NewKey) -> Result<bool, StoreError>;

    /// Every key, active and revoked, oldest first.
    async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError>;

    /// Revokes the active key named `name`; `false` when there is none.
    async fn revoke_key(&self, name: &str) -> Result<bool, StoreError>;

    /// The name of the active key with this hash. Read on every request, so
    /// a revocation holds at once, everywhere.
    async fn key_name(&self, hash: &TokenHash) -> Result<Option<String>, StoreError>;

    // Per-client limits, counted for every proxy.

    /// Counts one more generation of `client` (the hash of its key or
    /// address) within `per_hour` (see [`rate`]): `None` when counted,
    /// else how long the client must wait, not counted.
    async fn count_hourly(
        &self,
        client: &TokenHash,
        per_hour: NonZeroU32,
    ) -> Result<Option<Duration>, StoreError>;

    /// Forgets the clients with nothing counted against them any more.
    async fn forget_quiet_clients(&self) -> Result<(), StoreError>;
}

/// A broadcast channel for a repository's events.
fn event_channel() -> broadcast::Sender<Event> {
    broadcast::Sender::new(EVENT_BUFFER)
}
