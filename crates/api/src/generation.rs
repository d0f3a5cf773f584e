use crate::{BackendKind, ErrorDetail, ExtractParams, GenerateParams};
use serde::{Deserialize, Serialize};

/// Where a job (a generation, or one model extraction) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    /// True once nothing will change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// What the job is doing, in the order a user sees the phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Queued,
    WakingGpu,
    Generating,
    RenderingPreview,
    ExtractingGlb,
    Done,
    Failed,
    Cancelled,
}

impl Phase {
    /// The phase in words, for the page and the command line.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Queued => "Waiting in line",
            Phase::WakingGpu => "Waking the GPU server",
            Phase::Generating => "Generating the 3D shape",
            Phase::RenderingPreview => "Rendering the preview",
            Phase::ExtractingGlb => "Extracting the GLB model",
            Phase::Done => "Done",
            Phase::Failed => "Failed",
            Phase::Cancelled => "Cancelled",
        }
    }
}

/// How long one finished phase took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTiming {
    pub phase: Phase,
    pub ms: u64,
}

/// One extracted GLB of a generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVariant {
    /// Name of the variant, from its settings (see `ExtractParams::variant_name`).
    pub variant: String,
    pub status: JobStatus,
    /// Download URL relative to the API base, once `status` is `succeeded`.
    pub url: Option<String>,
    pub faces: Option<u64>,
    pub vertices: Option<u64>,
    pub bytes: Option<u64>,
    pub decimation_target: u32,
    pub texture_size: u32,
    pub params: ExtractParams,
    pub error: Option<ErrorDetail>,
    /// The web-optimized copy, made by the proxy on the CPU after the
    /// extraction: `pending` while it is made (the model itself is already
    /// `succeeded` and downloadable), `ready` with the URLs below, or
    /// `unavailable` when the optimizer does not handle this model (the
    /// original is then the only file). `None` from older servers and for
    /// models that did not succeed.
    #[serde(default)]
    pub optimized_status: Option<OptimizedStatus>,
    /// The full-detail web-optimized GLB (`KHR_mesh_quantization`,
    /// `EXT_meshopt_compression` required, WebP textures), relative to the
    /// API base. Served with a precompressed `Content-Encoding` when the
    /// browser accepts one. Not for Android's Scene Viewer, which cannot
    /// open meshopt files: link `url` there.
    #[serde(default)]
    pub optimized_url: Option<String>,
    /// Its size, uncompressed.
    #[serde(default)]
    pub optimized_bytes: Option<u64>,
    /// The coarse level for progressive display: about 5% of the triangles
    /// and 512² textures, under 400 KB, placed exactly like the full level.
    #[serde(default)]
    pub coarse_url: Option<String>,
    #[serde(default)]
    pub coarse_bytes: Option<u64>,
    #[serde(default)]
    pub coarse_faces: Option<u64>,
    /// How many times this model's state has changed. Proxies sharing the
    /// records keep, of two copies of a model, the one changed more.
    #[serde(default)]
    pub revision: u32,
}

/// Where a model's web-optimized copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizedStatus {
    Pending,
    Ready,
    Unavailable,
}

/// The state of a generation: `GET /api/generations/{id}`, and every event of
/// its `/events` stream. URLs are relative to the API base (`…/api/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub id: String,
    pub status: JobStatus,
    pub phase: Phase,
    /// The phase in words.
    pub phase_label: String,
    /// 0..1 over the whole job.
    pub progress: f32,
    /// 1 = next in line; set only while queued.
    pub queue_position: Option<u32>,
    /// Estimated seconds until done, when known.
    pub eta_seconds: Option<f32>,
    /// Unix time in milliseconds.
    pub created_at: u64,
    pub started_at: Option<u64>,
    pub finished_at: Option<u64>,
    pub timings: Vec<PhaseTiming>,
    pub backend: BackendKind,
    pub params: GenerateParams,
    pub error: Option<ErrorDetail>,
    pub input_url: String,
    pub video_url: Option<String>,
    pub models: Vec<ModelVariant>,
    /// A 1200×630 PNG of the first model, for link previews, once it is
    /// rendered (a moment after the first model). `None` from older
    /// servers and until then.
    #[serde(default)]
    pub poster_url: Option<String>,
    /// Set when the result was not made for it but reused, at no GPU time,
    /// from an earlier generation (this id) of the same photo, settings and
    /// engine. Older proxies never reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
}

impl Generation {
    /// Whether nothing about it will change any more unless someone asks
    /// for another model: it finished, no model is pending, and no
    /// web-optimized copy is being made.
    pub fn is_settled(&self) -> bool {
        self.status.is_terminal()
            && self.models.iter().all(|m| {
                m.status.is_terminal() && m.optimized_status != Some(OptimizedStatus::Pending)
            })
    }

    /// The first model that can be downloaded, if any.
    pub fn ready_model(&self) -> Option<&ModelVariant> {
        self.models
            .iter()
            .find(|m| m.status == JobStatus::Succeeded && m.url.is_some())
    }
}
