//! The files of a generation: its input, its preview video, its poster,
//! its models (original and web-optimized) and their conversions. Served
//! from disk with range and conditional-request support; every error, the
//! file server's own 404 and 416 included, in the API's shape.

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{
        HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_RANGE, CONTENT_TYPE, RANGE, VARY},
    },
    response::{IntoResponse as _, Response},
    routing::get,
};
use std::path::PathBuf;
use tower::ServiceExt as _;
use tower_http::services::ServeFile;
use trellis_api::ConversionFormat;

use super::path::{FilePath, IdPath, ModelPath, VariantPath};
use crate::{
    error::{AppError, Result},
    jobs::ModelFile,
    state::AppState,
};

/// These files never change once they exist (a new model gets a new name),
/// so browsers and proxies may keep them for good.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generations/{id}/input.png", get(input))
        .route("/generations/{id}/preview.mp4", get(video))
        .route("/generations/{id}/poster.png", get(poster))
        .route("/generations/{id}/models/{model}", get(model))
        .route(
            "/generations/{id}/models/{model}/conversions/{file}",
            get(conversion),
        )
}

/// How one file is served, beyond its bytes.
#[derive(Default)]
struct Serving {
    /// `Content-Disposition`, on success.
    disposition: Option<String>,
    /// `Content-Type` when the file's extension does not say it.
    media_type: Option<String>,
    /// Whether precompressed copies (`.br`, `.gz` next to the file) may be
    /// sent to a client that accepts them.
    precompressed: bool,
}

async fn input(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    request: Request,
) -> Result<Response> {
    serve(
        state.jobs.input_path(&id).await?,
        request,
        Serving::default(),
    )
    .await
}

/// The preview video, `video/mp4`, with range requests for seeking.
async fn video(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    request: Request,
) -> Result<Response> {
    serve(
        state.jobs.video_path(&id).await?,
        request,
        Serving::default(),
    )
    .await
}

/// The poster PNG, for link previews.
async fn poster(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    request: Request,
) -> Result<Response> {
    serve(
        state.jobs.poster_path(&id).await?,
        request,
        Serving::default(),
    )
    .await
}

/// A model's GLB: the original, or a web-optimized level with its
/// precompressed copies.
async fn model(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    ModelPath(which, variant): ModelPath,
    request: Request,
) -> Result<Response> {
    let path = state.jobs.model_file(&id, &variant, which).await?;
    // Variant names are digits, letters, '-' and '.', so no quoting needed.
    let level = match which {
        ModelFile::Original => "",
        ModelFile::Optimized => "-web",
        ModelFile::Coarse => "-coarse",
    };
    let serving = Serving {
        disposition: Some(format!(
            "attachment; filename=\"trellis-{}-{variant}{level}.glb\"",
            id.short()
        )),
        media_type: None,
        precompressed: which != ModelFile::Original,
    };
    serve(path, request, serving).await
}

/// A conversion's file, with the type and name its record gives.
async fn conversion(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    VariantPath(variant): VariantPath,
    FilePath(file): FilePath,
    request: Request,
) -> Result<Response> {
    let (path, conversion) = state.jobs.conversion_file(&id, &variant, &file).await?;
    // Quick Look opens a USDZ served inline; `attachment` makes some iOS
    // versions save it instead. The others are downloads.
    let kind = match conversion.request.format() {
        ConversionFormat::Usdz => "inline",
        ConversionFormat::Stl | ConversionFormat::Obj => "attachment",
    };
    let serving = Serving {
        disposition: Some(format!("{kind}; filename=\"{}\"", conversion.file_name)),
        media_type: Some(conversion.media_type),
        precompressed: false,
    };
    serve(path, request, serving).await
}

/// Serves a file (its type from its extension unless `serving` names one:
/// `.glb` is `model/gltf-binary`), adding caching and download headers on
/// success.
async fn serve(path: PathBuf, request: Request, serving: Serving) -> Result<Response> {
    // A range addresses the file itself: part of a gzip stream is of no
    // use to a client reading a GLB's chunks, so ranges get the identity.
    let negotiate = serving.precompressed && !request.headers().contains_key(RANGE);
    let file = if negotiate {
        ServeFile::new(path).precompressed_br().precompressed_gzip()
    } else {
        ServeFile::new(path)
    };
    let response = file.oneshot(request).await.map_err(AppError::internal)?;
    let mut response = response.map(Body::new);
    if serving.precompressed {
        // Caches must keep the encodings apart, ranges included.
        response
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
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
            if let Some(disposition) = serving.disposition {
                let value = HeaderValue::try_from(disposition).map_err(AppError::internal)?;
                headers.insert(CONTENT_DISPOSITION, value);
            }
            if let Some(media_type) = serving.media_type {
                let value = HeaderValue::try_from(media_type).map_err(AppError::internal)?;
                headers.insert(CONTENT_TYPE, value);
            }
        }
        _ => {}
    }
    Ok(response)
}
