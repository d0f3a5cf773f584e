//! A worker: takes tasks from the queue one at a time and drives the engine.
//!
//! Cancellation is checked after every slow step: a cancelled job's engine
//! result is dropped, never stored or published.

use std::{sync::Arc, time::Instant};

use trellis_api::{ErrorDetail, ExtractParams};

use super::{
    Jobs, Record,
    lifecycle::{self, StoredModel},
    queue::TaskKind,
};
use crate::{
    backend::{BackendError, GenerateRequest},
    error::AppError,
};

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
enum JobError {
    /// The engine refused or failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The server could not read or write the job's files.
    #[error(transparent)]
    Server(#[from] AppError),
}

impl JobError {
    /// What the user sees on the failed job; server details stay in the log.
    fn detail(&self) -> ErrorDetail {
        match self {
            Self::Backend(err) => err.detail(),
            Self::Server(_) => ErrorDetail::new(
                "server_error",
                "The server could not read or write this job's files; check its data directory \
                 (free space, permissions), then try again.",
            ),
        }
    }
}

/// Runs tasks forever.
pub(super) async fn run(jobs: Arc<Jobs>) {
    loop {
        let (task, _active) = jobs.queue.pop().await;
        match task.kind {
            TaskKind::Generate => jobs.run_generation(&task.record).await,
            TaskKind::Extract { variant } => jobs.run_extraction(&task.record, &variant).await,
        }
    }
}

/// The first model's name and settings.
fn first_model(record: &Record) -> Option<(String, ExtractParams)> {
    let generation = record.tx.borrow();
    generation
        .models
        .first()
        .map(|m| (m.variant.clone(), m.params))
}

impl Jobs {
    async fn run_generation(&self, record: &Record) {
        // Skips a job cancelled between leaving the line and starting.
        if !self.change(record, lifecycle::start).await {
            return;
        }
        if let Err(err) = self.generate_and_extract(record).await {
            tracing::warn!(id = %record.id, error = ?err, "generation failed");
            let detail = err.detail();
            self.change(record, |g| lifecycle::fail(g, detail)).await;
        }
    }

    async fn generate_and_extract(&self, record: &Record) -> Result<(), JobError> {
        let Some((variant, extract_params)) = first_model(record) else {
            return Err(AppError::internal("a generation without a first model").into());
        };
        let params = record.tx.borrow().params.clone();
        let clock = Instant::now();
        let image_png = self.store.read_input(&record.id).await?;
        let generated = self
            .backend
            .generate(GenerateRequest { image_png, params })
            .await?;
        if !lifecycle::is_running(&record.tx.borrow()) {
            return Ok(());
        }
        let state = self.store.write_state(&record.id, generated.state).await?;
        let took = clock.elapsed();
        if !self
            .change(record, |g| lifecycle::generated(g, &variant, took))
            .await
        {
            return Ok(());
        }

        let clock = Instant::now();
        let Some(glb) = self
            .extract(record, &variant, state, extract_params)
            .await?
        else {
            return Ok(());
        };
        let took = clock.elapsed();
        let done = self.change(record, |g| {
            lifecycle::first_model_done(g, &variant, &glb, took)
        });
        if done.await {
            tracing::info!(id = %record.id, variant, faces = glb.faces, "generation succeeded");
        }
        Ok(())
    }

    async fn run_extraction(&self, record: &Record, variant: &str) {
        if !self
            .change(record, |g| lifecycle::start_model(g, variant))
            .await
        {
            return;
        }
        let result = self.extract_again(record, variant).await;
        match result {
            Ok(Some(glb)) => {
                self.change(record, |g| lifecycle::model_done(g, variant, &glb))
                    .await;
            }
            // Cancelled while running: nothing to publish.
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(id = %record.id, variant, error = ?err, "extraction failed");
                let detail = err.detail();
                self.change(record, |g| lifecycle::model_failed(g, variant, detail))
                    .await;
            }
        }
    }

    async fn extract_again(
        &self,
        record: &Record,
        variant: &str,
    ) -> Result<Option<StoredModel>, JobError> {
        let params = record
            .tx
            .borrow()
            .models
            .iter()
            .find(|m| m.variant == variant)
            .map(|m| m.params)
            .ok_or_else(|| AppError::internal("a queued model vanished"))?;
        let state = self.store.read_state(&record.id).await?;
        self.extract(record, variant, state, params).await
    }

    /// Extracts and stores a model; `None` if it was cancelled meanwhile.
    async fn extract(
        &self,
        record: &Record,
        variant: &str,
        state: Vec<u8>,
        params: ExtractParams,
    ) -> Result<Option<StoredModel>, JobError> {
        let glb = self.backend.extract_glb(state, params).await?;
        if !lifecycle::model_running(&record.tx.borrow(), variant) {
            return Ok(None);
        }
        let stored = StoredModel {
            faces: glb.faces,
            vertices: glb.vertices,
            bytes: u64::try_from(glb.bytes.len()).unwrap_or(u64::MAX),
        };
        self.store
            .write_model(&record.id, variant, glb.bytes)
            .await?;
        Ok(Some(stored))
    }
}
