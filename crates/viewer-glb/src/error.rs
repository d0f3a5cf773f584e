//! Why a GLB cannot be shown, in words for the person who opened it.

use serde::{Deserialize, Serialize};

use crate::limits::MAX_TEXTURE_SIDE;

/// Why a GLB file cannot be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum GlbError {
    /// The bytes do not start with the GLB magic.
    #[error("this is not a GLB file (it does not start with \"glTF\")")]
    NotGlb,
    /// A container version other than 2.
    #[error("GLB version {0} is not supported; only glTF 2.0 is")]
    Version(u32),
    /// The file is shorter than its header or a chunk claims.
    #[error("the file is cut off: it needs {expected} bytes but has {actual}")]
    Truncated { expected: usize, actual: usize },
    /// The JSON or a reference in it is inconsistent.
    #[error("the file is damaged: {0}")]
    Malformed(String),
    /// A valid glTF feature this viewer does not handle.
    #[error("the file uses {0}, which this viewer does not support")]
    Unsupported(String),
    /// An embedded image larger than [`MAX_TEXTURE_SIDE`].
    #[error(
        "a texture is {width}×{height} pixels; the viewer shows at most \
         {MAX_TEXTURE_SIDE}×{MAX_TEXTURE_SIDE}"
    )]
    TextureTooLarge { width: u32, height: u32 },
}

impl From<trellis_glb::GlbError> for GlbError {
    fn from(error: trellis_glb::GlbError) -> Self {
        use trellis_glb::GlbError as Glb;
        match error {
            Glb::NotGlb => GlbError::NotGlb,
            Glb::Version(version) => GlbError::Version(version),
            Glb::Truncated { expected, actual } => GlbError::Truncated { expected, actual },
            Glb::Json(why) => GlbError::Malformed(format!("its JSON {why}")),
            Glb::Malformed(why) => GlbError::Malformed(why),
            Glb::Unsupported(what) => GlbError::Unsupported(what),
            Glb::TooLarge { bytes } => {
                GlbError::Unsupported(format!("{bytes} bytes of data, more than a GLB can hold"))
            }
            Glb::Meshopt { view, error } => GlbError::Malformed(format!(
                "its compressed buffer view {view} does not decode ({error})"
            )),
        }
    }
}

/// A [`GlbError::Malformed`] saying `what`.
pub(crate) fn malformed(what: impl Into<String>) -> GlbError {
    GlbError::Malformed(what.into())
}
