//! The built-in CPU engine (no ML). PUBLIC API CONTRACT — implementation in progress.

use image::RgbaImage;

/// Why the engine could not make a model.
#[derive(Debug, thiserror::Error)]
pub enum InflateError {
    /// No subject could be separated from the background.
    #[error("no subject found: {0}")]
    NoSubject(String),
    /// The stored state could not be read back.
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// A mesh handed to the GLB writer is inconsistent (e.g. index out of range).
    #[error("invalid mesh: {0}")]
    InvalidMesh(String),
}

/// The engine's "generate" result: the input with the subject mask in alpha.
pub struct Subject {
    pub image: RgbaImage,
}

/// A finished GLB and its counts.
pub struct GlbModel {
    pub bytes: Vec<u8>,
    pub faces: u64,
    pub vertices: u64,
}

/// Generate step: segment the subject (real alpha, or border flood fill).
pub fn segment(_image: &RgbaImage) -> Result<Subject, InflateError> {
    todo!()
}

impl Subject {
    /// Serialise as the backend's opaque state (a PNG).
    pub fn to_state(&self) -> Vec<u8> {
        todo!()
    }
    /// Read back what `to_state` wrote.
    pub fn from_state(_bytes: &[u8]) -> Result<Self, InflateError> {
        todo!()
    }
    /// Extract step: inflate, texture and write a GLB.
    pub fn extract_glb(&self, _decimation_target: u32, _texture_size: u32) -> Result<GlbModel, InflateError> {
        todo!()
    }
}
