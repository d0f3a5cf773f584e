//! A generation: read it; and for its creator only, cancel it, remove it,
//! or ask for another model of it.

use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use trellis_api::{ExtractRequest, Generation};

use super::path::IdPath;
use crate::{
    access::{Authorized, OwnerToken},
    error::{AppError, Result},
    jobs::ExtractOutcome,
    json,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generations/{id}", get(show).delete(delete))
        .route("/generations/{id}/extract_glb", post(extract_glb))
}

async fn show(State(state): State<AppState>, IdPath(id): IdPath) -> Result<Json<Generation>> {
    Ok(Json(state.jobs.get(&id).await?))
}

/// The query of `DELETE /generations/{id}`.
#[derive(Deserialize)]
struct DeleteQuery {
    /// `true`: remove the generation for good rather than just cancel it.
    #[serde(default)]
    remove: bool,
}

/// Creator only. Plain: cancels the generation (or its pending models) and
/// answers with its state. With `?remove=true`: cancels and removes it,
/// answering 204.
async fn delete(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    query: Result<Query<DeleteQuery>, QueryRejection>,
    OwnerToken(token): OwnerToken,
) -> Result<Response> {
    let Query(query) = query.map_err(|err| AppError::InvalidQuery(err.body_text()))?;
    if query.remove {
        state.jobs.remove(&id, token.as_deref()).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(Json(state.jobs.cancel(&id, token.as_deref()).await?).into_response())
    }
}

/// Creator only (and a client with a key in keys mode). 200 when the model
/// already exists, 202 when it is queued or underway.
async fn extract_glb(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    Authorized(client): Authorized,
    OwnerToken(token): OwnerToken,
    json::Json(request): json::Json<ExtractRequest>,
) -> Result<(StatusCode, Json<Generation>)> {
    let params = request.resolve()?;
    state.quotas.refresh_budget().await;
    let admit = || state.quotas.admit_extraction(&client);
    Ok(
        match state
            .jobs
            .request_extract(&id, params, token.as_deref(), admit)
            .await?
        {
            ExtractOutcome::Ready(generation) => (StatusCode::OK, Json(generation)),
            ExtractOutcome::Pending(generation) => (StatusCode::ACCEPTED, Json(generation)),
        },
    )
}
