//! The result cache: a submission of the same normalized photo, settings
//! and engine as an earlier generation that succeeded gets that result
//! back as a new generation of its own (its own id, owner token and
//! expiry) at no GPU time, marked as reused. Off for the server with
//! `--no-cache`, and for one request with `cache=false`.

use sha2::{Digest, Sha256};
use trellis_api::{BackendKind, ExtractParams, GenerateParams, Generation, JobStatus};

use super::{GenerationError, Jobs, ModelFile, lifecycle};
use crate::{clock::now_ms, id::GenerationId, store::StoredGeneration, tokens::TokenHash};

/// What the cache finds a result by: the SHA-256 of the normalized photo,
/// the generate settings, the first model's settings and the engine.
pub(super) fn cache_key(
    input_png: &[u8],
    params: &GenerateParams,
    first_model: &ExtractParams,
    backend: BackendKind,
) -> String {
    let mut hash = Sha256::new();
    hash.update(input_png);
    // serde_json writes struct fields in declaration order, so equal
    // settings always hash alike.
    for part in [
        serde_json::to_vec(params).unwrap_or_default(),
        serde_json::to_vec(first_model).unwrap_or_default(),
        backend.as_str().as_bytes().to_vec(),
    ] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A new generation `id` holding `earlier`'s result: settled, with no
/// engine time of its own, and only the first model (the one asked for).
fn reused(id: &GenerationId, earlier_id: &GenerationId, earlier: &Generation) -> Generation {
    let now = now_ms();
    let mut generation = earlier.clone();
    generation.id = id.to_string();
    generation.created_at = now;
    generation.started_at = Some(now);
    generation.finished_at = Some(now);
    generation.timings = Vec::new();
    generation.queue_position = None;
    generation.eta_seconds = None;
    generation.input_url = lifecycle::input_url(id);
    generation.video_url = earlier
        .video_url
        .as_ref()
        .map(|_| lifecycle::video_url(id.as_str()));
    generation.models.truncate(1);
    if generation.poster_url.take().is_some() {
        lifecycle::poster_done(&mut generation);
    }
    for model in &mut generation.models {
        model.url = Some(lifecycle::model_url(id.as_str(), &model.variant));
        if model.optimized_url.is_some() {
            model.optimized_url = Some(ModelFile::Optimized.url(id.as_str(), &model.variant));
        }
        if model.coarse_url.is_some() {
            model.coarse_url = Some(ModelFile::Coarse.url(id.as_str(), &model.variant));
        }
    }
    generation.reused_from = Some(earlier_id.to_string());
    generation
}

impl Jobs {
    /// Stores, as generation `id` owned by `owner`, the newest earlier
    /// result with `key`, if one is still whole; `None` when there is none
    /// (the caller then generates).
    pub(super) async fn reuse(
        &self,
        id: &GenerationId,
        key: &str,
        owner: TokenHash,
    ) -> Result<Option<()>, GenerationError> {
        for (earlier_id, earlier) in self.repo.reusable(key).await? {
            let generation = &earlier.generation;
            let Some(model) = generation.models.first() else {
                continue;
            };
            if model.status != JobStatus::Succeeded {
                continue;
            }
            let video = generation.video_url.is_some();
            // Its files may have just been removed by the sweeper or a
            // deletion: then the next candidate, or a new run.
            let bytes = match self
                .files
                .share_result(&earlier_id, id, &model.variant, video)
                .await
            {
                Ok(bytes) => bytes,
                Err(err) => {
                    tracing::debug!(%earlier_id, error = %err, "a cached result's files are gone");
                    let _ = self.files.remove(id).await;
                    continue;
                }
            };
            let stored = StoredGeneration {
                cache_key: Some(key.to_owned()),
                deployment: earlier.deployment.clone(),
                ..StoredGeneration::new(reused(id, &earlier_id, generation), Some(owner))
            };
            if let Err(err) = self.repo.insert(id, &stored, bytes, None).await {
                let _ = self.files.remove(id).await;
                return Err(err.into());
            }
            tracing::info!(%id, %earlier_id, "an identical earlier result was reused");
            return Ok(Some(()));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use trellis_api::Preset;

    use super::*;

    #[test]
    fn the_key_changes_with_the_photo_the_settings_the_model_and_the_engine() {
        let params = GenerateParams::default();
        let model = Preset::Balanced.params();
        let key = cache_key(b"png", &params, &model, BackendKind::Modal);
        assert_eq!(key, cache_key(b"png", &params, &model, BackendKind::Modal));
        let seeded = GenerateParams {
            seed: params.seed + 1,
            ..params.clone()
        };
        for other in [
            cache_key(b"png!", &params, &model, BackendKind::Modal),
            cache_key(b"png", &seeded, &model, BackendKind::Modal),
            cache_key(b"png", &params, &Preset::Fast.params(), BackendKind::Modal),
            cache_key(b"png", &params, &model, BackendKind::Fastapi),
        ] {
            assert_ne!(key, other);
        }
    }
}
