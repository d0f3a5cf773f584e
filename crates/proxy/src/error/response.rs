//! How an [`AppError`] becomes an answer, and the layers that make sure
//! every error answer is one: JSON in the API's shape, with `Retry-After`
//! when waiting helps, and 500s logged with their hidden source.

use std::{sync::Arc, time::Duration};

use axum::{
    Json,
    extract::Request,
    http::{
        HeaderValue, StatusCode,
        header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use trellis_api::{ApiError, ErrorDetail};

use super::{AppError, InternalSource};

/// Whole seconds for `Retry-After`, rounded up so a client never comes back
/// a moment too early.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The source of a 500, carried from the response to [`log_internal_errors`]
/// so that turning an error into a response has no side effect.
#[derive(Clone, Debug)]
struct LoggedSource(Arc<InternalSource>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after().map(whole_seconds);
        let mut error = ErrorDetail::new(self.code(), self.to_string());
        if let Some(seconds) = retry_after {
            error = error.retry_after(seconds);
        }
        let mut response = (status, Json(ApiError { error })).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, Self::ApiKeyRequired | Self::ApiKeyInvalid) {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
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

/// Middleware that gives every error the API's JSON shape, whatever layer
/// made it (a file server's 405, a body limit's 413): a safety net under
/// the handlers, which answer in that shape themselves. Headers such as
/// `Allow` and `Content-Range` are kept. A page (the share page's 404 and
/// 410) is already written for a person and is left alone.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let written = response.headers().get(CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        value.starts_with(b"application/json") || (!api && value.starts_with(b"text/html"))
    });
    if !(status.is_client_error() || status.is_server_error()) || written {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND if api => AppError::NoSuchEndpoint,
        StatusCode::NOT_FOUND => AppError::AssetNotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => AppError::UploadStalled,
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("The request body is too large for this endpoint.".to_owned())
        }
        StatusCode::RANGE_NOT_SATISFIABLE => AppError::RangeNotSatisfiable,
        status if status.is_client_error() => AppError::Refused(status),
        status => AppError::internal(format!("a layer answered {status} without a body")),
    };
    let (mut parts, _) = response.into_parts();
    let (ours, body) = error.into_response().into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.extend(ours.headers);
    parts.extensions.extend(ours.extensions);
    Response::from_parts(parts, body)
}

/// The fallback for unknown `/api` paths, in the API's error shape.
pub async fn no_such_endpoint() -> AppError {
    AppError::NoSuchEndpoint
}

/// The fallback for known paths called with the wrong method.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
