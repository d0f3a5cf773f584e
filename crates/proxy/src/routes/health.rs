//! `GET /api/health`: is the engine ready, and how busy is the queue.

use axum::{Json, Router, extract::State, routing::get};
use trellis_api::{ConversionFormat, Health, HealthStatus};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let backend = state.jobs.backend();
    let engine = backend.health().await;
    let capabilities = backend.capabilities();
    // A reachable engine that scales down says nothing about its GPU; the
    // queue knows whether it has been idle long enough to fall asleep.
    let (status, label) = match engine.status {
        HealthStatus::Ready if state.jobs.engine_is_cold() => (
            HealthStatus::Cold,
            format!("{}: GPU asleep, the next job wakes it first", engine.label),
        ),
        status => (status, engine.label),
    };
    Json(Health {
        status,
        backend: backend.kind(),
        label,
        queue_length: u32::try_from(state.jobs.queue_length()).unwrap_or(u32::MAX),
        can_extract: capabilities.can_extract,
        has_preview_video: capabilities.has_preview_video,
        pipeline_seconds: state.jobs.pipeline_estimates().await,
        cutout_preview: capabilities.cutout_preview,
        access: state.access.mode,
        limits: state.limits,
        share_pages: true,
        formats: ConversionFormat::ALL.to_vec(),
    })
}
