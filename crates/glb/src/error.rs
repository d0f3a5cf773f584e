//! Why bytes are not a usable GLB. The messages are written for the person
//! who dropped the file, so a viewer can show them as they are.

use std::fmt;

use crate::meshopt::MeshoptError;

/// Why a GLB cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlbError {
    /// The bytes do not start with the GLB magic "glTF".
    NotGlb,
    /// A container version other than 2.
    Version(u32),
    /// The file is shorter than its header or a chunk claims.
    Truncated { expected: usize, actual: usize },
    /// The JSON chunk is not a JSON object.
    Json(String),
    /// The framing, or a reference in the JSON, is inconsistent.
    Malformed(String),
    /// A valid glTF feature this crate does not handle.
    Unsupported(String),
    /// The file would be larger than the 4 GiB a GLB's u32 lengths allow.
    TooLarge { bytes: usize },
    /// An `EXT_meshopt_compression` buffer view does not decode.
    Meshopt { view: usize, error: MeshoptError },
}

impl fmt::Display for GlbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlbError::NotGlb => write!(
                f,
                "this is not a GLB file (it does not start with \"glTF\")"
            ),
            GlbError::Version(version) => write!(
                f,
                "GLB version {version} is not supported; only glTF 2.0 is"
            ),
            GlbError::Truncated { expected, actual } => write!(
                f,
                "the file is cut off: it needs {expected} bytes but has {actual}"
            ),
            GlbError::Json(why) => write!(f, "the file is damaged: its JSON {why}"),
            GlbError::Malformed(why) => write!(f, "the file is damaged: {why}"),
            GlbError::Unsupported(what) => {
                write!(f, "the file uses {what}, which is not supported")
            }
            GlbError::TooLarge { bytes } => write!(
                f,
                "the model would take {bytes} bytes, more than a GLB can hold (4 GiB)"
            ),
            GlbError::Meshopt { view, error } => write!(
                f,
                "the file is damaged: its compressed buffer view {view} does not decode ({error})"
            ),
        }
    }
}

impl std::error::Error for GlbError {}

/// A [`GlbError::Malformed`] with `why`.
pub(crate) fn malformed(why: impl Into<String>) -> GlbError {
    GlbError::Malformed(why.into())
}
