//! The web-optimized levels of a model (see `trellis_webopt`) and their
//! precompressed copies: what share links download instead of the raw GLB.

use trellis_webopt::WebOptError;

use super::precompress::{self, Coding};

/// Both levels of a web-optimized model, with the copies worth storing.
#[derive(Debug)]
pub struct WebFiles {
    pub full: Vec<u8>,
    pub full_copies: Vec<(Coding, Vec<u8>)>,
    pub coarse: Vec<u8>,
    pub coarse_copies: Vec<(Coding, Vec<u8>)>,
    /// Triangles in the coarse level.
    pub coarse_faces: u64,
}

/// Why a model has no web-optimized copy.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Optimizer(#[from] WebOptError),
    #[error("precompressing the optimized model failed: {0}")]
    Precompress(#[from] std::io::Error),
}

impl WebError {
    /// Whether this is a model the optimizer does not handle (a feature it
    /// leaves alone, a file that is no GLB) rather than a failure worth an
    /// operator's attention.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Optimizer(WebOptError::Unsupported(_) | WebOptError::Glb(_))
        )
    }
}

/// Optimizes `glb` and precompresses both levels.
pub fn optimize(glb: &[u8]) -> Result<WebFiles, WebError> {
    let optimized = trellis_webopt::optimize(glb)?;
    Ok(WebFiles {
        full_copies: precompress::copies(&optimized.full)?,
        coarse_copies: precompress::copies(&optimized.coarse)?,
        coarse_faces: optimized.triangles.1 as u64,
        full: optimized.full,
        coarse: optimized.coarse,
    })
}
