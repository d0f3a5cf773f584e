//! Generations in memory: the live state of each one (a `watch` channel that
//! carries the `Generation` on every change), the queue, and the workers.
//! Every change is saved to the store, so the data dir always has the
//! latest state.

mod drive;
mod estimate;
mod extract;
mod lifecycle;
mod plan;
mod queue;
mod remove;
mod timing;
mod worker;

use std::{
    collections::HashMap,
    io,
    num::NonZeroUsize,
    path::PathBuf,
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::sync::{Mutex, watch};
use trellis_api::{ExtractParams, GenerateParams, Generation, JobStatus};

pub use extract::ExtractOutcome;
pub use lifecycle::{events_url, is_settled, status_url};
pub use queue::MAX_WAITING;
pub use timing::Timings;

use self::{
    drive::Warmth,
    queue::{Queue, Task, TaskKind},
};
use crate::{
    backend::Backend,
    delete_token::{self, TokenHash},
    error::AppError,
    id::GenerationId,
    store::{Store, Stored},
};

/// How the jobs are run.
pub struct Settings {
    /// Jobs run at once.
    pub concurrency: NonZeroUsize,
    /// Time limit of a generate call, cold start included.
    pub generate_timeout: Duration,
    /// Time limit of one extraction.
    pub extract_timeout: Duration,
    /// Expected step durations.
    pub timings: Timings,
}

/// One generation's live state.
struct Record {
    id: GenerationId,
    tx: watch::Sender<Generation>,
    /// Held while saving, so saves of one generation never overlap and the
    /// last one to finish always wrote the latest state.
    save_lock: Mutex<()>,
    /// The hash of the creator's delete token; `None` for generations made
    /// before tokens existed, which therefore cannot be removed.
    token_hash: Option<TokenHash>,
    /// Set (under `save_lock`) once the generation is being removed, so a
    /// worker still holding it never writes its folder back.
    removed: AtomicBool,
}

/// All generations, the queue, and the engine the workers drive.
pub struct Jobs {
    store: Store,
    backend: Arc<dyn Backend>,
    records: RwLock<HashMap<GenerationId, Arc<Record>>>,
    queue: Queue,
    timings: Timings,
    warmth: Warmth,
    generate_timeout: Duration,
    extract_timeout: Duration,
}

impl Jobs {
    /// Loads every stored generation, re-queues what was waiting, marks what
    /// was running as interrupted, and starts the workers.
    pub async fn start(
        store: Store,
        backend: Arc<dyn Backend>,
        settings: Settings,
    ) -> io::Result<Arc<Self>> {
        let concurrency = settings.concurrency.get();
        let warmth = Warmth::new(backend.capabilities().scale_down_window);
        let jobs = Arc::new(Self {
            store,
            backend,
            records: RwLock::default(),
            queue: Queue::new(concurrency),
            timings: settings.timings,
            warmth,
            generate_timeout: settings.generate_timeout,
            extract_timeout: settings.extract_timeout,
        });
        jobs.restore().await?;
        for _ in 0..concurrency {
            tokio::spawn(worker::run(Arc::clone(&jobs)));
        }
        Ok(jobs)
    }

    async fn restore(&self) -> io::Result<()> {
        for stored in self.store.load_all().await? {
            let Stored {
                id,
                mut generation,
                token_hash,
            } = stored;
            let interrupted = lifecycle::interrupt(&mut generation);
            let mut resume = Vec::new();
            match generation.status {
                JobStatus::Queued => {
                    let expected = self.plan(&generation, false).await.total();
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
            let record = self.insert(id, generation, token_hash);
            if interrupted {
                self.save(&record).await;
            }
            for (kind, expected) in resume {
                self.queue.push(Task {
                    record: Arc::clone(&record),
                    kind,
                    expected,
                });
            }
        }
        Ok(())
    }

    fn insert(
        &self,
        id: GenerationId,
        generation: Generation,
        token_hash: Option<TokenHash>,
    ) -> Arc<Record> {
        let record = Arc::new(Record {
            id: id.clone(),
            tx: watch::Sender::new(generation),
            save_lock: Mutex::new(()),
            token_hash,
            removed: AtomicBool::new(false),
        });
        self.records
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::clone(&record));
        record
    }

    fn record(&self, id: &GenerationId) -> Result<Arc<Record>, AppError> {
        self.records
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
            .ok_or(AppError::NotFound)
    }

    /// Stores a new generation with its normalized input and puts it in line.
    /// Returns its id and the delete token only its creator gets to see.
    pub async fn submit(
        &self,
        params: GenerateParams,
        first_model: ExtractParams,
        input_png: Vec<u8>,
    ) -> Result<(GenerationId, String), AppError> {
        let slot = self.queue.reserve().ok_or(AppError::QueueFull)?;
        let id = GenerationId::random()?;
        let generation = lifecycle::queued(&id, self.backend.kind(), params, first_model);
        let expected = self.plan(&generation, false).await.total();
        let (token, token_hash) = delete_token::issue()?;
        self.store
            .create(&id, &generation, &token_hash, input_png)
            .await?;
        let record = self.insert(id.clone(), generation, Some(token_hash));
        slot.push(Task {
            record,
            kind: TaskKind::Generate,
            expected,
        });
        Ok((id, token))
    }

    /// The current state of a generation.
    pub fn get(&self, id: &GenerationId) -> Result<Generation, AppError> {
        Ok(self.record(id)?.tx.borrow().clone())
    }

    /// A receiver that holds the current state and sees every change.
    pub fn subscribe(&self, id: &GenerationId) -> Result<watch::Receiver<Generation>, AppError> {
        Ok(self.record(id)?.tx.subscribe())
    }

    /// Where the normalized input of a known generation is.
    pub fn input_path(&self, id: &GenerationId) -> Result<PathBuf, AppError> {
        self.record(id)?;
        Ok(self.store.input_path(id))
    }

    /// Where the preview video of a generation is, once it has one.
    pub fn video_path(&self, id: &GenerationId) -> Result<PathBuf, AppError> {
        let record = self.record(id)?;
        if record.tx.borrow().video_url.is_some() {
            Ok(self.store.video_path(id))
        } else {
            Err(AppError::NoVideo)
        }
    }

    /// Where a finished model is. Only variants the generation lists as
    /// succeeded are ever turned into a path.
    pub fn model_path(&self, id: &GenerationId, variant: &str) -> Result<PathBuf, AppError> {
        let record = self.record(id)?;
        let ready = record
            .tx
            .borrow()
            .models
            .iter()
            .any(|m| m.variant == variant && m.status == JobStatus::Succeeded);
        if ready {
            Ok(self.store.model_path(id, variant))
        } else {
            Err(AppError::ModelNotFound(variant.to_owned()))
        }
    }

    /// Cancels a generation, or its pending models once it has succeeded.
    /// Waiting work leaves the line at once; running work is discarded when
    /// the engine returns.
    pub async fn cancel(&self, id: &GenerationId) -> Result<Generation, AppError> {
        let record = self.record(id)?;
        self.queue.remove(id);
        let changed = self.change(&record, lifecycle::cancel).await;
        let generation = record.tx.borrow().clone();
        // Cancelling twice is not an error; cancelling a finished job is.
        if changed || generation.status == JobStatus::Cancelled {
            Ok(generation)
        } else {
            Err(AppError::AlreadyFinished)
        }
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
    /// is saved. Returns whether it changed anything.
    async fn change(&self, record: &Record, change: impl FnOnce(&mut Generation) -> bool) -> bool {
        let changed = record.tx.send_if_modified(change);
        if changed {
            self.save(record).await;
        }
        changed
    }

    /// Saves the latest state. A failed save is logged rather than failing
    /// the job: the state in memory is still right, and the next save
    /// (or the job's next file write) will report a broken disk anyway.
    async fn save(&self, record: &Record) {
        let _guard = record.save_lock.lock().await;
        if record.removed.load(Ordering::SeqCst) {
            return;
        }
        let latest = record.tx.borrow().clone();
        if let Err(err) = self.store.save(&record.id, &latest).await {
            tracing::error!(id = %record.id, error = ?err, "could not save a generation record");
        }
    }
}
