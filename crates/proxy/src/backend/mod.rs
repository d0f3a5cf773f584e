//! The engines behind the API. Every engine is driven through [`Backend`],
//! so the job queue never knows which one it talks to.
//!
//! The contract mirrors the TRELLIS.2 servers (upstream contract §1.5–1.6):
//! `generate` turns a photo into an opaque state kept server-side, and
//! `extract_glb` turns a state into a GLB with given settings, as often as
//! the user likes. A remote backend maps its own failures (unreachable,
//! timeouts, out of GPU memory) onto [`BackendError`].

mod builtin;

use async_trait::async_trait;
use trellis_api::{BackendKind, ErrorDetail, ExtractParams, GenerateParams, HealthStatus};

pub use builtin::Builtin;

/// An engine that makes 3D models from photos.
///
/// Object-safe, so the server holds an `Arc<dyn Backend>` and tests can
/// substitute their own.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Which engine this is, for `GET /api/health` and each generation.
    fn kind(&self) -> BackendKind;

    /// Whether the engine can take work, and what it offers.
    async fn health(&self) -> BackendHealth;

    /// Runs the generate step on a normalized input (a PNG of at most 1024
    /// pixels a side, alpha kept).
    async fn generate(&self, request: GenerateRequest) -> Result<Generated, BackendError>;

    /// Extracts a GLB from a state returned by [`Backend::generate`].
    async fn extract_glb(
        &self,
        state: Vec<u8>,
        params: ExtractParams,
    ) -> Result<ExtractedGlb, BackendError>;
}

/// What the engine reports about itself; the server adds queue figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendHealth {
    /// Readiness.
    pub status: HealthStatus,
    /// A few words for the status dot.
    pub label: String,
    /// Whether `extract_glb` can be called again with other settings.
    pub can_extract: bool,
    /// Whether generations come with a preview video.
    pub has_preview_video: bool,
}

/// The input of the generate step.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The normalized input image, PNG-encoded.
    pub image_png: Vec<u8>,
    /// The validated sampler settings.
    pub params: GenerateParams,
}

/// The result of the generate step.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The engine's opaque state, stored and handed back to `extract_glb`.
    pub state: Vec<u8>,
}

/// A finished GLB and its counts.
#[derive(Debug, Clone)]
pub struct ExtractedGlb {
    /// The binary glTF file.
    pub bytes: Vec<u8>,
    /// Triangles in the mesh.
    pub faces: u64,
    /// Vertices in the mesh.
    pub vertices: u64,
}

/// Why an engine could not do a job. The message is what the user sees on
/// the failed generation or model.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The photo has nothing the engine can model; another photo may work.
    /// Holds the engine's own advice, as a sentence.
    #[error("{0}")]
    NoSubject(String),
    /// The engine failed in a way the user cannot fix; the detail goes to
    /// the log only.
    #[error("The engine failed to build the model. Try again, or try another photo.")]
    Engine(String),
}

impl BackendError {
    /// The machine-readable code stored on the failed job.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSubject(_) => "no_subject",
            Self::Engine(_) => "engine_error",
        }
    }

    /// The error as stored on the failed job.
    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(self.code(), self.to_string())
    }
}
