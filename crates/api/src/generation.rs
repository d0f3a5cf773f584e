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
    /// Set when the result was not made for it but reused, at no GPU time,
    /// from an earlier generation (this id) of the same photo, settings and
    /// engine. Older proxies never reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
}

impl Generation {
    /// Whether nothing about it will change any more unless someone asks
    /// for another model: it finished, and no model is pending.
    pub fn is_settled(&self) -> bool {
        self.status.is_terminal() && self.models.iter().all(|m| m.status.is_terminal())
    }

    /// The first model that can be downloaded, if any.
    pub fn ready_model(&self) -> Option<&ModelVariant> {
        self.models
            .iter()
            .find(|m| m.status == JobStatus::Succeeded && m.url.is_some())
    }
}
