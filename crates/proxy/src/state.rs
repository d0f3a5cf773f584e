//! What every handler shares.

use std::{io, path::Path, sync::Arc, time::Duration};

use axum::http::HeaderValue;
use tokio::sync::{Semaphore, watch};

use crate::{
    backend::{self, Backend},
    config::Config,
    error::AppError,
    jobs::{Jobs, Settings, Timings},
    store::Store,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data dir cannot be created or read.
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: String, source: io::Error },
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

/// The server's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) jobs: Arc<Jobs>,
    pub(crate) dist_dir: Arc<Path>,
    pub(crate) cors_origins: Arc<[HeaderValue]>,
    decodes: Arc<Semaphore>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Opens the data dir, restores its generations, and starts the workers
    /// of the configured engine.
    pub async fn new(config: &Config) -> Result<Self, StartError> {
        let backend = backend::from_config(config).map_err(|reason| StartError::Backend {
            backend: config.backend.kind().as_str(),
            reason,
        })?;
        Self::with_backend(config, backend).await
    }

    /// Like [`AppState::new`], with any engine (tests use fakes).
    pub async fn with_backend(
        config: &Config,
        backend: Arc<dyn Backend>,
    ) -> Result<Self, StartError> {
        let data_dir = |source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        };
        let store = Store::open(&config.data_dir).map_err(data_dir)?;
        let cold_start = Duration::from_secs(config.modal.modal_cold_start_secs);
        let settings = Settings {
            concurrency: config.concurrency,
            generate_timeout: config.generate_timeout(),
            extract_timeout: config.extract_timeout(),
            timings: Timings::load(&config.data_dir, backend.kind(), cold_start),
        };
        let jobs = Jobs::start(store, backend, settings)
            .await
            .map_err(data_dir)?;
        Ok(Self {
            jobs,
            dist_dir: Arc::from(config.dist_dir.as_path()),
            cors_origins: config.cors_origins.clone().into(),
            decodes: Arc::new(Semaphore::new(PARALLEL_DECODES)),
            shutdown: Arc::new(watch::Sender::new(false)),
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
}
