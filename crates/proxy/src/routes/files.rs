//! The files of a generation: its input, its preview video and its models.
//! Served from disk with range and conditional-request support; every
//! error, the file server's own 404 and 416 included, in the API's shape.

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{
        HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_RANGE},
    },
    response::{IntoResponse as _, Response},
    routing::get,
};
use std::path::PathBuf;
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use super::path::{IdPath, ModelPath};
use crate::{
    error::{AppError, Result},
    state::AppState,
};

/// These files never change once they exist (a new model gets a new name),
/// so browsers and proxies may keep them for good.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generations/{id}/input.png", get(input))
        .route("/generations/{id}/preview.mp4", get(video))
        .route("/generations/{id}/models/{file}", get(model))
}

async fn input(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    request: Request,
) -> Result<Response> {
    serve(state.jobs.input_path(&id).await?, request, None).await
}

/// The preview video, `video/mp4`, with range requests for seeking.
async fn video(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    request: Request,
) -> Result<Response> {
    serve(state.jobs.video_path(&id).await?, request, None).await
}

async fn model(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    ModelPath(variant): ModelPath,
    request: Request,
) -> Result<Response> {
    let path = state.jobs.model_path(&id, &variant).await?;
    // Variant names are digits, letters, '-' and '.', so no quoting needed.
    let disposition = format!(
        "attachment; filename=\"trellis-{}-{variant}.glb\"",
        id.short()
    );
    serve(path, request, Some(disposition)).await
}

/// Serves a file (its type from its extension: `.glb` is
/// `model/gltf-binary`), adding caching and download headers on success.
async fn serve(path: PathBuf, request: Request, disposition: Option<String>) -> Result<Response> {
    let response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(AppError::internal)?;
    let mut response = response.map(Body::new);
    match response.status() {
        // Gone between the record's check and the open: removed meanwhile.
        StatusCode::NOT_FOUND => return Err(AppError::FileMissing),
        StatusCode::RANGE_NOT_SATISFIABLE => {
            // Keeps `Content-Range: bytes */<length>`, which tells the
            // client the file's length (RFC 9110 §15.5.17).
            let range = response.headers().get(CONTENT_RANGE).cloned();
            let mut refused = AppError::RangeNotSatisfiable.into_response();
            if let Some(range) = range {
                refused.headers_mut().insert(CONTENT_RANGE, range);
            }
            return Ok(refused);
        }
        status if status.is_success() => {
            let headers = response.headers_mut();
            headers.insert(CACHE_CONTROL, IMMUTABLE);
            if let Some(disposition) = disposition {
                let value = HeaderValue::try_from(disposition).map_err(AppError::internal)?;
                headers.insert(CONTENT_DISPOSITION, value);
            }
        }
        _ => {}
    }
    Ok(response)
}
