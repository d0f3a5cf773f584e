//! One error type for every conversion, sorted by whose problem it is: the
//! GLB's (the caller answers 422 with [`ConvertError::to_string`] as the
//! reason), the caller's options (400), or ours (500, logged, never shown).

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The bytes are not a glTF binary at all, or the container is cut short.
    #[error("not a GLB file: {0}")]
    NotGlb(String),
    /// The glTF document breaks the specification (bad JSON, an index out of
    /// range, an accessor outside its buffer, a non-finite position…).
    #[error("invalid glTF: {0}")]
    InvalidGltf(String),
    /// Valid glTF that uses something the converter does not read (a
    /// required extension, an external file, compressed geometry).
    #[error("unsupported glTF: {0}")]
    Unsupported(String),
    /// Nothing to convert: no triangles in the scene.
    #[error("the model has no triangle mesh")]
    NoMesh,
    /// An input or output exceeds one of the limits in [`crate::limits`].
    #[error("{what} is {actual}, more than the limit of {limit}")]
    TooLarge {
        /// What was measured, e.g. "the GLB size in bytes".
        what: &'static str,
        /// The measured value.
        actual: u64,
        /// The limit it broke.
        limit: u64,
    },
    /// A texture the model uses cannot be decoded.
    #[error("texture image {image} cannot be read: {reason}")]
    BadTexture {
        /// The glTF `images` index.
        image: usize,
        /// What the decoder said.
        reason: String,
    },
    /// A conversion option is out of range (the caller's mistake, not the
    /// model's).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// Our own failure (an encoder or archive writer refusing in-memory
    /// data). Not the user's to act on: log it, answer 500.
    #[error("conversion failed: {0}")]
    Internal(String),
}

/// Whose problem an error is, for the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The stored GLB cannot be converted: 422 with the message as reason.
    UnprocessableModel,
    /// The request's options are wrong: 400.
    BadRequest,
    /// A bug or resource failure on our side: 500.
    Internal,
}

impl ConvertError {
    /// Which status family the error belongs to; exhaustive, so a new
    /// variant must be classified here.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::NotGlb(_)
            | Self::InvalidGltf(_)
            | Self::Unsupported(_)
            | Self::NoMesh
            | Self::TooLarge { .. }
            | Self::BadTexture { .. } => ErrorClass::UnprocessableModel,
            Self::InvalidOption(_) => ErrorClass::BadRequest,
            Self::Internal(_) => ErrorClass::Internal,
        }
    }

    /// A stable machine-readable code for `{"error":{"code","message"}}`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotGlb(_) => "not_glb",
            Self::InvalidGltf(_) => "invalid_gltf",
            Self::Unsupported(_) => "unsupported_gltf",
            Self::NoMesh => "no_mesh",
            Self::TooLarge { .. } => "too_large",
            Self::BadTexture { .. } => "bad_texture",
            Self::InvalidOption(_) => "invalid_option",
            Self::Internal(_) => "conversion_failed",
        }
    }

    pub(crate) fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{context}: {error}"))
    }
}

/// Checks `actual <= limit`, naming the quantity in the error.
pub(crate) fn within(what: &'static str, actual: u64, limit: u64) -> Result<(), ConvertError> {
    if actual > limit {
        return Err(ConvertError::TooLarge {
            what,
            actual,
            limit,
        });
    }
    Ok(())
}
