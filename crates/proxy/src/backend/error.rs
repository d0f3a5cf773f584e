//! Why an engine could not do a job, in words the user can act on. Every
//! upstream failure (application error codes, platform statuses, network
//! trouble, broken answers) lands on exactly one variant here.

use std::{io, time::Duration};

use axum::http::StatusCode;
use trellis_api::ErrorDetail;

/// Why an engine could not do a job. The message is what the user sees on
/// the failed generation or model; it never holds credentials.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The photo has nothing the engine can model; another photo may work.
    /// Holds the engine's own advice, as a sentence.
    #[error("{0}")]
    NoSubject(String),
    /// The built-in engine failed in a way the user cannot fix; the detail
    /// goes to the log only.
    #[error("The engine failed to build the model. Try again, or try another photo.")]
    Engine(String),
    /// The GPU server refused the photo or settings (`validation_error`):
    /// the user's to fix. Holds the server's words.
    #[error("The GPU server refused this photo or these settings: {0}")]
    Rejected(String),
    /// The GPU ran out of memory (`cuda_oom`). Holds the server's advice.
    #[error("The GPU server ran out of memory. {0}")]
    OutOfMemory(String),
    /// The GPU server failed while working (`generation_error` and the
    /// like). `step` says where, `detail` is the server's message.
    #[error(
        "The GPU server failed while {step}: {detail}. Try again; if it keeps failing, try another photo or a lower resolution."
    )]
    Failed { step: &'static str, detail: String },
    /// The GPU server refused the proxy's credentials (HTTP 401).
    /// `setting` names where they came from, so the operator knows what
    /// to fix; the values themselves are never shown.
    #[error(
        "The GPU server refused the proxy's credentials (HTTP 401): they are wrong or revoked. Fix {setting}, then restart the proxy."
    )]
    Unauthorized { setting: String },
    /// The GPU server could not parse the request (HTTP 422): the proxy and
    /// the server disagree about the API.
    #[error(
        "The GPU server did not understand the request (HTTP 422: {0}). The server may run a different version than this proxy expects."
    )]
    RequestRejected(String),
    /// The GPU server answered with an HTTP error status.
    #[error("The GPU server failed with HTTP {status}. Try again in a few minutes.")]
    Status { status: u16 },
    /// The GPU server is still loading its model (FastAPI's 503).
    #[error("The GPU server is still loading its model ({0}). Try again in a minute or two.")]
    Loading(String),
    /// The GPU server could not be reached at all.
    #[error(
        "Cannot reach the GPU server: {0}. Check that it is running and that the proxy's URL setting for it is right."
    )]
    Unreachable(String),
    /// The step took longer than its time limit and was abandoned.
    #[error(
        "The GPU server did not finish {step} within {}, so the job was stopped. The server may be overloaded; try again later.",
        spoken(*limit)
    )]
    TimedOut { step: &'static str, limit: Duration },
    /// The GPU server started its answer, then sent nothing for `idle`.
    #[error(
        "The GPU server stopped sending its answer halfway (nothing for {}), so the job was stopped. Try again; if it keeps happening, the GPU server may be overloaded.",
        spoken(*idle)
    )]
    Stalled { idle: Duration },
    /// The GPU server's answer was malformed.
    #[error("The GPU server's answer was unusable: {0}. Try again.")]
    BadResponse(String),
    /// The connection broke after the request went out: the server may
    /// have done the work, but its answer is lost.
    #[error("The GPU server's answer was unusable: {0}. Try again.")]
    Broken(String),
    /// The GPU server sent a mesh that is not a valid mesh.
    #[error("The GPU server returned a broken mesh ({0}). Try again, or try another photo.")]
    BrokenMesh(String),
    /// This engine makes its one model while generating.
    #[error("This engine makes one model per generation and cannot extract others.")]
    ExtractUnsupported,
    /// The proxy could not write the results to its data directory.
    #[error(
        "The server could not write this job's files; check its data directory (free space, permissions), then try again."
    )]
    Storage(#[source] io::Error),
}

/// A time limit in words: seconds up to two minutes, then minutes.
fn spoken(limit: Duration) -> String {
    match limit.as_secs() {
        1 => "1 second".to_owned(),
        secs @ 0..120 => format!("{secs} seconds"),
        secs => format!("{} minutes", secs.div_ceil(60)),
    }
}

impl BackendError {
    /// The machine-readable code stored on the failed job.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSubject(_) => "no_subject",
            Self::Engine(_) => "engine_error",
            Self::Rejected(_) => "invalid_input",
            Self::OutOfMemory(_) => "gpu_out_of_memory",
            Self::Failed { .. } | Self::Status { .. } => "upstream_error",
            Self::Unauthorized { .. } => "upstream_unauthorized",
            Self::RequestRejected(_) => "upstream_rejected_request",
            Self::Loading(_) => "upstream_loading",
            Self::Unreachable(_) => "upstream_unreachable",
            Self::TimedOut { .. } => "upstream_timeout",
            Self::Stalled { .. } => trellis_api::codes::UPSTREAM_STALLED,
            Self::BadResponse(_) | Self::Broken(_) => "upstream_bad_response",
            Self::BrokenMesh(_) => "upstream_broken_mesh",
            Self::ExtractUnsupported => "extract_unsupported",
            Self::Storage(_) => "server_error",
        }
    }

    /// The HTTP status a synchronous request failing this way answers
    /// with: the user's fault is 422, a busy or absent GPU 503, a GPU
    /// server that failed or misbehaved 502, a timeout 504.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::NoSubject(_) | Self::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::OutOfMemory(_) | Self::Loading(_) | Self::Unreachable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Failed { .. }
            | Self::Unauthorized { .. }
            | Self::RequestRejected(_)
            | Self::Status { .. }
            | Self::BadResponse(_)
            | Self::Broken(_)
            | Self::BrokenMesh(_) => StatusCode::BAD_GATEWAY,
            Self::TimedOut { .. } | Self::Stalled { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::ExtractUnsupported => StatusCode::CONFLICT,
            Self::Engine(_) | Self::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the server never saw the request: no connection could be
    /// made. Only such a job may be sent again, elsewhere.
    pub fn never_accepted(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }

    /// Whether the failure points at the server rather than at the job: a
    /// connection that could not be made, broke, or went silent.
    pub fn is_connection_failure(&self) -> bool {
        matches!(
            self,
            Self::Unreachable(_) | Self::Broken(_) | Self::Stalled { .. }
        )
    }

    /// The error as stored on the failed job.
    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail::new(self.code(), self.to_string())
    }
}

impl From<io::Error> for BackendError {
    fn from(err: io::Error) -> Self {
        Self::Storage(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_fault_busy_gpus_and_broken_servers_get_distinct_statuses() {
        assert_eq!(
            BackendError::Rejected("x".into()).http_status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            BackendError::OutOfMemory("x".into()).http_status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let failed = BackendError::Failed {
            step: "generating",
            detail: "boom".into(),
        };
        assert_eq!(failed.http_status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn a_timeout_names_its_limit_in_minutes() {
        let err = BackendError::TimedOut {
            step: "generating",
            limit: Duration::from_secs(900),
        };
        assert!(err.to_string().contains("within 15 minutes"), "{err}");
    }
}
