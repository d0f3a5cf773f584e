//! The one error type of the HTTP API and how it becomes a response.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, rejection::JsonRejection},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use trellis_api::{ApiError, ErrorDetail, FieldError};

/// `Result` with [`AppError`] as the default error.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The error source of an internal failure; boxed because the sources are
/// many (I/O, task joins, encoders) and none is ever shown to the client.
pub type InternalSource = Box<dyn std::error::Error + Send + Sync>;

/// Everything an API request can fail with. Each variant's status is named
/// in its doc comment; the body is always `trellis_api::ApiError`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body is not well-formed JSON (or not a JSON object).
    #[error("The request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// 400: the multipart body is malformed.
    #[error("The multipart form could not be read: {0}")]
    InvalidMultipart(String),
    /// 400: the id in the URL is not a generation id at all.
    #[error("This is not a generation id: ids are 32 characters of 0-9 and a-f. Check the link.")]
    InvalidId,
    /// 400: the query string does not fit the endpoint.
    #[error("The query string is not valid here: {0}")]
    InvalidQuery(String),
    /// 403: removing a generation without its creator's delete token.
    #[error("Only the browser or program that created this generation can delete it.")]
    NotCreator,
    /// 404: no generation has this id.
    #[error(
        "No generation has this id. It may have been made on another server, or the link is incomplete."
    )]
    NotFound,
    /// 404: the generation has no finished model with this name.
    #[error(
        "This generation has no finished model \"{0}\". Extract it first with POST extract_glb."
    )]
    ModelNotFound(String),
    /// 404: the generation has no preview video (yet, or its engine makes none).
    #[error(
        "This generation has no preview video: the engine makes none, or it is not generated yet."
    )]
    NoVideo,
    /// 404: the engine cannot show its cut-out before a job.
    #[error(
        "This server's engine removes the background inside the job, so it cannot preview the cut-out."
    )]
    NoCutoutPreview,
    /// 404: no API endpoint at this path.
    #[error("There is no API endpoint at this path; see GET /api/health for a working one.")]
    NoSuchEndpoint,
    /// 405: the endpoint exists but not with this method.
    #[error("This endpoint does not accept that HTTP method.")]
    MethodNotAllowed,
    /// 409: models can only be extracted once generation has succeeded.
    #[error(
        "This generation is not finished yet; extract more models once its status is succeeded."
    )]
    NotFinished,
    /// 409: the generation failed, so there is nothing to extract from.
    #[error(
        "This generation failed, so it has no 3D result to extract a model from. Generate again."
    )]
    GenerationFailed,
    /// 409: the generation was cancelled, so there is nothing to extract from.
    #[error(
        "This generation was cancelled, so it has no 3D result to extract a model from. Generate again."
    )]
    GenerationCancelled,
    /// 409: cancelling a generation that already finished with nothing pending.
    #[error(
        "This generation already finished and has nothing pending; there is nothing to cancel."
    )]
    AlreadyFinished,
    /// 409: the engine makes one model per generation and cannot extract more.
    #[error(
        "This engine makes one model per generation and cannot extract others; generate again with other settings instead."
    )]
    ExtractUnsupported,
    /// 413: the body or the image inside it is over a size limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: neither multipart nor JSON where one was required.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    /// 422: a well-formed JSON body of the wrong shape (serde's words).
    #[error("{0}")]
    InvalidBody(String),
    /// 422: one field has a bad value (the shared validation's words).
    #[error("{0}")]
    InvalidField(#[from] FieldError),
    /// 422: the generate request has no image.
    #[error(
        "Add the photo as the \"image\" field: a file part in multipart/form-data, or base64 text in JSON."
    )]
    MissingImage,
    /// 422: the upload is not a readable image.
    #[error("{0}")]
    InvalidImage(String),
    /// 422: the image is wider or taller than the engines accept.
    #[error(
        "The image is {width}×{height} pixels; the limit is {max} on each side. Scale it down and try again."
    )]
    ImageTooLarge { width: u32, height: u32, max: u32 },
    /// 422: the engine finds no subject in the photo. Holds its advice.
    #[error("{0}")]
    NoSubject(String),
    /// 503: the line of waiting jobs is full.
    #[error("The queue is full ({max} jobs are waiting); try again later.", max = crate::jobs::MAX_WAITING)]
    QueueFull,
    /// 500: a bug or a broken server; the source is logged, never sent.
    #[error(
        "Something went wrong on the server; it has been logged. Try again, and report it if it keeps happening."
    )]
    Internal(#[source] InternalSource),
}

