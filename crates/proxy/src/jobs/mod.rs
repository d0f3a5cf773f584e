//! Generations at work: the live state of each one being worked on here (a
//! `watch` channel carrying the `Generation` on every change), the workers
//! that claim tasks from the repository's line, and the sweeper that
//! removes what has expired. Every change is saved to the records, so the
//! repository always has the latest state; generations waiting in line or
//! settled live only there, and are read (and followed) when asked for.
//!
//! There is one line and one way through it, whichever the repository:
//! the embedded one keeps the line in this process, PostgreSQL shares it
//! between proxies (see [`crate::repo`] and [`line`]).

mod conversions;
mod drive;
mod error;
mod estimate;
mod extract;
mod follow;
mod lifecycle;
mod line;
mod live;
mod owner;
mod paths;
mod places;
mod plan;
mod renditions;
mod reserve;
mod reuse;
mod sweep;
mod timing;
mod worker;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex as StdMutex,
        atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::{Mutex, Semaphore, watch};
use trellis_api::{ExtractParams, GenerateParams, Generation, JobStatus};

pub use error::GenerationError;
pub use extract::ExtractOutcome;
#[cfg(test)]
pub(crate) use lifecycle::queued as queued_generation;
pub use lifecycle::{events_url, is_settled, status_url};
pub use paths::ModelFile;
pub use sweep::Swept;
pub use timing::Timings;

use self::live::Found;
use crate::{
    config::{ConversionLimits, Retention},
    id::GenerationId,
    pool::Pool,
    quota::{EngineBudget, Ticket},
    repo::{Effect, NewTask, Repository, TaskKind},
    store::{Files, Lookup, StoreError, StoredGeneration},
    tokens::{TokenHash, issue_owner_token},
};

/// How the jobs are run.
pub struct Settings {
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
    /// Whether identical submissions get the earlier result back
    /// (off with `--no-cache`).
    pub reuse_results: bool,
    /// How long a claim on a task in a shared line lasts unless renewed.
    pub lease: Duration,
}

/// What a submission asks for.
pub struct Submission {
    pub params: GenerateParams,
    /// The model extracted as soon as the generation is done.
    pub first_model: ExtractParams,
    /// Whether an identical earlier result may be given back.
    pub reuse: bool,
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
    /// The deployment holding its state once generated: extractions run
    /// there.
    deployment: StdMutex<Option<String>>,
}

impl Record {
    /// The deployment holding its state, if it was generated.
    fn deployment(&self) -> Option<String> {
        self.deployment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn new(id: GenerationId, stored: StoredGeneration) -> Self {
        Self {
            id,
            tx: watch::Sender::new(stored.generation),
            save_lock: Mutex::new(()),
            owner: stored.owner,
            extractions: AtomicU32::new(stored.extractions),
            removed: AtomicBool::new(false),
            deployment: StdMutex::new(stored.deployment),
        }
    }
}

/// The generations, their line, and the GPU servers the workers drive.
pub struct Jobs {
    files: Files,
    /// The records: SQLite in the data dir, or PostgreSQL shared by every
    /// proxy (see [`crate::repo`]).
    repo: Arc<dyn Repository>,
    pool: Arc<Pool>,
    /// Generations that can still change, by id; see [`live`].
    live: StdMutex<HashMap<GenerationId, Arc<Record>>>,
    /// Held while a generation joins or leaves the live set, or while a
    /// request decides whether to un-settle it; see [`live`].
    membership: Mutex<()>,
    /// Places in line promised to requests still storing their files; see
    /// [`reserve`].
    reserved: AtomicUsize,
    /// The line as last read, for the places shown.
    line: Arc<places::LineView>,
    timings: Timings,
    budget: Arc<EngineBudget>,
    generate_timeout: Duration,
    extract_timeout: Duration,
    extractions_per_generation: Option<u32>,
    retention: Retention,
    /// Turns to web-optimize a model (see [`renditions`]).
    optimizations: Arc<Semaphore>,
    conversions: conversions::Conversions,
    reuse_results: bool,
    lease: Duration,
    max_waiting: usize,
}

impl Jobs {
    /// Takes over the store: puts back in line what was waiting, marks what
    /// was running as interrupted (when no other proxy shares the records),
    /// and starts the workers.
    pub async fn start(
        files: Files,
        repo: Arc<dyn Repository>,
        pool: Arc<Pool>,
        settings: Settings,
    ) -> Result<Arc<Self>, StoreError> {
        // One worker per place on every server; the scheduler decides which
        // server each task goes to.
        let workers: usize = pool.servers().iter().map(|server| server.concurrency).sum();
        let jobs = Arc::new(Self {
            files,
            line: places::LineView::start(Arc::clone(&repo)),
            repo,
            pool,
            live: StdMutex::default(),
            membership: Mutex::new(()),
            reserved: AtomicUsize::new(0),
            timings: settings.timings,
            budget: settings.budget,
            generate_timeout: settings.generate_timeout,
            extract_timeout: settings.extract_timeout,
            extractions_per_generation: settings.extractions_per_generation,
            retention: settings.retention,
            optimizations: Arc::new(Semaphore::new(renditions::PARALLEL_OPTIMIZATIONS)),
            conversions: conversions::Conversions::new(settings.conversions),
            reuse_results: settings.reuse_results,
            lease: settings.lease,
            max_waiting: settings.max_waiting,
        });
        let unfinished = jobs.restore().await?;
        for _ in 0..workers {
            tokio::spawn(Arc::clone(&jobs).claim_forever());
        }
        tokio::spawn(Arc::clone(&jobs).take_over_forever());
        for (record, variant) in unfinished {
            jobs.spawn_renditions(record, variant);
        }
        Ok(jobs)
    }

