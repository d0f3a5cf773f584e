//! `POST /api/generate`: validate the upload, store it, queue the job and
//! answer 202 at once.

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    routing::post,
};
use trellis_api::GenerateAccepted;

use crate::{
    error::Result,
    jobs::{events_url, status_url},
    state::AppState,
    upload::{self, GenerateUpload, MAX_UPLOAD_BYTES},
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/generate",
        post(generate).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
}

async fn generate(
    State(state): State<AppState>,
    upload: GenerateUpload,
) -> Result<(StatusCode, Json<GenerateAccepted>)> {
    let GenerateUpload {
        image,
        params,
        first_model,
    } = upload;
    let input_png = state.decode(move || upload::normalize(&image)).await?;
    let (id, delete_token) = state.jobs.submit(params, first_model, input_png).await?;
    let accepted = GenerateAccepted {
        id: id.to_string(),
        status_url: status_url(&id),
        events_url: events_url(&id),
        // The only time the token is ever sent: the server keeps its hash.
        delete_token: Some(delete_token),
    };
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}
