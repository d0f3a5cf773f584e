//! The engines behind the API. Every engine is driven through [`Backend`],
//! so the job queue never knows which one it talks to.
//!
//! The contract mirrors the TRELLIS.2 servers (upstream contract §1.5–1.6):
//! `generate` turns a photo into an opaque state kept server-side, and
//! `extract_glb` turns a state into a GLB with given settings, as often as
//! the user likes. Results go to files, never whole into memory: a remote
//! state can be hundreds of megabytes. The job queue hands out temporary
//! paths and renames them into place only once a step has fully succeeded.

mod builtin;
mod error;
mod fastapi;
mod glb;
mod http;
mod modal;

use std::{path::Path, path::PathBuf, time::Duration};

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use image::RgbaImage;
use trellis_api::{BackendKind, ExtractParams, GenerateParams, HealthStatus};

pub use builtin::Builtin;
pub use error::BackendError;
pub use fastapi::FastApi;
pub use modal::{Credentials, CredentialsError, Modal, ModalUrls, SECRETS_FILE, Secret};

/// An engine that makes 3D models from photos.
///
/// Object-safe, so the server holds an `Arc<dyn Backend>` and tests can
/// substitute their own.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Which engine this is, for `GET /api/health` and each generation.
    fn kind(&self) -> BackendKind;

    /// What the engine offers; fixed for its lifetime.
    fn capabilities(&self) -> Capabilities;

    /// Whether the engine can take work right now.
    async fn health(&self) -> BackendHealth;

    /// Runs the generate step on a normalized input (a PNG of at most 1024
    /// pixels a side, alpha kept), writing its results to `outputs`.
    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError>;

    /// Extracts a GLB from the state file written by [`Backend::generate`]
    /// into the file `model`.
    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError>;

    /// What the generate step would take as the subject of a normalized
    /// input, for engines that offer it ([`Capabilities::cutout_preview`]).
    /// CPU-bound: called from a blocking task.
    fn preview_cutout(&self, _image: &RgbaImage) -> Result<SubjectPreview, BackendError> {
        Err(BackendError::Engine(
            "this engine cannot preview its cut-out".to_owned(),
        ))
    }
}

/// What an engine would take as the subject of a photo.
#[derive(Debug, Clone)]
pub struct SubjectPreview {
    /// The input with everything but the subject made transparent.
    pub subject: RgbaImage,
    /// Whether the mask is the photo's own transparency.
    pub from_alpha: bool,
    /// Share of the frame the subject covers, `0..=1`.
    pub coverage: f32,
    /// Reasons to doubt the subject is the intended object, as sentences.
    pub doubts: Vec<String>,
}

/// What an engine offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether `extract_glb` can be called again with other settings.
    pub can_extract: bool,
    /// Whether generations come with a preview video.
    pub has_preview_video: bool,
    /// How long the engine stays warm after its last request; a job after
    /// a longer pause first waits for it to wake. `None`: it never sleeps.
    pub scale_down_window: Option<Duration>,
    /// Whether [`Backend::preview_cutout`] can show the subject before a
    /// job: only an engine that segments by rules can; a GPU server's
    /// background removal is a model that runs only inside a job.
    pub cutout_preview: bool,
}

/// What the engine reports about itself; the server adds queue figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendHealth {
    /// Readiness.
    pub status: HealthStatus,
    /// A few words for the status dot.
    pub label: String,
}

/// The input of the generate step.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The normalized input image, PNG-encoded.
    pub image_png: Vec<u8>,
    /// The validated sampler settings.
    pub params: GenerateParams,
}

impl GenerateRequest {
    /// The JSON body both GPU servers take: the image as plain base64 (no
    /// `data:` prefix, contract §1.5) and every setting under its upstream
    /// name, sent explicitly so a server's own defaults never apply behind
    /// the user's back. `GenerateParams` serializes with exactly those names.
    pub(crate) fn upstream_body(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut body = match serde_json::to_value(&self.params) {
            Ok(serde_json::Value::Object(fields)) => fields,
            // A struct of numbers and an enum always serializes to an object.
            _ => serde_json::Map::new(),
        };
        body.insert("image".to_owned(), STANDARD.encode(&self.image_png).into());
        body
    }
}

/// Where the generate step writes its results: temporary files that the
/// job queue moves into place once the step has succeeded.
#[derive(Debug, Clone)]
pub struct GenerateOutputs {
    /// The engine's opaque state, handed back to `extract_glb` later.
    pub state: PathBuf,
    /// The preview video (MP4), for engines that render one.
    pub video: PathBuf,
    /// The finished model, for engines that make it in the generate step.
    pub model: PathBuf,
}

/// What the generate step wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// A state to extract models from, and a preview video when
    /// `video` is true.
    State { video: bool },
    /// The finished model itself: the engine has no separate extract step.
    Model(ModelCounts),
}

/// The size of a finished mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelCounts {
    /// Triangles in the mesh.
    pub faces: u64,
    /// Vertices in the mesh.
    pub vertices: u64,
}