    /// Takes back the unsettled generations of a previous run of this
    /// process: what was running is interrupted, what was waiting goes back
    /// in line in its old order. Returns the models whose web-optimized
    /// copy a crash interrupted, to be made again. With records shared by
    /// other proxies there is nothing to take back: the line is saved with
    /// them, and the leases of a proxy that stopped are taken over.
    async fn restore(&self) -> Result<Vec<(Arc<Record>, String)>, StoreError> {
        let mut unfinished = Vec::new();
        if !self.repo.is_exclusive() {
            return Ok(unfinished);
        }
        for (id, mut stored) in self.repo.unsettled().await? {
            self.files.remove_temp_files(&id).await?;
            let interrupted = lifecycle::interrupt(&mut stored.generation);
            let tasks = self.waiting_tasks(&id, &stored).await;
            let record = Arc::new(Record::new(id.clone(), stored));
            if interrupted {
                self.save(&record).await;
            }
            if lifecycle::is_settled(&record.tx.borrow()) {
                continue;
            }
            let pending = lifecycle::pending_optimizations(&record.tx.borrow());
            unfinished.extend(pending.into_iter().map(|v| (Arc::clone(&record), v)));
            for task in tasks {
                self.repo
                    .update(&id, Box::new(move |_| Effect::Queue(task)))
                    .await?;
            }
        }
        Ok(unfinished)
    }

    /// The tasks a stored generation waits for.
    async fn waiting_tasks(&self, id: &GenerationId, stored: &StoredGeneration) -> Vec<NewTask> {
        let generation = &stored.generation;
        let mut tasks = Vec::new();
        match generation.status {
            JobStatus::Queued => tasks.push(NewTask {
                id: id.clone(),
                kind: TaskKind::Generate,
                expected: self.plan(generation, false).await.total(),
                needs: None,
            }),
            JobStatus::Succeeded => {
                let queued = generation
                    .models
                    .iter()
                    .filter(|m| m.status == JobStatus::Queued);
                for model in queued {
                    tasks.push(NewTask {
                        id: id.clone(),
                        kind: TaskKind::Extract {
                            variant: model.variant.clone(),
                        },
                        expected: self.extract_expected(model.params).await,
                        needs: stored.deployment.clone(),
                    });
                }
            }
            JobStatus::Running | JobStatus::Failed | JobStatus::Cancelled => {}
        }
        tasks
    }

    /// Stores a new generation with its normalized input and puts it in
    /// line, holding `ticket` (the client's place) until it is done. When
    /// `reuse` allows it, an identical earlier result is given back
    /// instead, already done. Returns its id and the owner token only its
    /// creator gets to see.
    pub async fn submit(
        &self,
        request: Submission,
        input_png: Vec<u8>,
        ticket: Ticket,
    ) -> Result<(GenerationId, String), GenerationError> {
        let Submission {
            params,
            first_model,
            reuse,
        } = request;
        let id = GenerationId::random()?;
        let (token, owner) = issue_owner_token()?;
        let key = reuse::cache_key(&input_png, &params, &first_model, self.pool.kind());
        if reuse && self.reuse_results && self.reuse(&id, &key, owner.clone()).await?.is_some() {
            return Ok((id, token));
        }
        let reservation = self.reserve().await?;
        let generation = lifecycle::queued(&id, self.pool.kind(), params, first_model);
        let expected = self.plan(&generation, false).await.total();
        let stored = StoredGeneration {
            cache_key: Some(key),
            ..StoredGeneration::new(generation, Some(owner))
        };
        let bytes = self.files.create(&id, input_png).await?;
        // Whichever worker has a free server runs it, in this proxy or
        // (with a shared line) another.
        let task = NewTask {
            id: id.clone(),
            kind: TaskKind::Generate,
            expected,
            needs: None,
        };
        if let Err(err) = self.repo.insert(&id, &stored, bytes, Some(task)).await {
            // Best effort: a folder without a record is removed at the
            // next start anyway.
            let _ = self.files.remove(&id).await;
            return Err(err.into());
        }
        drop(reservation);
        self.hold_until_settled(id.clone(), stored.generation, ticket);
        Ok((id, token))
    }

