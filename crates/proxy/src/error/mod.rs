//! The one error type of the HTTP API and how it becomes a response.

mod response;

use std::time::Duration;

use axum::{extract::rejection::JsonRejection, http::StatusCode};
use trellis_api::{ConversionFormat, FieldError, codes};

pub use self::response::{json_errors, log_internal_errors, method_not_allowed, no_such_endpoint};

use crate::{jobs::GenerationError, quota::Refusal, store::StoreError};

/// What `Retry-After` says when the line is full: about one job's length.
const QUEUE_FULL_RETRY_AFTER: Duration = Duration::from_secs(60);
/// What `Retry-After` says when the server sheds load: requests in flight
/// finish in well under a second, so a short pause is enough.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(2);
/// What `Retry-After` says when a conversion outlasted the wait: the
/// slowest ones take seconds more, and it carries on meanwhile.
const CONVERSION_RETRY_AFTER: Duration = Duration::from_secs(10);

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
    /// 400: a conversion setting the converter refused.
    #[error("This conversion setting is not valid: {0}")]
    InvalidOption(String),
    /// 401: the server runs in keys mode and no API key came with the request.
    #[error(
        "This server needs an API key to start work: send it as \"Authorization: Bearer <key>\". Ask the server's operator for one."
    )]
    ApiKeyRequired,
    /// 401: the API key is unknown or revoked.
    #[error(
        "This API key is not valid here: it is mistyped or was revoked. Check it, or ask the server's operator for a new one."
    )]
    ApiKeyInvalid,
    /// 401: a creator-only request without an owner token.
    #[error(
        "Only the creator of this generation can do this: send the owner token it was created with in the X-Owner-Token header."
    )]
    OwnerTokenRequired,
    /// 403: an owner token that is not this generation's.
    #[error(
        "This owner token is not this generation's: only the browser or program that created it can cancel it, delete it or make new models of it."
    )]
    NotCreator,
    /// 403: a state-changing request from another site's page.
    #[error(
        "This request came from a page of another site ({0}), which may not start or change work here. Use the Trellis Studio page itself; an operator can allow a site with --cors-origins."
    )]
    CrossSite(String),
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
    /// 404: the model has no web-optimized copy (yet, or ever).
    #[error(
        "The model \"{0}\" has no web-optimized copy: it is made a moment after the model, and some models cannot be optimized. Use the original."
    )]
    NotOptimized(String),
    /// 404: the generation has no poster (yet, or its model could not be drawn).
    #[error("This generation has no poster: it is drawn once the first model is ready.")]
    NoPoster,
    /// 404: the model has no conversion of this name.
    #[error(
        "This model has no conversion \"{0}\": only its creator can make one (POST …/conversions). See GET …/conversions for the ones that exist."
    )]
    ConversionNotFound(String),
    /// 404: the engine cannot show its cut-out before a job.
    #[error(
        "This server's engine removes the background inside the job, so it cannot preview the cut-out."
    )]
    NoCutoutPreview,
    /// 404: a file the generation lists is missing from the disk.
    #[error("This file is missing from the server; it may have just been removed.")]
    FileMissing,
    /// 404: no file of the web app at this path.
    #[error("The web app has no file at this path.")]
    AssetNotFound,
    /// 404: no API endpoint at this path.
    #[error("There is no API endpoint at this path; see GET /api/health for a working one.")]
    NoSuchEndpoint,
    /// 405: the endpoint exists but not with this method.
    #[error("This endpoint does not accept that HTTP method.")]
    MethodNotAllowed,
    /// 408: the upload stalled.
    #[error(
        "The upload stopped arriving, so it was abandoned; check the connection and send it again."
    )]
    UploadStalled,
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
    /// 410: the generation was removed when its retention ran out.
    #[error(
        "This model has expired: the server keeps generations for a limited time, and this one was removed. Generate it again from the photo."
    )]
    Expired,
    /// 410: the generation was removed by its creator.
    #[error("This model was deleted by its creator.")]
    Deleted,
    /// 413: the body or the image inside it is over a size limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: neither multipart nor JSON where one was required.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    /// 416: a byte range outside the file.
    #[error("The requested byte range is outside the file.")]
    RangeNotSatisfiable,
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
    /// 422: the model cannot be converted to this format; the converter's reason.
    #[error("This model cannot be converted to {}: {reason}.", format_name(*.format))]
    Unconvertible {
        format: ConversionFormat,
        reason: String,
    },
    /// 429: a per-client limit or the engine's daily budget was reached.
    #[error("{0}")]
    TooMany(Refusal),
    /// 503: the line of waiting jobs is full.
    #[error("The queue of waiting jobs is full; try again in a minute.")]
    QueueFull,
    /// 503: too many requests at once; the server sheds load.
    #[error("The server is too busy to answer right now; try again in a few seconds.")]
    ServerBusy,
    /// 503: the conversion outlasted the wait; it carries on.
    #[error(
        "The conversion is taking longer than this server waits for an answer. It carries on: ask again in a few seconds."
    )]
    ConversionTimedOut,
    /// 503: the web app is not built.
    #[error("The web app is not built yet; run scripts/serve, which builds it.")]
    AppNotBuilt,
    /// Any other 4xx a layer made without a body of ours (a safety net: see
    /// [`json_errors`]).
    #[error("The server refused this request (HTTP {0}).")]
    Refused(StatusCode),
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
            | Self::InvalidQuery(_)
            | Self::InvalidOption(_) => StatusCode::BAD_REQUEST,
            Self::ApiKeyRequired | Self::ApiKeyInvalid | Self::OwnerTokenRequired => {
                StatusCode::UNAUTHORIZED
            }
            Self::NotCreator | Self::CrossSite(_) => StatusCode::FORBIDDEN,
            Self::NotFound
            | Self::ModelNotFound(_)
            | Self::NoVideo
            | Self::NotOptimized(_)
            | Self::NoPoster
            | Self::ConversionNotFound(_)
            | Self::NoCutoutPreview
            | Self::FileMissing
            | Self::AssetNotFound
            | Self::NoSuchEndpoint => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UploadStalled => StatusCode::REQUEST_TIMEOUT,
            Self::NotFinished
            | Self::GenerationFailed
            | Self::GenerationCancelled
            | Self::AlreadyFinished
            | Self::ExtractUnsupported => StatusCode::CONFLICT,
            Self::Expired | Self::Deleted => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidBody(_)
            | Self::InvalidField(_)
            | Self::MissingImage
            | Self::InvalidImage(_)
            | Self::ImageTooLarge { .. }
            | Self::NoSubject(_)
            | Self::Unconvertible { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::QueueFull | Self::ServerBusy | Self::AppNotBuilt | Self::ConversionTimedOut => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Refused(status) => *status,
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
            Self::InvalidOption(_) => "invalid_option",
            Self::NotOptimized(_) => "not_optimized",
            Self::NoPoster => "no_poster",
            Self::ConversionNotFound(_) => "conversion_not_found",
            Self::Unconvertible { .. } => codes::MODEL_UNCONVERTIBLE,
            Self::ConversionTimedOut => codes::CONVERSION_TIMED_OUT,
            Self::ApiKeyRequired => codes::API_KEY_REQUIRED,
            Self::ApiKeyInvalid => codes::API_KEY_INVALID,
            Self::OwnerTokenRequired => codes::OWNER_TOKEN_REQUIRED,
            Self::NotCreator => codes::NOT_CREATOR,
            Self::CrossSite(_) => codes::CROSS_SITE_REQUEST,
            Self::NotFound => "not_found",
            Self::FileMissing => "file_missing",
            Self::AssetNotFound => "asset_not_found",
            Self::UploadStalled => "upload_stalled",
            Self::Expired => codes::GENERATION_EXPIRED,
            Self::Deleted => codes::GENERATION_DELETED,
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::TooMany(refusal) => match refusal {
                Refusal::GenerationsPerHour { .. } => codes::GENERATION_RATE_LIMITED,
                Refusal::Waiting { .. } => codes::TOO_MANY_WAITING,
                Refusal::Extractions { .. } => codes::EXTRACTION_LIMIT,
                Refusal::Conversions { .. } => codes::CONVERSION_LIMIT,
                Refusal::GpuBudget { .. } => codes::GPU_BUDGET_SPENT,
                Refusal::Streams { .. } => codes::TOO_MANY_STREAMS,
            },
            Self::ServerBusy => codes::SERVER_BUSY,
            Self::AppNotBuilt => "app_not_built",
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
            Self::QueueFull => codes::QUEUE_FULL,
            Self::Refused(_) => "request_refused",
            Self::Internal(_) => "internal_error",
        }
    }

    /// When the same request may succeed, for `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::TooMany(refusal) => refusal.retry_after(),
            Self::QueueFull => Some(QUEUE_FULL_RETRY_AFTER),
            Self::ServerBusy => Some(BUSY_RETRY_AFTER),
            Self::ConversionTimedOut => Some(CONVERSION_RETRY_AFTER),
            _ => None,
        }
    }
}