impl AppError {
    /// Wraps any error as an internal one.
    pub fn internal(source: impl Into<InternalSource>) -> Self {
        Self::Internal(source.into())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidJson(_)
            | Self::InvalidMultipart(_)
            | Self::InvalidId
            | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::NotCreator => StatusCode::FORBIDDEN,
            Self::NotFound
            | Self::ModelNotFound(_)
            | Self::NoVideo
            | Self::NoCutoutPreview
            | Self::NoSuchEndpoint => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFinished
            | Self::GenerationFailed
            | Self::GenerationCancelled
            | Self::AlreadyFinished
            | Self::ExtractUnsupported => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidBody(_)
            | Self::InvalidField(_)
            | Self::MissingImage
            | Self::InvalidImage(_)
            | Self::ImageTooLarge { .. }
            | Self::NoSubject(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::QueueFull => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable `code` of the error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson(_) => "invalid_json",
            Self::InvalidMultipart(_) => "invalid_multipart",
            Self::InvalidId => "invalid_id",
            Self::InvalidQuery(_) => "invalid_query",
            Self::NotCreator => "not_creator",
            Self::NotFound => "not_found",
            Self::ModelNotFound(_) => "model_not_found",
            Self::NoVideo => "no_video",
            Self::NoCutoutPreview => "no_cutout_preview",
            Self::NoSuchEndpoint => "no_such_endpoint",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotFinished => "not_finished",
            Self::GenerationFailed => "generation_failed",
            Self::GenerationCancelled => "generation_cancelled",
            Self::AlreadyFinished => "already_finished",
            Self::ExtractUnsupported => "extract_unsupported",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::InvalidBody(_) => "invalid_body",
            Self::InvalidField(_) => "invalid_field",
            Self::MissingImage => "missing_image",
            Self::InvalidImage(_) => "invalid_image",
            Self::ImageTooLarge { .. } => "image_too_large",
            Self::NoSubject(_) => "no_subject",
            Self::QueueFull => "queue_full",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(err)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::internal(err)
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => Self::InvalidBody(format!(
                "The request body has the wrong shape: {}",
                serde_words(&err, err.body_text())
            )),
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType(
                "Send this body as JSON with Content-Type: application/json.",
            ),
            JsonRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::PayloadTooLarge(err.body_text())
            }
            JsonRejection::JsonSyntaxError(err) => {
                Self::InvalidJson(serde_words(&err, err.body_text()))
            }
            // Unreadable bodies, and variants axum may add later (the enum
            // is non-exhaustive), are all "bad JSON".
            other => Self::InvalidJson(other.body_text()),
        }
    }
}

/// serde's own words (path, line and column) without axum's preamble.
fn serde_words(err: &dyn std::error::Error, fallback: String) -> String {
    err.source().map_or(fallback, ToString::to_string)
}

/// The source of a 500, carried from the response to [`log_internal_errors`]
/// so that turning an error into a response has no side effect.
#[derive(Clone, Debug)]
struct LoggedSource(Arc<InternalSource>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ApiError {
            error: ErrorDetail::new(self.code(), self.to_string()),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::Internal(source) = self {
            response
                .extensions_mut()
                .insert(LoggedSource(Arc::new(source)));
        }
        response
    }
}

/// Middleware that logs the hidden source of every 500, inside the request's
/// trace span, so the log line carries the method and path.
pub async fn log_internal_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(LoggedSource(source)) = response.extensions().get::<LoggedSource>() {
        tracing::error!(error = %source, "request failed");
    }
    response
}

/// The fallback for unknown `/api` paths, in the API's error shape.
pub async fn no_such_endpoint() -> AppError {
    AppError::NoSuchEndpoint
}

/// The fallback for known paths called with the wrong method.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
