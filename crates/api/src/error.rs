use serde::{Deserialize, Serialize};

/// The body of every non-2xx answer: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorDetail,
}

/// A machine-readable `code` and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// Set on the answers that mean "not now" (429, and 503 when the server
    /// sheds load): seconds until the same request may succeed. The same
    /// value as the `Retry-After` header, here too because a page on
    /// another origin cannot read that header unless CORS exposes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl ErrorDetail {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            retry_after_seconds: None,
        }
    }

    /// The same error, saying when to try again.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }
}

impl std::fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A rejected request field: which one, and why, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message with the field's wire name (which every message starts
    /// with) replaced by the label a form shows, e.g. "Structure steps must
    /// be…" rather than "ss_sampling_steps must be…".
    pub fn message_for(&self, label: &str) -> String {
        match self.message.strip_prefix(self.field.as_str()) {
            Some(rest) => format!("{label}{rest}"),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}
