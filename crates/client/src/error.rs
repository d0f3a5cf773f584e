//! The one error type of the client, and how it is classified.

use std::{io, path::PathBuf};

use reqwest::{StatusCode, Url};
use trellis_api::{ErrorDetail, FieldError};

/// The code the proxy gives a rejected field. Local validation reports it
/// too, so a script sees one code whichever side caught the mistake.
const INVALID_FIELD_CODE: &str = "invalid_field";

/// Which job a failure or cancellation belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A generation, by id.
    Generation(String),
    /// One extracted model of a generation, by variant name.
    Model(String),
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Generation(id) => write!(f, "generation {id}"),
            Self::Model(variant) => write!(f, "model {variant}"),
        }
    }
}

/// Everything a call can fail with.
///
/// The variants fall in four groups, which the `is_*` methods name: the
/// caller's mistakes (caught locally or refused by the proxy with a 4xx),
/// transport failures (no answer), server failures (5xx, or an answer that
/// is not the Trellis API), and jobs that ran and failed or were cancelled.
/// The proxy's `code` and `message` are kept as sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client settings are unusable: the server URL or the user agent.
    #[error("{0}")]
    Config(String),
    /// A request value is out of range. Caught before anything is sent,
    /// by the same rules and in the same words as the proxy.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The image file could not be read.
    #[error("cannot read the image {}: {source}", path.display())]
    ReadImage {
        /// The file that was asked for.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: io::Error,
    },
    /// No connection to the server could be made: it is not running, or
    /// the URL points at the wrong host or port.
    #[error("cannot reach the Trellis server at {server}: {}", root_cause(source))]
    Unreachable {
        /// The server's base URL.
        server: Url,
        /// What the connection attempt ran into.
        #[source]
        source: reqwest::Error,
    },
    /// The server accepted the connection but did not answer in time.
    #[error(
        "the Trellis server at {server} did not answer in time ({})",
        root_cause(source)
    )]
    TimedOut {
        /// The server's base URL.
        server: Url,
        /// The timeout, as reported by the HTTP stack.
        #[source]
        source: reqwest::Error,
    },
    /// The connection broke in the middle of an exchange.
    #[error(
        "the connection to the Trellis server at {server} broke: {}",
        root_cause(source)
    )]
    Disconnected {
        /// The server's base URL.
        server: Url,
        /// What broke.
        #[source]
        source: reqwest::Error,
    },
    /// The progress stream closed before the job finished, as it does when
    /// the server shuts down. The job itself may still be running.
    #[error(
        "the Trellis server at {server} closed the progress stream of {job} before it finished"
    )]
    StreamEnded {
        /// The server's base URL.
        server: Url,
        /// The job that was being followed.
        job: Job,
    },
    /// The proxy refused the request (HTTP 4xx): a mistake in it, or a job
    /// in a state that does not allow it. The message is the proxy's own.
    #[error("{}", detail.message)]
    Rejected {
        /// The HTTP status.
        status: StatusCode,
        /// The proxy's `code` and `message`.
        detail: ErrorDetail,
    },
    /// The proxy, or a gateway in front of it, failed (HTTP 5xx).
    #[error("the Trellis server failed: {}", detail.message)]
    Server {
        /// The HTTP status.
        status: StatusCode,
        /// The proxy's `code` and `message`, or a description of the
        /// answer when it had no Trellis error body.
        detail: ErrorDetail,
    },
    /// The answer is not one the Trellis API gives: the URL points at
    /// another kind of server, or at an incompatible version.
    #[error("the server at {url} did not answer like a Trellis server: {reason}")]
    Protocol {
        /// The URL that was called.
        url: Url,
        /// What was wrong with the answer.
        reason: String,
    },
    /// A job ran and failed. The detail is the engine's (or the GPU
    /// server's) own code and message.
    #[error("{job} failed: {}", detail.message)]
    Failed {
        /// The job that failed.
        job: Job,
        /// Why, as the server recorded it.
        detail: ErrorDetail,
    },
    /// A job was cancelled before it finished.
    #[error("{job} was cancelled")]
    Cancelled {
        /// The job that was cancelled.
        job: Job,
    },
    /// The writer given to [`download_glb`](crate::GenerationHandle::download_glb)
    /// failed.
    #[error("cannot write the model: {0}")]
    Write(#[source] io::Error),
}

