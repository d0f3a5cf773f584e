//! Running a claimed task (see [`super::line`]): drives the engine through
//! a generation or an extraction and records what comes of it.
//!
//! Engine results land in temporary files that are renamed into place only
//! after the step succeeded and the job is still wanted; on any other path
//! they are removed, so a half-written state or model is never served.

use std::{
    io,
    sync::Arc,
    time::{Duration, Instant},
};

use trellis_api::{ErrorDetail, ExtractParams};

use super::{
    GenerationError, Jobs, Record,
    drive::{Covering, Limit},
    lifecycle::{self, StoredModel},
    plan::Plan,
};
use crate::{
    backend::{BackendError, GenerateOutputs, GenerateRequest, Generated, ModelCounts},
    pool::Server,
    store::TempFile,
};

/// What the user sees when the server itself failed a job: the details
/// are in its log, not for the user.
const SERVER_TROUBLE: &str = "The server could not read or write this job's files; check its data directory (free space, permissions), then try again.";

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
enum JobError {
    /// The engine refused or failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The server could not read or write the job's files.
    #[error(transparent)]
    Server(#[from] GenerationError),
}

impl From<io::Error> for JobError {
    fn from(err: io::Error) -> Self {
        Self::Backend(BackendError::Storage(err))
    }
}

impl JobError {
    /// What the user sees on the failed job; server details stay in the log.
    fn detail(&self) -> ErrorDetail {
        match self {
            Self::Backend(err) => err.detail(),
            Self::Server(_) => ErrorDetail::new("server_error", SERVER_TROUBLE),
        }
    }
}

/// How a generation's run ended.
pub(super) enum Ran {
    /// Done, failed or cancelled: nothing more to do.
    Settled,
    /// Its server could not be reached: back in line for another.
    Requeued,
}

/// The first model's name and settings.
pub(super) fn first_model(record: &Record) -> Option<(String, ExtractParams)> {
    let generation = record.tx.borrow();
    generation
        .models
        .first()
        .map(|m| (m.variant.clone(), m.params))
}

fn stored(counts: ModelCounts, bytes: u64) -> StoredModel {
    StoredModel {
        faces: counts.faces,
        vertices: counts.vertices,
        bytes,
    }
}

impl Jobs {
    pub(super) async fn run_generation(&self, server: &Server, record: &Arc<Record>) -> Ran {
        let cold = server.warmth.is_cold();
        let generation = record.tx.borrow().clone();
        let plan = self.plan(&generation, cold).await;
        let first = plan.estimate(plan.generate_phases(), Duration::ZERO);
        // Skips a job cancelled between leaving the line and starting.
        if !self.change(record, |g| lifecycle::start(g, &first)).await {
            return Ran::Settled;
        }
        let Err(err) = self.generate_and_extract(server, record, &plan, cold).await else {
            return Ran::Settled;
        };
        if let JobError::Backend(err) = &err {
            self.pool.job_failed(server, err);
            if err.never_accepted()
                && self.pool.another_is_up(server)
                && self.change(record, lifecycle::requeue).await
            {
                tracing::warn!(id = %record.id, server = %server.name, error = %err, "GPU server unreachable; the generation goes back in line for another");
                return Ran::Requeued;
            }
        }
        tracing::warn!(id = %record.id, server = %server.name, error = %err, "generation failed");
        let detail = err.detail();
        self.change(record, |g| lifecycle::fail(g, detail)).await;
        Ran::Settled
    }

