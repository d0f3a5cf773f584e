//! The models of a generation as its jobs move along: queued, extracted,
//! failed. Same conventions as the parent: each change returns whether it
//! changed anything.

use crate::jobs::ModelFile;
use trellis_api::{
    ErrorDetail, ExtractParams, Generation, JobStatus, ModelVariant, OptimizedStatus,
};

/// What is known about a model once its file is stored.
#[derive(Debug, Clone, Copy)]
pub struct StoredModel {
    pub faces: u64,
    pub vertices: u64,
    pub bytes: u64,
}

/// The web-optimized levels of a model once they are stored.
#[derive(Debug, Clone, Copy)]
pub struct OptimizedModel {
    pub bytes: u64,
    pub coarse_bytes: u64,
    pub coarse_faces: u64,
}

/// A model waiting to be extracted with these settings.
pub(super) fn queued_model(params: ExtractParams) -> ModelVariant {
    ModelVariant {
        variant: params.variant_name(),
        status: JobStatus::Queued,
        url: None,
        faces: None,
        vertices: None,
        bytes: None,
        decimation_target: params.decimation_target,
        texture_size: params.texture_size,
        params,
        error: None,
        optimized_status: None,
        optimized_url: None,
        optimized_bytes: None,
        coarse_url: None,
        coarse_bytes: None,
        coarse_faces: None,
    }
}

/// Queues a model of a finished generation, replacing a failed or
/// cancelled attempt with the same settings.
pub fn request_model(generation: &mut Generation, params: ExtractParams) {
    let model = queued_model(params);
    match model_mut(generation, &model.variant) {
        Some(previous) => *previous = model,
        None => generation.models.push(model),
    }
}

fn model_mut<'a>(generation: &'a mut Generation, variant: &str) -> Option<&'a mut ModelVariant> {
    generation.models.iter_mut().find(|m| m.variant == variant)
}

pub(super) fn end_pending_models(
    generation: &mut Generation,
    status: JobStatus,
    error: Option<&ErrorDetail>,
) -> bool {
    let mut changed = false;
    for model in generation
        .models
        .iter_mut()
        .filter(|m| !m.status.is_terminal())
    {
        model.status = status;
        model.error = error.cloned();
        changed = true;
    }
    changed
}

/// A worker takes a model: queued → running.
pub fn start_model(generation: &mut Generation, variant: &str) -> bool {
    match model_mut(generation, variant) {
        Some(model) if model.status == JobStatus::Queued => {
            model.status = JobStatus::Running;
            true
        }
        _ => false,
    }
}

/// A model is stored and can be downloaded; its web-optimized copy is
/// made next, so the generation stays unsettled until that is done.
pub fn model_done(generation: &mut Generation, variant: &str, model: &StoredModel) -> bool {
    let id = generation.id.clone();
    match model_mut(generation, variant) {
        Some(entry) if entry.status == JobStatus::Running => {
            entry.status = JobStatus::Succeeded;
            entry.url = Some(ModelFile::Original.url(&id, variant));
            entry.faces = Some(model.faces);
            entry.vertices = Some(model.vertices);
            entry.bytes = Some(model.bytes);
            entry.optimized_status = Some(OptimizedStatus::Pending);
            true
        }
        _ => false,
    }
}

fn is_optimization_pending(model: &ModelVariant) -> bool {
    model.status == JobStatus::Succeeded && model.optimized_status == Some(OptimizedStatus::Pending)
}

/// Whether a model's web-optimized copy is still to be made.
pub fn optimization_pending(generation: &Generation, variant: &str) -> bool {
    generation
        .models
        .iter()
        .any(|m| m.variant == variant && is_optimization_pending(m))
}

/// The models whose web-optimized copy is still to be made.
pub fn pending_optimizations(generation: &Generation) -> Vec<String> {
    generation
        .models
        .iter()
        .filter(|m| is_optimization_pending(m))
        .map(|m| m.variant.clone())
        .collect()
}

/// A model's web-optimized copy is stored (`Some`), or the optimizer does
/// not handle the model (`None`).
pub fn optimized(
    generation: &mut Generation,
    variant: &str,
    optimized: Option<OptimizedModel>,
) -> bool {
    let id = generation.id.clone();
    match model_mut(generation, variant) {
        Some(entry) if entry.optimized_status == Some(OptimizedStatus::Pending) => {
            match optimized {
                Some(done) => {
                    entry.optimized_status = Some(OptimizedStatus::Ready);
                    entry.optimized_url = Some(ModelFile::Optimized.url(&id, variant));
                    entry.optimized_bytes = Some(done.bytes);
                    entry.coarse_url = Some(ModelFile::Coarse.url(&id, variant));
                    entry.coarse_bytes = Some(done.coarse_bytes);
                    entry.coarse_faces = Some(done.coarse_faces);
                }
                None => entry.optimized_status = Some(OptimizedStatus::Unavailable),
            }
            true
        }
        _ => false,
    }
}

/// A model could not be extracted.
pub fn model_failed(generation: &mut Generation, variant: &str, error: ErrorDetail) -> bool {
    match model_mut(generation, variant) {
        Some(model) if model.status == JobStatus::Running => {
            model.status = JobStatus::Failed;
            model.error = Some(error);
            true
        }
        _ => false,
    }
}

/// Whether a model is still wanted (not cancelled) while it runs.
pub fn model_running(generation: &Generation, variant: &str) -> bool {
    generation
        .models
        .iter()
        .any(|m| m.variant == variant && m.status == JobStatus::Running)
}
