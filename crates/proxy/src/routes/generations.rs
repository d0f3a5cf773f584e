//! A generation: read it, cancel it, ask for another model of it.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use trellis_api::{ExtractRequest, Generation};

use super::path::IdPath;
use crate::{error::Result, jobs::ExtractOutcome, json, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generations/{id}", get(show).delete(cancel))
        .route("/generations/{id}/extract_glb", post(extract_glb))
}

async fn show(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Generation>> {
    Ok(Json(state.jobs.get(&id)?))
}

/// Cancels the generation (or its pending models); answers with its state.
async fn cancel(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Generation>> {
    Ok(Json(state.jobs.cancel(&id).await?))
}

/// 200 when the model already exists, 202 when it is queued or underway.
async fn extract_glb(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    json::Json(request): json::Json<ExtractRequest>,
) -> Result<(StatusCode, Json<Generation>)> {
    let params = request.resolve()?;
    Ok(match state.jobs.request_extract(&id, params).await? {
        ExtractOutcome::Ready(generation) => (StatusCode::OK, Json(generation)),
        ExtractOutcome::Pending(generation) => (StatusCode::ACCEPTED, Json(generation)),
    })
}
