//! The built-in CPU engine (`trellis_inflate`): no AI model, so it runs on
//! any machine. "Generate" separates the subject; "extract" inflates its
//! silhouette into a textured GLB.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use image::RgbaImage;
use trellis_api::{BackendKind, ExtractParams, HealthStatus};
use trellis_inflate::{InflateError, MaskSource, Subject};

use super::{
    Backend, BackendError, BackendHealth, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts, SubjectPreview,
};

/// The CPU engine. Stateless: everything it needs travels in the state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

#[async_trait]
impl Backend for Builtin {
    fn kind(&self) -> BackendKind {
        BackendKind::Builtin
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            can_extract: true,
            has_preview_video: false,
            scale_down_window: None,
            cutout_preview: true,
        }
    }

    async fn health(&self) -> BackendHealth {
        BackendHealth {
            status: HealthStatus::Ready,
            label: "CPU preview — no AI model".to_owned(),
        }
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        // The sampler settings have no meaning without a model; the same
        // photo always gives the same subject.
        let state = run_blocking(move || {
            let image =
                image::load_from_memory_with_format(&request.image_png, image::ImageFormat::Png)
                    .map_err(|err| BackendError::Engine(format!("stored input unreadable: {err}")))?
                    .into_rgba8();
            let subject = trellis_inflate::segment(&image).map_err(from_inflate)?;
            Ok(subject.to_state())
        })
        .await?;
        tokio::fs::write(&outputs.state, state).await?;
        Ok(Generated::State { video: false })
    }

    fn preview_cutout(&self, image: &RgbaImage) -> Result<SubjectPreview, BackendError> {
        let cutout = trellis_inflate::cutout(image).map_err(from_inflate)?;
        let (total, inside) = cutout
            .subject
            .image
            .pixels()
            .fold((0u64, 0u64), |(total, inside), p| {
                (total + 1, inside + u64::from(p[3] > 0))
            });
        Ok(SubjectPreview {
            subject: cutout.subject.image,
            from_alpha: cutout.source == MaskSource::Alpha,
            coverage: (inside as f64 / total.max(1) as f64) as f32,
            doubts: cutout.doubts.iter().map(|d| d.message()).collect(),
        })
    }

    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        let state = tokio::fs::read(state).await?;
        let path = PathBuf::from(model);
        run_blocking(move || {
            let subject = Subject::from_state(&state).map_err(from_inflate)?;
            let model = subject
                .extract_glb(params.decimation_target, params.texture_size)
                .map_err(from_inflate)?;
            std::fs::write(&path, &model.bytes)?;
            Ok(ModelCounts {
                faces: model.faces,
                vertices: model.vertices,
            })
        })
        .await
    }
}

/// Runs CPU-bound engine work off the async threads, so requests keep
/// being answered while a model is built.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| BackendError::Engine(format!("engine task died: {err}")))?
}

fn from_inflate(err: InflateError) -> BackendError {
    match err {
        InflateError::NoSubject(advice) => BackendError::NoSubject(sentence(&advice)),
        InflateError::InvalidState(_) | InflateError::InvalidMesh(_) => {
            BackendError::Engine(err.to_string())
        }
    }
}

/// The engine's advice ("no subject stands out…") as a sentence for the page.
fn sentence(advice: &str) -> String {
    let advice = advice.trim().trim_end_matches('.');
    let mut chars = advice.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => "No subject stands out from the background.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_advice_becomes_a_sentence() {
        assert_eq!(
            sentence("use a plain background"),
            "Use a plain background."
        );
        assert_eq!(sentence("Done."), "Done.");
    }
}
