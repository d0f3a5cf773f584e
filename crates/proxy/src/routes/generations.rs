//! A generation: read it, cancel it, remove it, ask for another model of it.

use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use trellis_api::{ExtractRequest, Generation};

use super::path::IdPath;
use crate::{
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
    Ok(Json(state.jobs.get(&id)?))
}

/// The query of `DELETE /generations/{id}`.
#[derive(Deserialize)]
struct DeleteQuery {
    /// `true`: remove the generation for good (creator only) rather than
    /// just cancel it.
    #[serde(default)]
    remove: bool,
}

/// Plain: cancels the generation (or its pending models) and answers with
/// its state. With `?remove=true` and the creator's `Authorization: Bearer
/// <delete token>`: cancels and removes it, answering 204.
async fn delete(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    query: Result<Query<DeleteQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response> {
    let Query(query) = query.map_err(|err| AppError::InvalidQuery(err.body_text()))?;
    if query.remove {
        state.jobs.remove(&id, bearer_token(&headers)).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(Json(state.jobs.cancel(&id).await?).into_response())
    }
}

/// The token of an `Authorization: Bearer <token>` header, if any.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
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
