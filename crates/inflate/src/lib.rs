//! The built-in CPU engine (no ML): it separates the subject of a photo from
//! its background, then "inflates" the silhouette into a closed, rounded,
//! textured solid and writes it as a GLB, so the whole app runs without a GPU.
//!
//! The two steps mirror TRELLIS.2's: [`segment`] ("generate") produces a
//! [`Subject`] that can be stored as an opaque state, and
//! [`Subject::extract_glb`] ("extract") turns it into a model. The [`glb`]
//! writer is public for meshes from elsewhere.

mod cell;
mod distance;
mod extract;
mod field;
pub mod glb;
mod mask;
mod resample;
mod segment;
mod solid;
mod state;
mod texture;
mod triangulate;

use image::RgbaImage;

pub use segment::{Doubt, MaskSource};

/// Why the engine could not make a model.
#[derive(Debug, thiserror::Error)]
pub enum InflateError {
    /// No subject could be separated from the background. The message says
    /// what the user can do about it.
    #[error("no subject found: {0}")]
    NoSubject(String),
    /// The stored state could not be read back.
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// A mesh handed to the GLB writer is inconsistent (e.g. index out of range).
    #[error("invalid mesh: {0}")]
    InvalidMesh(String),
}

/// The engine's "generate" result: the input with the subject mask in alpha
/// (255 for subject, 0 for background).
pub struct Subject {
    /// The input's colours, with alpha replaced by the mask.
    pub image: RgbaImage,
}

/// A finished GLB and its counts.
pub struct GlbModel {
    /// The glTF 2.0 binary.
    pub bytes: Vec<u8>,
    /// Triangles in the mesh.
    pub faces: u64,
    /// Vertices in the mesh.
    pub vertices: u64,
}

/// Generate step: find the subject, from the image's own transparency when it
/// has a usable cut-out, otherwise by flood-filling the background from the
/// image border. Works at the input's resolution.
///
/// Fails with [`InflateError::NoSubject`] when nothing of sensible size
/// stands out, with a sentence the user can act on.
pub fn segment(image: &RgbaImage) -> Result<Subject, InflateError> {
    let mask = segment::subject_mask(image)?;
    Ok(Subject::with_mask(image, &mask.inside))
}

/// What the generate step would take as the subject, for showing the user
/// before anything runs.
pub struct Cutout {
    /// The subject, exactly as [`segment`] returns it.
    pub subject: Subject,
    pub source: MaskSource,
    /// Reasons to think the subject is not the object the user meant; empty
    /// when the cut-out looks clean.
    pub doubts: Vec<Doubt>,
}

/// [`segment`], with where the mask came from and reasons to doubt it.
pub fn cutout(image: &RgbaImage) -> Result<Cutout, InflateError> {
    let found = segment::segmentation(image)?;
    Ok(Cutout {
        subject: Subject::with_mask(image, &found.mask.inside),
        source: found.source,
        doubts: found.doubts,
    })
}

impl Subject {
    /// `image` with its alpha replaced by the subject mask.
    fn with_mask(image: &RgbaImage, inside: &[bool]) -> Self {
        let mut image = image.clone();
        for (pixel, &inside) in image.pixels_mut().zip(inside) {
            pixel[3] = if inside { u8::MAX } else { 0 };
        }
        Self { image }
    }

    /// Serialise as the backend's opaque state (a PNG).
    pub fn to_state(&self) -> Vec<u8> {
        state::encode(&self.image)
    }

    /// Read back what `to_state` wrote; anything else is
    /// [`InflateError::InvalidState`].
    pub fn from_state(bytes: &[u8]) -> Result<Self, InflateError> {
        state::decode(bytes).map(|image| Self { image })
    }

    /// Extract step: inflate the silhouette into a closed, watertight solid of
    /// about `decimation_target` triangles (±10 %, clamped to 1 000 ..=
    /// 2 000 000), texture it with the photo at `texture_size`² texels
    /// (clamped to 64 ..= 4096), and write it as a GLB fitted into the
    /// origin-centred unit cube, Y up.
    pub fn extract_glb(
        &self,
        decimation_target: u32,
        texture_size: u32,
    ) -> Result<GlbModel, InflateError> {
        extract::extract(&self.image, decimation_target, texture_size)
    }
}
