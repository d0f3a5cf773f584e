//! Why a request about a generation cannot be answered. The words people
//! read and the HTTP status of each are the HTTP layer's (`AppError`, which
//! maps every variant); these only name what happened, for it and the log.

use trellis_api::ConversionFormat;

use crate::{quota::Refusal, store::StoreError};

/// The source of an internal failure; boxed because the sources are many
/// (I/O, the records, task joins) and none is ever shown to the client.
pub type InternalSource = Box<dyn std::error::Error + Send + Sync>;

/// Everything a request about a generation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("no generation has this id")]
    NotFound,
    #[error("the generation was removed when its retention ran out")]
    Expired,
    #[error("the generation was deleted by its creator")]
    Deleted,
    #[error("the generation has no finished model \"{0}\"")]
    ModelNotFound(String),
    #[error("the generation has no preview video")]
    NoVideo,
    #[error("the generation has no poster")]
    NoPoster,
    #[error("the model \"{0}\" has no web-optimized copy")]
    NotOptimized(String),
    #[error("the model has no conversion \"{0}\"")]
    ConversionNotFound(String),
    #[error("the generation is not finished yet")]
    NotFinished,
    #[error("the generation failed")]
    Failed,
    #[error("the generation was cancelled")]
    Cancelled,
    #[error("the generation already finished with nothing pending")]
    AlreadyFinished,
    #[error("the engine makes one model per generation")]
    ExtractUnsupported,
    #[error("no owner token came with a creator-only request")]
    OwnerTokenRequired,
    #[error("the owner token is not this generation's")]
    NotCreator,
    #[error("the line of waiting jobs is full")]
    QueueFull,
    #[error("the conversion outlasted the wait")]
    ConversionTimedOut,
    #[error("the model cannot be converted: {reason}")]
    Unconvertible {
        format: ConversionFormat,
        reason: String,
    },
    #[error("the converter refused a setting: {0}")]
    InvalidOption(String),
    #[error("{0}")]
    TooMany(Refusal),
    #[error("{0}")]
    Internal(#[source] InternalSource),
}

impl GenerationError {
    /// Wraps any error as an internal one.
    pub fn internal(source: impl Into<InternalSource>) -> Self {
        Self::Internal(source.into())
    }
}

impl From<Refusal> for GenerationError {
    fn from(refusal: Refusal) -> Self {
        Self::TooMany(refusal)
    }
}

impl From<StoreError> for GenerationError {
    fn from(err: StoreError) -> Self {
        Self::internal(err)
    }
}

impl From<std::io::Error> for GenerationError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(err)
    }
}
