//! Generations at work: the live state of each unsettled one (a `watch`
//! channel carrying the `Generation` on every change), the queue, the
//! workers, and the sweeper that removes what has expired. Every change is
//! saved to the records, so the database always has the latest state;
//! settled generations live only there and are read when asked for.

mod conversions;
mod drive;
mod estimate;
mod extract;
mod lifecycle;
mod live;
mod owner;
mod paths;
mod plan;
mod queue;
mod renditions;
mod sweep;
mod timing;
mod worker;

use std::{
    collections::HashMap,
    num::NonZeroUsize,
    sync::{
        Arc, Mutex as StdMutex,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use tokio::sync::{Mutex, Semaphore, watch};
use trellis_api::{ExtractParams, GenerateParams, Generation, JobStatus};

pub use conversions::ConversionLimits;
pub use extract::ExtractOutcome;
pub use lifecycle::{events_url, is_settled, status_url};
pub use paths::ModelFile;
pub use sweep::{Retention, Swept};
pub use timing::Timings;

use self::{
    drive::Warmth,
    live::Found,
    queue::{Queue, Task, TaskKind},
};
use crate::{
    backend::Backend,
    error::AppError,
    id::GenerationId,
    quota::{EngineBudget, Ticket},
    store::{Files, Records, Store, StoreError, StoredGeneration},
    tokens::{TokenHash, issue_owner_token},
};

/// How the jobs are run.
pub struct Settings {
    /// Jobs run at once.
    pub concurrency: NonZeroUsize,
    /// Most jobs that may wait in line at once, over all clients.
    pub max_waiting: usize,
    /// Time limit of a generate call, cold start included.
    pub generate_timeout: Duration,
    /// Time limit of one extraction.
    pub extract_timeout: Duration,
    /// Models one generation may have asked of it, the first included.
    pub extractions_per_generation: Option<u32>,
    /// When generations expire.
    pub retention: Retention,
    /// Expected step durations.
    pub timings: Timings,
    /// The engine's daily time budget, charged by every engine call.
    pub budget: Arc<EngineBudget>,
    /// How conversions are bounded.
    pub conversions: ConversionLimits,
}

/// One unsettled generation's live state.
struct Record {
    id: GenerationId,
    tx: watch::Sender<Generation>,
    /// Held while saving, so saves of one generation never overlap and the
    /// last one to finish always wrote the latest state.
    save_lock: Mutex<()>,
    /// The hash of the creator's owner token; `None` for generations made
    /// before tokens existed, which therefore have no creator to prove.
    owner: Option<TokenHash>,
    /// Models asked of it so far, the first included.
    extractions: AtomicU32,
    /// Set (under `save_lock`) once the generation is being removed, so a
    /// worker still holding it never writes its record back.
    removed: AtomicBool,
}

impl Record {
    fn new(id: GenerationId, stored: StoredGeneration) -> Self {
        Self {
            id,
            tx: watch::Sender::new(stored.generation),
            save_lock: Mutex::new(()),
            owner: stored.owner,
            extractions: AtomicU32::new(stored.extractions),
            removed: AtomicBool::new(false),
        }
    }
}

/// The generations, the queue, and the engine the workers drive.
pub struct Jobs {
    files: Files,
    records: Records,
    backend: Arc<dyn Backend>,
    /// Generations that can still change, by id; see [`live`].
    live: StdMutex<HashMap<GenerationId, Arc<Record>>>,
    /// Held while a generation joins or leaves the live set, or while a
    /// request decides whether to un-settle it; see [`live`].
    membership: Mutex<()>,
    queue: Queue,
    timings: Timings,
    warmth: Warmth,
    budget: Arc<EngineBudget>,
    generate_timeout: Duration,
    extract_timeout: Duration,
    extractions_per_generation: Option<u32>,
    retention: Retention,
    /// Turns to web-optimize a model (see [`renditions`]).
    optimizations: Arc<Semaphore>,
    conversions: conversions::Conversions,
}

impl Jobs {
    /// Takes over the store: re-queues what was waiting, marks what was
    /// running as interrupted, and starts the workers.
    pub async fn start(
        store: Store,
        backend: Arc<dyn Backend>,
        settings: Settings,
    ) -> Result<Arc<Self>, StoreError> {
        let concurrency = settings.concurrency.get();
        let warmth = Warmth::new(backend.capabilities().scale_down_window);
        let jobs = Arc::new(Self {
            files: store.files,
            records: store.records,
            backend,
            live: StdMutex::default(),
            membership: Mutex::new(()),
            queue: Queue::new(concurrency, settings.max_waiting),
            timings: settings.timings,
            warmth,
            budget: settings.budget,
            generate_timeout: settings.generate_timeout,
            extract_timeout: settings.extract_timeout,
            extractions_per_generation: settings.extractions_per_generation,
            retention: settings.retention,
            optimizations: Arc::new(Semaphore::new(renditions::PARALLEL_OPTIMIZATIONS)),
            conversions: conversions::Conversions::new(settings.conversions),
        });
        let unfinished = jobs.restore().await?;
        for _ in 0..concurrency {
            tokio::spawn(worker::run(Arc::clone(&jobs)));
        }
        for (record, variant) in unfinished {
            jobs.spawn_renditions(record, variant);
        }
        Ok(jobs)
    }

    /// Loads the unsettled generations. Returns the models whose
    /// web-optimized copy a crash interrupted, to be made again.
    async fn restore(&self) -> Result<Vec<(Arc<Record>, String)>, StoreError> {
        let mut unfinished = Vec::new();
        for (id, mut stored) in self.records.unsettled().await? {
            self.files.remove_temp_files(&id).await?;
            let interrupted = lifecycle::interrupt(&mut stored.generation);
            let mut resume = Vec::new();
            let generation = &stored.generation;
            match generation.status {
                JobStatus::Queued => {
                    let expected = self.plan(generation, false).await.total();
                    resume.push((TaskKind::Generate, expected));
                }
                JobStatus::Succeeded => {
                    for model in generation
                        .models
                        .iter()
                        .filter(|m| m.status == JobStatus::Queued)
                    {
                        let expected = self.extract_expected(model.params).await;
                        let variant = model.variant.clone();
                        resume.push((TaskKind::Extract { variant }, expected));
                    }
                }
                JobStatus::Running | JobStatus::Failed | JobStatus::Cancelled => {}
            }
            let record = Arc::new(Record::new(id.clone(), stored));
            if interrupted {
                self.save(&record).await;
            }
            if lifecycle::is_settled(&record.tx.borrow()) {
                continue;
            }
            let pending = lifecycle::pending_optimizations(&record.tx.borrow());
            unfinished.extend(pending.into_iter().map(|v| (Arc::clone(&record), v)));
            self.lock_live().insert(id, Arc::clone(&record));
            for (kind, expected) in resume {
                self.queue.push(Task {
                    record: Arc::clone(&record),
                    kind,
                    expected,
                    _ticket: None,
                });
            }
        }
        Ok(unfinished)
    }

    /// Stores a new generation with its normalized input and puts it in
    /// line, holding `ticket` (the client's place) until it is done.
    /// Returns its id and the owner token only its creator gets to see.
    pub async fn submit(
        &self,
        params: GenerateParams,
        first_model: ExtractParams,
        input_png: Vec<u8>,
        ticket: Ticket,
    ) -> Result<(GenerationId, String), AppError> {
        let slot = self.queue.reserve().ok_or(AppError::QueueFull)?;
        let id = GenerationId::random()?;
        let generation = lifecycle::queued(&id, self.backend.kind(), params, first_model);
        let expected = self.plan(&generation, false).await.total();
        let (token, owner) = issue_owner_token()?;
        let stored = StoredGeneration {
            generation,
            owner: Some(owner),
            extractions: 1,
        };
        let bytes = self.files.create(&id, input_png).await?;
        if let Err(err) = self.records.insert(&id, &stored, bytes).await {
            // Best effort: a folder without a record is removed at the
            // next start anyway.
            let _ = self.files.remove(&id).await;
            return Err(err.into());
        }
        let record = Arc::new(Record::new(id.clone(), stored));
        self.lock_live().insert(id.clone(), Arc::clone(&record));
        slot.push(Task {
            record,
            kind: TaskKind::Generate,
            expected,
            _ticket: Some(ticket),
        });
        Ok((id, token))
    }

    /// The current state of a generation.
    pub async fn get(&self, id: &GenerationId) -> Result<Generation, AppError> {
        Ok(match self.find(id).await? {
            Found::Live(record) => record.tx.borrow().clone(),
            Found::Settled(stored) => stored.generation,
        })
    }

    /// A receiver that holds the current state and sees every change. For
    /// a settled generation nothing changes: its sender is already gone.
    pub async fn subscribe(
        &self,
        id: &GenerationId,
    ) -> Result<watch::Receiver<Generation>, AppError> {
        Ok(match self.find(id).await? {
            Found::Live(record) => record.tx.subscribe(),
            Found::Settled(stored) => watch::channel(stored.generation).1,
        })
    }

    /// Jobs waiting or running.
    pub fn queue_length(&self) -> usize {
        self.queue.len()
    }

    /// The engine the workers drive.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// Whether the engine has been idle long enough to have fallen asleep.
    pub fn engine_is_cold(&self) -> bool {
        self.warmth.is_cold()
    }

    /// Applies a change; if it changed anything, subscribers see it and it
    /// is saved, and a generation it settled leaves the live set. Returns
    /// whether it changed anything.
    async fn change(
        &self,
        record: &Arc<Record>,
        change: impl FnOnce(&mut Generation) -> bool,
    ) -> bool {
        let changed = record.tx.send_if_modified(change);
        if changed {
            self.save(record).await;
            self.evict_if_settled(record).await;
        }
        changed
    }

    /// Saves the latest state, with the size of its files once it settled
    /// (for the disk budget). A failed save is logged rather than failing
    /// the job: the state in memory is still right, and the next save (or
    /// the job's next file write) will report a broken disk anyway.
    async fn save(&self, record: &Record) {
        let _guard = record.save_lock.lock().await;
        if record.removed.load(Ordering::SeqCst) {
            return;
        }
        let latest = record.tx.borrow().clone();
        let bytes = if latest.is_settled() {
            match self.files.size(&record.id).await {
                Ok(bytes) => Some(bytes),
                Err(err) => {
                    tracing::warn!(id = %record.id, error = %err, "could not measure a generation's files");
                    None
                }
            }
        } else {
            None
        };
        let extractions = record.extractions.load(Ordering::SeqCst);
        if let Err(err) = self
            .records
            .save(&record.id, &latest, extractions, bytes)
            .await
        {
            tracing::error!(id = %record.id, error = %err, "could not save a generation record");
        }
    }
}
