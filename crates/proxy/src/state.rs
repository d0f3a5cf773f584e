//! What every handler shares.

use std::{io, path::Path, sync::Arc};

use axum::http::HeaderValue;
use tokio::sync::{Semaphore, watch};

use crate::{
    backend::{Backend, Builtin},
    config::{BackendChoice, Config},
    error::AppError,
    jobs::Jobs,
    store::Store,
};

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
    pub async fn new(config: &Config) -> io::Result<Self> {
        let backend: Arc<dyn Backend> = match config.backend {
            BackendChoice::Builtin => Arc::new(Builtin),
        };
        Self::with_backend(config, backend).await
    }

    /// Like [`AppState::new`], with any engine (tests use fakes).
    pub async fn with_backend(config: &Config, backend: Arc<dyn Backend>) -> io::Result<Self> {
        let store = Store::open(&config.data_dir)?;
        let jobs = Jobs::start(store, backend, config.concurrency).await?;
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
