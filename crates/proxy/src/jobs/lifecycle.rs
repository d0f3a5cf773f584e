//! How a `Generation` changes as its jobs move along. Pure functions on the
//! wire type, each returning whether it changed anything, so that a change
//! that no longer applies (the job was cancelled meanwhile) is a no-op.

use std::time::Duration;

use trellis_api::{
    BackendKind, ErrorDetail, ExtractParams, GenerateParams, Generation, JobStatus, Phase,
    PhaseTiming, codes,
};

mod models;

use self::models::end_pending_models;
pub use self::models::{
    OptimizedModel, StoredModel, adopt_others, model_done, model_failed, model_running, model_url,
    optimization_pending, optimized, pending_optimizations, request_model, requeue_model,
    start_model,
};
use super::plan::Estimate;
use crate::{
    clock::{millis, now_ms},
    id::GenerationId,
};

/// Status URL of a generation, relative to the API base.
pub fn status_url(id: &GenerationId) -> String {
    format!("generations/{id}")
}

/// Event stream URL of a generation, relative to the API base.
pub fn events_url(id: &GenerationId) -> String {
    format!("generations/{id}/events")
}

/// Input URL of a generation, relative to the API base.
pub fn input_url(id: &GenerationId) -> String {
    format!("generations/{id}/input.png")
}

/// Preview video URL of a generation, relative to the API base.
pub fn video_url(id: &str) -> String {
    format!("generations/{id}/preview.mp4")
}

/// The poster is stored: link previews can show it.
pub fn poster_done(generation: &mut Generation) -> bool {
    if generation.poster_url.is_some() {
        return false;
    }
    generation.poster_url = Some(format!("generations/{}/poster.png", generation.id));
    true
}

/// A new, queued generation whose first model is queued with it.
pub fn queued(
    id: &GenerationId,
    backend: BackendKind,
    params: GenerateParams,
    first_model: ExtractParams,
) -> Generation {
    Generation {
        id: id.to_string(),
        status: JobStatus::Queued,
        phase: Phase::Queued,
        phase_label: Phase::Queued.label().to_owned(),
        progress: 0.0,
        queue_position: None,
        eta_seconds: None,
        created_at: now_ms(),
        started_at: None,
        finished_at: None,
        timings: Vec::new(),
        backend,
        params,
        error: None,
        input_url: input_url(id),
        video_url: None,
        models: vec![models::queued_model(first_model)],
        poster_url: None,
        reused_from: None,
    }
}

fn enter(generation: &mut Generation, phase: Phase, progress: f32) {
    generation.phase = phase;
    generation.phase_label = phase.label().to_owned();
    generation.progress = progress;
}

fn end(generation: &mut Generation, status: JobStatus, phase: Phase) {
    generation.status = status;
    enter(generation, phase, generation.progress);
    generation.queue_position = None;
    generation.eta_seconds = None;
    generation.finished_at = Some(now_ms());
}

/// Applies an estimate: phase, progress and time left.
fn apply(generation: &mut Generation, estimate: &Estimate) {
    enter(generation, estimate.phase, estimate.progress);
    generation.eta_seconds = Some(estimate.eta_seconds);
}

/// A waiting generation's place in line (1 = next) and expected wait.
pub fn wait(generation: &mut Generation, place: u32, eta_seconds: f32) -> bool {
    let changed = generation.status == JobStatus::Queued
        && (generation.queue_position != Some(place)
            || generation.eta_seconds != Some(eta_seconds));
    if changed {
        generation.queue_position = Some(place);
        generation.eta_seconds = Some(eta_seconds);
    }
    changed
}

/// A running generation's refreshed estimate; moves the phase along the
/// clock within an engine call.
pub fn estimate(generation: &mut Generation, estimate: &Estimate) -> bool {
    let changed = generation.status == JobStatus::Running
        && (generation.phase != estimate.phase
            || generation.progress != estimate.progress
            || generation.eta_seconds != Some(estimate.eta_seconds));
    if changed {
        apply(generation, estimate);
    }
    changed
}

/// A worker takes the generation: queued → its first phase (waking the
/// GPU or generating).
pub fn start(generation: &mut Generation, first: &Estimate) -> bool {
    if generation.status != JobStatus::Queued {
        return false;
    }
    generation.status = JobStatus::Running;
    generation.queue_position = None;
    generation.started_at = Some(now_ms());
    apply(generation, first);
    true
}

/// Its server could not be reached, so it never saw the request: the
/// generation goes back in line, to run on another server.
pub fn requeue(generation: &mut Generation) -> bool {
    if generation.status != JobStatus::Running {
        return false;
    }
    generation.status = JobStatus::Queued;
    generation.started_at = None;
    enter(generation, Phase::Queued, 0.0);
    generation.eta_seconds = None;
    true
}