/// A format as people name it.
fn format_name(format: ConversionFormat) -> &'static str {
    match format {
        ConversionFormat::Usdz => "USDZ",
        ConversionFormat::Stl => "STL",
        ConversionFormat::Obj => "OBJ",
    }
}

impl From<crate::id::InvalidId> for AppError {
    fn from(_: crate::id::InvalidId) -> Self {
        Self::InvalidId
    }
}

impl From<GenerationError> for AppError {
    fn from(err: GenerationError) -> Self {
        match err {
            GenerationError::NotFound => Self::NotFound,
            GenerationError::Expired => Self::Expired,
            GenerationError::Deleted => Self::Deleted,
            GenerationError::ModelNotFound(variant) => Self::ModelNotFound(variant),
            GenerationError::NoVideo => Self::NoVideo,
            GenerationError::NoPoster => Self::NoPoster,
            GenerationError::NotOptimized(variant) => Self::NotOptimized(variant),
            GenerationError::ConversionNotFound(file) => Self::ConversionNotFound(file),
            GenerationError::NotFinished => Self::NotFinished,
            GenerationError::Failed => Self::GenerationFailed,
            GenerationError::Cancelled => Self::GenerationCancelled,
            GenerationError::AlreadyFinished => Self::AlreadyFinished,
            GenerationError::ExtractUnsupported => Self::ExtractUnsupported,
            GenerationError::OwnerTokenRequired => Self::OwnerTokenRequired,
            GenerationError::NotCreator => Self::NotCreator,
            GenerationError::QueueFull => Self::QueueFull,
            GenerationError::ConversionTimedOut => Self::ConversionTimedOut,
            GenerationError::Unconvertible { format, reason } => {
                Self::Unconvertible { format, reason }
            }
            GenerationError::InvalidOption(reason) => Self::InvalidOption(reason),
            GenerationError::TooMany(refusal) => Self::TooMany(refusal),
            GenerationError::Internal(source) => Self::Internal(source),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        Self::TooMany(refusal)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        Self::internal(err)
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
