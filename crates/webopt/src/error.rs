//! Why a GLB could not be web-optimized. The proxy keeps the original and
//! skips the optimized copy on any of these, so each says what to fix.

use trellis_glb::GlbError;

#[derive(Debug, thiserror::Error)]
pub enum WebOptError {
    /// The input is not a readable GLB.
    #[error("the model is not a readable GLB: {0}")]
    Glb(#[from] GlbError),
    /// A valid glTF feature the optimizer does not handle.
    #[error("the model uses {0}, which the web optimizer does not handle")]
    Unsupported(String),
    /// An embedded image does not decode.
    #[error("texture {image} does not decode: {reason}")]
    Texture { image: usize, reason: String },
    /// The WebP encoder refused an image.
    #[error("texture {image} could not be encoded as WebP: {reason}")]
    Encode { image: usize, reason: String },
    /// Even the smallest coarse level is over its size budget.
    #[error("the coarse level takes {bytes} bytes, more than the {limit} allowed")]
    CoarseTooLarge { bytes: usize, limit: usize },
}
