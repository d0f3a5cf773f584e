//! What every handler shares.

use std::{sync::Arc, time::Duration};

use axum::{extract::FromRef, http::HeaderValue};
use tokio::sync::{Semaphore, watch};
use trellis_api::Limits;

use crate::{
    access::{Access, Keys, TrustedProxies, cross_site::OriginPolicy},
    backend::Backend,
    config::{Config, StoreSpec},
    error::AppError,
    jobs::{Jobs, Settings, Swept, Timings},
    pool::{self, Pool, ServerSpec},
    quota::{EngineBudget, Quotas},
    repo::{Embedded, Postgres, Repository},
    store::{Files, Store, StoreError},
    web::{ShareLinks, WebApp},
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data dir cannot be created or read.
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: String, source: StoreError },
    /// The shared database cannot be reached or set up.
    #[error("cannot use the database: {0}")]
    Database(StoreError),
    /// The store of the generations' files cannot be used.
    #[error("cannot use the store {store}: {source}")]
    Store {
        store: String,
        source: std::io::Error,
    },
    /// The engine's settings are incomplete or wrong.
    #[error("cannot set up the {backend} engine: {reason}")]
    Backend {
        backend: &'static str,
        reason: String,
    },
}

/// Images decoded at once. Each decode may hold up to 128 MiB of pixels, so
/// this bounds upload memory at about half a GiB however many arrive.
const PARALLEL_DECODES: usize = 4;
/// Uploads read at once. Each holds up to 20 MiB while it is read; more
/// wait their turn with their bytes still in the network buffers, so a
/// flood of uploads cannot take the memory.
const PARALLEL_UPLOADS: usize = 8;

/// How long clients may take (see `config::Hosting`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub header: Duration,
    pub body_idle: Duration,
}

