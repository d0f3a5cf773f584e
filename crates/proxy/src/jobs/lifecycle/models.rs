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

/// Download URL of a model, relative to the API base.
pub fn model_url(id: &str, variant: &str) -> String {
    format!("generations/{id}/models/{variant}.glb")
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
        revision: 0,
    }
}

/// Queues a model of a finished generation, replacing a failed or
/// cancelled attempt with the same settings.
pub fn request_model(generation: &mut Generation, params: ExtractParams) {
    let mut model = queued_model(params);
    match model_mut(generation, &model.variant) {
        Some(previous) => {
            model.revision = previous.revision + 1;
            *previous = model;
        }
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
        model.revision += 1;
        changed = true;
    }
    changed
}

/// A worker takes a model: queued → running.
pub fn start_model(generation: &mut Generation, variant: &str) -> bool {
    match model_mut(generation, variant) {
        Some(model) if model.status == JobStatus::Queued => {
            model.status = JobStatus::Running;
            model.revision += 1;
            true
        }
        _ => false,
    }
}

/// A model whose server never saw the request goes back to waiting.
pub fn requeue_model(generation: &mut Generation, variant: &str) -> bool {
    match model_mut(generation, variant) {
        Some(model) if model.status == JobStatus::Running => {
            model.status = JobStatus::Queued;
            model.revision += 1;
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
            entry.revision += 1;
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
            entry.revision += 1;
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
            model.revision += 1;
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

/// Adds to `ours` what another proxy sharing the records did to the same
/// generation meanwhile: the models it extracted, the later states of
/// models it worked on (a model is worked on by one proxy at a time, so
/// the copy changed more is the later one), and a poster. Models are
/// never taken away, so two proxies' saves cannot undo each other's work.
pub fn adopt_others(ours: &mut Generation, stored: &Generation) -> bool {
    let mut changed = false;
    for theirs in &stored.models {
        match model_mut(ours, &theirs.variant) {
            None => ours.models.push(theirs.clone()),
            Some(mine) if theirs.revision > mine.revision => *mine = theirs.clone(),
            Some(_) => continue,
        }
        changed = true;
    }
    if ours.poster_url.is_none() && stored.poster_url.is_some() {
        ours.poster_url.clone_from(&stored.poster_url);
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use trellis_api::{BackendKind, GenerateParams};

    use super::*;
    use crate::id::GenerationId;

    #[test]
    fn a_save_keeps_what_another_proxy_did_to_other_models_and_its_poster() {
        let id = GenerationId::random().unwrap();
        let first = ExtractParams::default();
        let mut stored =
            super::super::queued(&id, BackendKind::Modal, GenerateParams::default(), first);
        let variant = first.variant_name();
        start_model(&mut stored, &variant);
        let done = StoredModel {
            faces: 2,
            vertices: 4,
            bytes: 100,
        };
        model_done(&mut stored, &variant, &done);
        // This proxy took its copy here, and queues a second model...
        let mut ours = stored.clone();
        let second = ExtractParams {
            decimation_target: 150_000,
            texture_size: 1024,
            ..ExtractParams::default()
        };
        request_model(&mut ours, second);
        // ...while the other one finished the first's web levels.
        optimized(&mut stored, &variant, None);
        stored.poster_url = Some(format!("generations/{id}/poster.png"));

        assert!(adopt_others(&mut ours, &stored));
        let kept: Vec<_> = ours
            .models
            .iter()
            .map(|m| (m.variant.clone(), m.status, m.optimized_status))
            .collect();
        assert_eq!(
            kept,
            [
                (
                    variant,
                    JobStatus::Succeeded,
                    Some(OptimizedStatus::Unavailable)
                ),
                (second.variant_name(), JobStatus::Queued, None)
            ],
        );
        assert_eq!(ours.poster_url, stored.poster_url);
        assert!(!adopt_others(&mut ours, &stored), "nothing more to adopt");
        let mut other_view = stored.clone();
        adopt_others(&mut other_view, &ours);
        assert_eq!(
            other_view.models[0].optimized_status,
            Some(OptimizedStatus::Unavailable),
            "an older copy never undoes a later one"
        );
    }

    #[test]
    fn a_model_queued_again_after_failing_is_not_undone_by_the_failed_copy() {
        let id = GenerationId::random().unwrap();
        let params = ExtractParams::default();
        let variant = params.variant_name();
        let mut failed =
            super::super::queued(&id, BackendKind::Modal, GenerateParams::default(), params);
        start_model(&mut failed, &variant);
        let error = ErrorDetail {
            code: "x".to_owned(),
            message: "broke".to_owned(),
            retry_after_seconds: None,
        };
        model_failed(&mut failed, &variant, error);
        let mut retried = failed.clone();
        request_model(&mut retried, params);
        assert!(!adopt_others(&mut retried, &failed));
        assert_eq!(retried.models[0].status, JobStatus::Queued);
    }
}
