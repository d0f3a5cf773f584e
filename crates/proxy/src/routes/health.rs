//! `GET /api/health`: is the engine ready, and how busy is the queue.

use axum::{Json, Router, extract::State, routing::get};
use trellis_api::Health;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let backend = state.jobs.backend();
    let engine = backend.health().await;
    Json(Health {
        status: engine.status,
        backend: backend.kind(),
        label: engine.label,
        queue_length: u32::try_from(state.jobs.queue_length()).unwrap_or(u32::MAX),
        can_extract: engine.can_extract,
        has_preview_video: engine.has_preview_video,
    })
}