/// The server's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) jobs: Arc<Jobs>,
    pub(crate) quotas: Arc<Quotas>,
    pub(crate) access: Arc<Access>,
    pub(crate) origins: Arc<OriginPolicy>,
    pub(crate) web: Arc<WebApp>,
    pub(crate) cors_origins: Arc<[HeaderValue]>,
    /// The limits as `GET /api/health` shows them.
    pub(crate) limits: Limits,
    pub(crate) max_requests_in_flight: usize,
    pub(crate) timeouts: Timeouts,
    decodes: Arc<Semaphore>,
    uploads: Arc<Semaphore>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Opens the data dir, restores its generations, and starts the workers
    /// of the configured engine.
    pub async fn new(config: &Config) -> Result<Self, StartError> {
        let servers = pool::from_config(config).map_err(|reason| StartError::Backend {
            backend: config.backend.kind().as_str(),
            reason,
        })?;
        Self::with_servers(config, servers).await
    }

    /// Like [`AppState::new`], with any engine (tests use fakes) as the
    /// one server.
    pub async fn with_backend(
        config: &Config,
        backend: Arc<dyn Backend>,
    ) -> Result<Self, StartError> {
        Self::with_servers(config, vec![pool::single(backend, config.concurrency)]).await
    }

    /// Like [`AppState::new`], with these servers.
    pub async fn with_servers(
        config: &Config,
        servers: Vec<ServerSpec>,
    ) -> Result<Self, StartError> {
        if servers.is_empty() {
            return Err(StartError::Backend {
                backend: config.backend.kind().as_str(),
                reason: "no GPU server configured".to_owned(),
            });
        }
        let pool = Arc::new(Pool::new(servers, config.scale.health_interval()));
        let data_dir = |source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        };
        let hosting = &config.hosting;
        let files = open_files(config).await?;
        // A folder other proxies share may hold a creation underway there;
        // a bucket's local copies are this proxy's alone.
        let clean = config.scale.database.is_none() || files.is_mirrored();
        let store = Store::open_with_files(&config.data_dir, files, clean)
            .await
            .map_err(data_dir)?;
        let repo: Arc<dyn Repository> = match &config.scale.database {
            None => Arc::new(Embedded::new(store.tables(), &config.data_dir)),
            Some(url) => Arc::new(
                Postgres::connect(url, config.scale.lease())
                    .await
                    .map_err(StartError::Database)?,
            ),
        };
        let budget = EngineBudget::load(hosting.gpu_budget(), pool.kind(), Arc::clone(&repo))
            .await
            .map_err(data_dir)?;
        let budget = Arc::new(budget);
        let access = Access {
            mode: hosting.access,
            keys: Keys::new(Arc::clone(&repo)),
            trusted: TrustedProxies::new(hosting.trusted_proxies.clone()),
        };
        let cold_start = Duration::from_secs(config.modal.modal_cold_start_secs);
        let settings = Settings {
            max_waiting: hosting.max_queue,
            generate_timeout: config.generate_timeout(),
            extract_timeout: config.extract_timeout(),
            extractions_per_generation: hosting.extractions(),
            retention: hosting.retention(),
            timings: Timings::load(Arc::clone(&repo), pool.kind(), cold_start).await,
            budget: Arc::clone(&budget),
            conversions: config.renditions.conversion_limits(),
            reuse_results: config.scale.reuse_results(),
            lease: config.scale.lease(),
        };
        let jobs = Jobs::start(store.files, Arc::clone(&repo), Arc::clone(&pool), settings)
            .await
            .map_err(data_dir)?;
        let shutdown = Arc::new(watch::Sender::new(false));
        // One server takes every job whatever its health (see
        // `schedule::pick`), so only a pool is watched.
        if pool.servers().len() > 1 {
            tokio::spawn(Arc::clone(&pool).monitor(shutdown.subscribe()));
        }
        let quotas = hosting.quotas();
        let limits = Limits {
            generations_per_hour: quotas.generations_per_hour.map(std::num::NonZeroU32::get),
            waiting_per_client: quotas.waiting_per_client,
            extractions_per_generation: hosting.extractions(),
            retention_days: hosting.retention_days_shown(),
            conversions_per_generation: config.renditions.conversion_limits().per_generation,
        };
        Ok(Self {
            jobs,
            quotas: Arc::new(Quotas::new(quotas, budget, Arc::clone(&repo))),
            access: Arc::new(access),
            origins: Arc::new(OriginPolicy {
                allowed: config.cors_origins.clone(),
                loopback_only: config.bind.ip().is_loopback(),
            }),
            web: Arc::new(WebApp::new(
                &config.dist_dir,
                &hosting.model_origins,
                ShareLinks {
                    app_url: config.renditions.app_url.clone(),
                    public_url: config.renditions.public_url.clone(),
                },
            )),
            cors_origins: config.cors_origins.clone().into(),
            limits,
            max_requests_in_flight: hosting.max_requests_in_flight.max(1),
            timeouts: Timeouts {
                header: hosting.header_timeout(),
                body_idle: hosting.body_idle(),
            },
            decodes: Arc::new(Semaphore::new(PARALLEL_DECODES)),
            uploads: Arc::new(Semaphore::new(PARALLEL_UPLOADS)),
            shutdown,
        })
    }

    /// Ends every event stream, so a graceful shutdown is not held up by
    /// browsers that keep listening.
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Turns true when the server shuts down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Runs CPU-bound image work on the blocking pool, a few at a time.
    pub(crate) async fn decode<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self.decodes.acquire().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(work).await?
    }

    /// Waits for a turn to read an upload; the turn ends when dropped.
    pub(crate) async fn upload_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        Arc::clone(&self.uploads)
            .acquire_owned()
            .await
            .map_err(AppError::internal)
    }

    /// Runs one sweep now: expired generations, then the disk budget. The
    /// server runs one at start and then every few minutes by itself.
    pub async fn sweep_now(&self) -> Result<Swept, AppError> {
        Ok(self.jobs.sweep().await?)
    }

    /// Unsettled generations held in memory; settled ones are on disk only.
    pub fn live_generations(&self) -> usize {
        self.jobs.live_count()
    }

    /// Upkeep the server does by itself: sweeps, and forgetting the hourly
    /// history of quiet clients.
    pub(crate) async fn upkeep(self) {
        let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
        let mut shutdown = self.shutdown_signal();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            if let Err(err) = self.jobs.sweep().await {
                tracing::error!(error = %err, "the sweep failed; it is tried again later");
            }
            self.quotas.forget_quiet_clients().await;
        }
    }
}

/// The generations' files as `--store` says: a folder (the data dir by
/// default), or a bucket with the data dir keeping this proxy's copies.
async fn open_files(config: &Config) -> Result<Files, StartError> {
    let failed = |store: String| move |source| StartError::Store { store, source };
    match &config.scale.store {
        None => {
            Files::open(&config.data_dir).map_err(failed(config.data_dir.display().to_string()))
        }
        Some(StoreSpec::File(dir)) => Files::open(dir).map_err(failed(dir.display().to_string())),
        Some(StoreSpec::S3 { bucket, prefix }) => {
            let name = format!("s3://{bucket}/{prefix}");
            let client = config
                .scale
                .s3
                .connect(bucket)
                .map_err(|err| failed(name.clone())(std::io::Error::other(err)))?;
            Files::open_mirrored(&config.data_dir, Arc::new(client), prefix)
                .await
                .map_err(failed(name))
        }
    }
}

// The parts that the access checks and the web app's pages take from the
// state: they name only these, never `AppState`, so they sit below it.
impl FromRef<AppState> for Arc<Jobs> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.jobs)
    }
}

impl FromRef<AppState> for Arc<Access> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.access)
    }
}

impl FromRef<AppState> for Arc<OriginPolicy> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.origins)
    }
}

impl FromRef<AppState> for Arc<WebApp> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.web)
    }
}

/// How often the sweeper runs: expiry is counted in days, so minutes of
/// delay do not matter, and each sweep reads only what it removes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5 * 60);