/// The state (and preview video, if any) is stored: on to extracting the
/// first model. `took` is the whole generate call, cold start and video
/// included.
pub fn generated(
    generation: &mut Generation,
    variant: &str,
    took: Duration,
    video: bool,
    next: &Estimate,
) -> bool {
    if generation.status != JobStatus::Running {
        return false;
    }
    generation.timings.push(PhaseTiming {
        phase: Phase::Generating,
        ms: millis(took),
    });
    if video {
        generation.video_url = Some(video_url(&generation.id));
    }
    apply(generation, next);
    start_model(generation, variant);
    true
}

/// The engine made the first model while generating: the generation has
/// succeeded.
pub fn generated_model(
    generation: &mut Generation,
    variant: &str,
    model: &StoredModel,
    took: Duration,
) -> bool {
    if generation.status != JobStatus::Running {
        return false;
    }
    start_model(generation, variant);
    if !model_done(generation, variant, model) {
        return false;
    }
    generation.timings.push(PhaseTiming {
        phase: Phase::Generating,
        ms: millis(took),
    });
    generation.progress = 1.0;
    end(generation, JobStatus::Succeeded, Phase::Done);
    true
}

/// The first model is stored: the generation has succeeded.
pub fn first_model_done(
    generation: &mut Generation,
    variant: &str,
    model: &StoredModel,
    took: Duration,
) -> bool {
    if generation.status != JobStatus::Running || !model_done(generation, variant, model) {
        return false;
    }
    generation.timings.push(PhaseTiming {
        phase: Phase::ExtractingGlb,
        ms: millis(took),
    });
    generation.progress = 1.0;
    end(generation, JobStatus::Succeeded, Phase::Done);
    true
}

/// The generation failed; its pending models fail with it.
pub fn fail(generation: &mut Generation, error: ErrorDetail) -> bool {
    if generation.status != JobStatus::Running {
        return false;
    }
    end_pending_models(generation, JobStatus::Failed, Some(&error));
    generation.error = Some(error);
    end(generation, JobStatus::Failed, Phase::Failed);
    true
}

/// Whether the generation is still wanted (not cancelled) while it runs.
pub fn is_running(generation: &Generation) -> bool {
    generation.status == JobStatus::Running
}

/// Cancels whatever is pending: the generation itself, or, once it has
/// succeeded, the models still being extracted.
pub fn cancel(generation: &mut Generation) -> bool {
    let models_changed = end_pending_models(generation, JobStatus::Cancelled, None);
    if generation.status.is_terminal() {
        return models_changed;
    }
    end(generation, JobStatus::Cancelled, Phase::Cancelled);
    true
}

/// Whether `stored` records a cancellation of work that `ours` still has
/// pending: the generation, or one of its models.
pub fn cancelled_elsewhere(ours: &Generation, stored: &Generation) -> bool {
    if !ours.status.is_terminal() {
        return stored.status == JobStatus::Cancelled;
    }
    stored.models.iter().any(|theirs| {
        theirs.status == JobStatus::Cancelled
            && ours
                .models
                .iter()
                .any(|m| m.variant == theirs.variant && !m.status.is_terminal())
    })
}

/// After a restart: whatever was running can never finish, so it fails with
/// `interrupted`. Queued work is left to be re-queued.
pub fn interrupt(generation: &mut Generation) -> bool {
    stop_running(
        generation,
        "The server restarted while this job was running; generate again.",
        "The server restarted while this model was being extracted; extract it again.",
    )
}

/// Another proxy took over a job whose proxy stopped after the GPU server
/// had accepted it: the server may have done the work, but its answer is
/// lost, and sending it again could run it twice.
pub fn abandoned(generation: &mut Generation) -> bool {
    stop_running(
        generation,
        "The server running this job stopped after the GPU server had accepted it, so its result is lost; generate again.",
        "The server extracting this model stopped after the GPU server had accepted it, so the model is lost; extract it again.",
    )
}

/// Fails the running job, or else its running models, with `interrupted`.
fn stop_running(generation: &mut Generation, job: &str, model: &str) -> bool {
    if generation.status == JobStatus::Running {
        let error = ErrorDetail::new(codes::INTERRUPTED, job);
        generation.error = Some(error.clone());
        end_pending_models(generation, JobStatus::Failed, Some(&error));
        end(generation, JobStatus::Failed, Phase::Failed);
        return true;
    }
    let error = ErrorDetail::new(codes::INTERRUPTED, model);
    let mut changed = false;
    for model in generation
        .models
        .iter_mut()
        .filter(|m| m.status == JobStatus::Running)
    {
        model.status = JobStatus::Failed;
        model.error = Some(error.clone());
        changed = true;
    }
    changed
}

/// Whether an event stream can end: nothing about this generation will
/// change any more unless someone asks for another model.
pub fn is_settled(generation: &Generation) -> bool {
    generation.is_settled()
}
