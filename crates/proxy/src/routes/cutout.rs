//! `POST /api/cutout`: what the engine would take as the subject of a photo,
//! shown before any job is queued, so a photo whose subject the engine
//! cannot separate is fixed before anything runs.

use std::io::Cursor;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State, rejection::BytesRejection},
    http::StatusCode,
    routing::post,
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use image::{ImageFormat, imageops::FilterType};
use trellis_api::{CUTOUT_PREVIEW_SIDE, CutoutPreview, CutoutSource};

use crate::{
    access::Authorized,
    backend::{BackendError, SubjectPreview},
    error::{AppError, Result},
    state::AppState,
    upload::{self, MAX_IMAGE_BYTES},
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/cutout",
        post(cutout).layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES)),
    )
}

/// The body is the image file itself (`Content-Type: image/…`), exactly the
/// bytes a generate request would carry. In keys mode it takes a key like
/// generating does: it spends the server's CPU.
async fn cutout(
    State(state): State<AppState>,
    _client: Authorized,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<CutoutPreview>> {
    let body = body.map_err(|err| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(format!(
                "The image is over {} MiB; send a smaller file.",
                MAX_IMAGE_BYTES / (1024 * 1024)
            ))
        } else {
            AppError::InvalidImage(err.body_text())
        }
    })?;
    if !state.jobs.backend().capabilities().cutout_preview {
        return Err(AppError::NoCutoutPreview);
    }
    let jobs = state.jobs.clone();
    let preview = state
        .decode(move || {
            // The same normalization as a generate request, so the preview
            // is exactly the subject the engine will see.
            let png = upload::normalize(&body)?;
            let image = image::load_from_memory_with_format(&png, ImageFormat::Png)
                .map_err(AppError::internal)?
                .into_rgba8();
            let preview = jobs
                .backend()
                .preview_cutout(&image)
                .map_err(|err| match err {
                    BackendError::NoSubject(advice) => AppError::NoSubject(advice),
                    other => AppError::internal(other),
                })?;
            to_wire(preview)
        })
        .await?;
    Ok(Json(preview))
}

/// The preview as the API sends it: the subject scaled down for a page
/// column and inlined as a PNG data URL.
fn to_wire(preview: SubjectPreview) -> Result<CutoutPreview> {
    let SubjectPreview {
        subject,
        from_alpha,
        coverage,
        doubts,
    } = preview;
    let subject = if subject.width().max(subject.height()) > CUTOUT_PREVIEW_SIDE {
        image::DynamicImage::ImageRgba8(subject)
            .resize(
                CUTOUT_PREVIEW_SIDE,
                CUTOUT_PREVIEW_SIDE,
                FilterType::Triangle,
            )
            .into_rgba8()
    } else {
        subject
    };
    let mut png = Vec::new();
    subject
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(AppError::internal)?;
    Ok(CutoutPreview {
        source: if from_alpha {
            CutoutSource::Alpha
        } else {
            CutoutSource::Engine
        },
        image: format!("data:image/png;base64,{}", STANDARD.encode(&png)),
        coverage,
        doubts,
    })
}
