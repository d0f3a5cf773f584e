use serde::{Deserialize, Serialize};

use crate::{AccessMode, ConversionFormat, Limits, PipelineType};

/// Which engine the proxy drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The CPU "inflate" engine: no AI model, for running without a GPU.
    Builtin,
    /// The `trellis2_modal` GPU service.
    Modal,
    /// The crossworld FastAPI server.
    Fastapi,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Builtin => "builtin",
            BackendKind::Modal => "modal",
            BackendKind::Fastapi => "fastapi",
        }
    }
}

/// Readiness of the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ready,
    /// Reachable, but the GPU is asleep: the next job pays a cold start.
    Cold,
    Loading,
    Error,
}

/// The answer to `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    pub backend: BackendKind,
    /// What to show next to the status dot, e.g. "CPU preview — no AI model".
    pub label: String,
    /// Jobs waiting or running right now.
    pub queue_length: u32,
    /// Whether GLBs can be (re-)extracted with other settings.
    pub can_extract: bool,
    /// Whether generations come with a preview video.
    pub has_preview_video: bool,
    /// How long a whole job of each pipeline type is expected to take right
    /// now, so the UI can show it before anything is submitted. Defaults to
    /// empty so answers of older proxies still parse.
    #[serde(default)]
    pub pipeline_seconds: Vec<PipelineEstimate>,
    /// Whether `POST /api/cutout` can show what the engine will take as the
    /// subject (the built-in engine); a GPU server removes the background
    /// with its own model, which cannot be previewed.
    #[serde(default)]
    pub cutout_preview: bool,
    /// Whether generating needs an API key. Older proxies were all open.
    #[serde(default)]
    pub access: AccessMode,
    /// The per-client limits and the retention, to show before they bite.
    #[serde(default)]
    pub limits: Limits,
    /// Whether the server has link-preview pages: `GET /share/{id}` (on the
    /// API's origin: the API base with `api/` replaced by `share/{id}`,
    /// followed by the app's share query) answers with Open Graph and
    /// Twitter card tags and then sends the person on to the app. Older
    /// servers have none.
    #[serde(default)]
    pub share_pages: bool,
    /// The formats models convert to (`POST …/conversions`); empty from
    /// older servers.
    #[serde(default)]
    pub formats: Vec<ConversionFormat>,
}

/// The proxy's current estimate of one whole job: waking the GPU if it is
/// asleep, generating, the preview video if the engine makes one, and the
/// first (balanced) model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PipelineEstimate {
    pub pipeline_type: PipelineType,
    /// Expected seconds from submission to the first model, queue excluded.
    pub seconds: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_estimates_still_parses_and_estimates_round_trip() {
        let old = r#"{"status":"ready","backend":"modal","label":"x","queue_length":0,
            "can_extract":true,"has_preview_video":true}"#;
        let health: Health = serde_json::from_str(old).unwrap();
        assert!(health.pipeline_seconds.is_empty());
        assert_eq!(health.access, AccessMode::Open);
        assert_eq!(health.limits, Limits::default());
        assert!(!health.share_pages && health.formats.is_empty());

        let estimate = PipelineEstimate {
            pipeline_type: PipelineType::P1536Cascade,
            seconds: 240.5,
        };
        let json = serde_json::to_value(estimate).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"pipeline_type": "1536_cascade", "seconds": 240.5})
        );
    }
}