impl Error {
    /// A machine-readable code: the proxy's or the engine's `code` when the
    /// error came from the server, otherwise a fixed word for the variant.
    pub fn code(&self) -> &str {
        match self {
            Self::Config(_) => "invalid_config",
            Self::Invalid(_) => INVALID_FIELD_CODE,
            Self::ReadImage { .. } => "unreadable_image",
            Self::Unreachable { .. } => "unreachable",
            Self::TimedOut { .. } => "timeout",
            Self::Disconnected { .. } => "disconnected",
            Self::StreamEnded { .. } => "stream_ended",
            Self::Rejected { detail, .. }
            | Self::Server { detail, .. }
            | Self::Failed { detail, .. } => &detail.code,
            Self::Protocol { .. } => "protocol",
            Self::Cancelled { .. } => "cancelled",
            Self::Write(_) => "write_failed",
        }
    }

    /// How long to wait before the same call may succeed, when the server
    /// said (a 429 over a limit, a 503 while it sheds load).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Rejected { detail, .. } | Self::Server { detail, .. } => detail
                .retry_after_seconds
                .map(std::time::Duration::from_secs),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Rejected { status, .. } | Self::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The caller's mistake: bad settings, an unreadable image, or a
    /// request the proxy refused (4xx). Sending it again unchanged fails
    /// again.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::Config(_) | Self::Invalid(_) | Self::ReadImage { .. } | Self::Rejected { .. }
        )
    }

    /// No usable answer arrived: the server is unreachable, slow, or the
    /// connection broke.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. }
                | Self::TimedOut { .. }
                | Self::Disconnected { .. }
                | Self::StreamEnded { .. }
        )
    }

    /// The server answered, and failed (5xx) or answered nonsense.
    pub fn is_server_error(&self) -> bool {
        matches!(self, Self::Server { .. } | Self::Protocol { .. })
    }

    /// Whether making the same call again, unchanged, may succeed later.
    ///
    /// True for transport failures and for statuses that mean "not now"
    /// (408, 429, 502, 503, 504). False for everything deterministic: a
    /// 500 from the proxy is a bug that repeats, and a failed job fails the
    /// same way if waited on again.
    ///
    /// The client never retries on its own. Be careful with
    /// [`Client::generate`](crate::Client::generate): only
    /// [`Error::Unreachable`] proves that nothing was submitted; after a
    /// timeout or a broken connection the job may be queued already, and
    /// submitting again starts a second one.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. }
            | Self::TimedOut { .. }
            | Self::Disconnected { .. }
            | Self::StreamEnded { .. } => true,
            Self::Rejected { status, .. } | Self::Server { status, .. } => matches!(
                *status,
                StatusCode::REQUEST_TIMEOUT
                    | StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            Self::Config(_)
            | Self::Invalid(_)
            | Self::ReadImage { .. }
            | Self::Protocol { .. }
            | Self::Failed { .. }
            | Self::Cancelled { .. }
            | Self::Write(_) => false,
        }
    }

    /// Classifies a failed exchange with the server at `server`.
    pub(crate) fn transport(server: &Url, source: reqwest::Error) -> Self {
        let server = server.clone();
        if source.is_builder() {
            // Only client settings can make a request unbuildable.
            Self::Config(format!("cannot build a request: {}", root_cause(&source)))
        } else if source.is_connect() {
            Self::Unreachable { server, source }
        } else if source.is_timeout() {
            Self::TimedOut { server, source }
        } else {
            Self::Disconnected { server, source }
        }
    }
}

/// The innermost error in a chain: for a refused connection that is the
/// OS's "Connection refused", where reqwest's own text only says "error
/// sending request".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: StatusCode) -> Error {
        Error::Rejected {
            status,
            detail: ErrorDetail::new("some_code", "Some message."),
        }
    }

    #[test]
    fn the_proxy_code_and_message_are_kept_as_sent() {
        let err = rejected(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.code(), "some_code");
        assert_eq!(err.to_string(), "Some message.");
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(err.is_user_error() && !err.is_retryable());
    }

    #[test]
    fn local_validation_uses_the_proxy_code_for_a_bad_field() {
        let err = Error::from(FieldError::new("seed", "seed must be…"));
        assert_eq!(err.code(), "invalid_field");
        assert!(err.is_user_error());
    }

    #[test]
    fn only_not_now_statuses_are_retryable() {
        for status in [
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ] {
            assert!(rejected(status).is_retryable(), "{status}");
        }
        let internal = Error::Server {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: ErrorDetail::new("internal_error", "Something went wrong."),
        };
        assert!(!internal.is_retryable() && internal.is_server_error());
        assert!(!rejected(StatusCode::NOT_FOUND).is_retryable());
    }

    #[test]
    fn a_failed_job_names_the_job_and_is_not_retryable() {
        let err = Error::Failed {
            job: Job::Model("1000-512".to_owned()),
            detail: ErrorDetail::new("engine_error", "The engine failed."),
        };
        assert_eq!(err.to_string(), "model 1000-512 failed: The engine failed.");
        assert_eq!(err.code(), "engine_error");
        assert!(!err.is_retryable());
    }
}