    /// The current state of a generation.
    pub async fn get(&self, id: &GenerationId) -> Result<Generation, GenerationError> {
        Ok(match self.find(id).await? {
            Found::Live(record) => record.tx.borrow().clone(),
            // Maybe waiting in line, where places are not saved.
            Found::Settled(stored) => {
                let mut generation = stored.generation;
                places::place(&self.line, self.pool.slots(), &mut generation).await;
                generation
            }
        })
    }

    /// A receiver that holds the current state and sees every change. For
    /// a settled generation nothing changes: its sender is already gone.
    /// One waiting in line, or running on another proxy, is followed
    /// through the records.
    pub async fn subscribe(
        &self,
        id: &GenerationId,
    ) -> Result<watch::Receiver<Generation>, GenerationError> {
        Ok(match self.find(id).await? {
            Found::Live(record) => record.tx.subscribe(),
            Found::Settled(stored) if stored.generation.is_settled() => {
                watch::channel(stored.generation).1
            }
            Found::Settled(stored) => {
                let mut generation = stored.generation;
                places::place(&self.line, self.pool.slots(), &mut generation).await;
                self.follow(id.clone(), generation, true)
            }
        })
    }

    /// Jobs waiting or running, over every proxy sharing the line.
    pub async fn queue_length(&self) -> usize {
        match self.repo.line().await {
            Ok(line) => line.waiting.len() + line.running.len(),
            Err(err) => {
                tracing::warn!(error = %err, "could not read the shared line");
                0
            }
        }
    }

    /// An engine of the pool; all its servers run the same kind.
    pub fn backend(&self) -> &dyn crate::backend::Backend {
        self.pool.first().backend.as_ref()
    }

    /// The GPU servers.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Tasks running on each server, in the pool's order, over every proxy
    /// sharing the line.
    pub async fn server_loads(&self) -> Vec<usize> {
        let line = self.repo.line().await.unwrap_or_default();
        let running = line.running_per_server();
        self.pool
            .servers()
            .iter()
            .map(|server| {
                running
                    .get(server.name.as_str())
                    .copied()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Whether every server has been idle long enough to have fallen asleep.
    pub fn engine_is_cold(&self) -> bool {
        self.pool.is_cold()
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
        let deployment = record.deployment();
        let change = Box::new(move |stored: &mut StoredGeneration| {
            // Cancelled through another proxy: that stands.
            if stored.generation.status == JobStatus::Cancelled
                && latest.status != JobStatus::Cancelled
            {
                return Effect::Unchanged;
            }
            let mut ours = latest;
            lifecycle::adopt_others(&mut ours, &stored.generation);
            stored.generation = ours;
            stored.extractions = extractions;
            if deployment.is_some() {
                stored.deployment = deployment;
            }
            Effect::Changed
        });
        let saved = match self.repo.update(&record.id, change).await {
            Ok(updated) => {
                match updated {
                    // This proxy's followers see the others' models too.
                    Some(updated) => {
                        record
                            .tx
                            .send_if_modified(|g| lifecycle::adopt_others(g, &updated.generation));
                    }
                    None => self.take_back_if_removed(&record.id).await,
                }
                match bytes {
                    Some(bytes) => self.repo.set_bytes(&record.id, bytes).await,
                    None => Ok(()),
                }
            }
            Err(err) => Err(err),
        };
        if let Err(err) = saved {
            tracing::error!(id = %record.id, error = %err, "could not save a generation record");
        }
    }

    /// A generation that another proxy removed while this one worked on
    /// it: the files this one wrote meanwhile (a poster, a web-optimized
    /// level) leave the shared bucket too.
    async fn take_back_if_removed(&self, id: &GenerationId) {
        if !self.files.is_mirrored() {
            return;
        }
        if let Ok(Lookup::Removed(_)) = self.repo.lookup(id).await
            && let Err(err) = self.files.remove(id).await
        {
            tracing::warn!(%id, error = %err, "could not take back the late files of a removed generation");
        }
    }
}