    async fn generate_and_extract(
        &self,
        server: &Server,
        record: &Arc<Record>,
        plan: &Plan,
        cold: bool,
    ) -> Result<(), JobError> {
        let Some((variant, extract_params)) = first_model(record) else {
            return Err(GenerationError::internal("a generation without a first model").into());
        };
        let params = record.tx.borrow().params.clone();
        let id = &record.id;
        let image_png = self.files.read_input(id).await?;
        let (state_file, video_file, model_file) = (
            self.files.temp_file(id, "state")?,
            self.files.temp_file(id, "video")?,
            self.files.temp_model(id, &variant)?,
        );
        let outputs = GenerateOutputs {
            state: state_file.path().to_owned(),
            video: video_file.path().to_owned(),
            model: model_file.path().to_owned(),
        };
        let clock = Instant::now();
        let request = GenerateRequest {
            image_png,
            params: params.clone(),
        };
        let limit = Limit {
            step: "generating",
            after: self.generate_timeout,
        };
        let covering = Covering {
            plan,
            phases: plan.generate_phases(),
        };
        let call = server.backend.generate(request, &outputs);
        let Some(generated) = self
            .drive(
                server,
                record,
                lifecycle::is_running,
                limit,
                Some(covering),
                call,
            )
            .await?
        else {
            return Ok(());
        };
        let took = clock.elapsed();
        self.learn_generate(&params, cold, took).await;
        if !lifecycle::is_running(&record.tx.borrow()) {
            return Ok(());
        }

        let video = match generated {
            Generated::Model(counts) => {
                let bytes = self
                    .files
                    .commit(&model_file, &self.files.model_path(id, &variant))
                    .await?;
                let done = stored(counts, bytes);
                if self
                    .change(record, |g| {
                        lifecycle::generated_model(g, &variant, &done, took)
                    })
                    .await
                {
                    tracing::info!(%id, variant, faces = counts.faces, "generation succeeded");
                }
                return Ok(());
            }
            Generated::State { video } => video,
        };
        // Its state lives on this deployment now: more models come from here.
        *record
            .deployment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(server.deployment.clone());
        self.files
            .commit(&state_file, &self.files.state_path(id))
            .await?;
        if video {
            self.files
                .commit(&video_file, &self.files.video_path(id))
                .await?;
        }
        let Some(extract_phases) = plan.extract_phases() else {
            return Err(BackendError::ExtractUnsupported.into());
        };
        let next = plan.estimate(extract_phases.clone(), Duration::ZERO);
        if !self
            .change(record, |g| {
                lifecycle::generated(g, &variant, took, video, &next)
            })
            .await
        {
            return Ok(());
        }

        let clock = Instant::now();
        let covering = Covering {
            plan,
            phases: extract_phases,
        };
        let Some(glb) = self
            .extract(
                server,
                record,
                &variant,
                extract_params,
                model_file,
                Some(covering),
            )
            .await?
        else {
            return Ok(());
        };
        let took = clock.elapsed();
        let done = self.change(record, |g| {
            lifecycle::first_model_done(g, &variant, &glb, took)
        });
        if done.await {
            tracing::info!(%id, variant, faces = glb.faces, "generation succeeded");
        }
        Ok(())
    }

    pub(super) async fn run_extraction(
        &self,
        server: &Server,
        record: &Arc<Record>,
        variant: &str,
    ) {
        if !self
            .change(record, |g| lifecycle::start_model(g, variant))
            .await
        {
            return;
        }
        let result = self.extract_again(server, record, variant).await;
        match result {
            Ok(Some(glb)) => {
                self.change(record, |g| lifecycle::model_done(g, variant, &glb))
                    .await;
            }
            // Cancelled while running: nothing to publish.
            Ok(None) => {}
            Err(err) => {
                if let JobError::Backend(err) = &err {
                    self.pool.job_failed(server, err);
                }
                tracing::warn!(id = %record.id, server = %server.name, variant, error = %err, "extraction failed");
                let detail = err.detail();
                self.change(record, |g| lifecycle::model_failed(g, variant, detail))
                    .await;
            }
        }
    }

    async fn extract_again(
        &self,
        server: &Server,
        record: &Arc<Record>,
        variant: &str,
    ) -> Result<Option<StoredModel>, JobError> {
        let params = record
            .tx
            .borrow()
            .models
            .iter()
            .find(|m| m.variant == variant)
            .map(|m| m.params)
            .ok_or_else(|| GenerationError::internal("a queued model vanished"))?;
        let model = self.files.temp_model(&record.id, variant)?;
        self.extract(server, record, variant, params, model, None)
            .await
    }

    /// Extracts and stores a model; `None` if it was cancelled meanwhile.
    async fn extract(
        &self,
        server: &Server,
        record: &Arc<Record>,
        variant: &str,
        params: ExtractParams,
        model: TempFile,
        covering: Option<Covering<'_>>,
    ) -> Result<Option<StoredModel>, JobError> {
        let state = self.files.state_path(&record.id);
        self.files.fetch(&state).await?;
        let clock = Instant::now();
        let limit = Limit {
            step: "extracting the GLB model",
            after: self.extract_timeout,
        };
        let running = |g: &trellis_api::Generation| lifecycle::model_running(g, variant);
        let call = server.backend.extract_glb(&state, params, model.path());
        let Some(counts) = self
            .drive(server, record, running, limit, covering, call)
            .await?
        else {
            return Ok(None);
        };
        self.learn_extract(params, clock.elapsed()).await;
        if !lifecycle::model_running(&record.tx.borrow(), variant) {
            return Ok(None);
        }
        let bytes = self
            .files
            .commit(&model, &self.files.model_path(&record.id, variant))
            .await?;
        Ok(Some(stored(counts, bytes)))
    }
}
