//! Everything the viewer does to GLB bytes before the GPU sees them, free
//! of the browser so it runs in the page, in the decode worker and in
//! native tests:
//! - [`decode`]: `EXT_meshopt_compression` views decoded, structural
//!   validation (a malformed file must become an error message, not a wasm
//!   abort), the `EXT_texture_webp` rewrite, the textures taken out for the
//!   browser's image decoder, and the geometry read into flat arrays
//!   (quantized attributes included, placed by their nodes);
//! - [`message`]: that result as a worker posts it;
//! - the downloads: the alpha-mode rewrite (JSON only) and the copy with
//!   PNG textures.

mod colour;
mod error;
mod image_size;
mod images;
mod limits;
pub mod message;
mod model;
mod normals;
mod png_images;
mod read;
mod rewrite;
mod transform;
mod validate;

use serde::{Deserialize, Serialize};

pub use colour::SrgbEncoder;
pub use error::GlbError;
pub use image_size::ImageFormat;
pub use images::{BrowserImages, EncodedImage, MaterialImages};
pub use limits::MAX_TEXTURE_SIDE;
pub use model::{Indices, Material, MeshModel, Part};
pub use png_images::{webp_images, with_png_images};
pub use rewrite::with_alpha_mode;
pub use transform::{IDENTITY, Matrix};

/// A GLB made ready for the GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The first material's alpha mode (all of a TRELLIS model's parts
    /// share one material).
    pub alpha: AlphaMode,
    /// The textures taken out for the browser to decode.
    pub images: BrowserImages,
    pub geometry: Geometry,
}

/// The geometry of a decoded file.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// Read directly from the binary chunk.
    Read(MeshModel),
    /// What the viewer's own reader does not handle (animations, skins,
    /// other materials), for three-d-asset: a plain GLB without meshopt
    /// compression, whose JSON no longer names the browser-decoded
    /// textures nor requires `EXT_texture_webp`.
    Glb(Vec<u8>),
}

/// Decodes a GLB: see the crate documentation. Every malformed input gives
/// an error, never a panic.
pub fn decode(glb: &[u8]) -> Result<Decoded, GlbError> {
    let plain = trellis_glb::meshopt::decompress(glb)?;
    let chunks = trellis_glb::split(&plain)?;
    let mut doc = trellis_glb::parse(chunks.json)?;
    let webp = rewrite::unwrap_webp_textures(&mut doc);
    let buffers = trellis_glb::buffers(&doc, chunks.bin)?;
    validate::check(&doc, &buffers)?;
    let alpha = trellis_glb::array(&doc, "materials")
        .first()
        .map_or(AlphaMode::Opaque, AlphaMode::of_material);
    let images = images::take(&mut doc, &buffers);
    let geometry = match read::read(&doc, &buffers) {
        Some(model) => Geometry::Read(model),
        None => {
            validate::check_for_general_loader(&doc, &buffers)?;
            if webp || !images.is_empty() {
                let json = trellis_glb::to_json(&doc);
                Geometry::Glb(trellis_glb::join(&json, chunks.bin)?)
            } else {
                Geometry::Glb(plain.into_owned())
            }
        }
    };
    Ok(Decoded {
        alpha,
        images,
        geometry,
    })
}

/// How a material's alpha is used (glTF `material.alphaMode`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum AlphaMode {
    /// Alpha is ignored.
    Opaque,
    /// Fragments below the cutoff are discarded, the rest are opaque.
    Mask { cutoff: f32 },
    /// Alpha blends with what is behind.
    Blend,
}

/// glTF's default `alphaCutoff` (§5.19.2).
pub const DEFAULT_ALPHA_CUTOFF: f32 = 0.5;

impl AlphaMode {
    /// The mode a glTF material declares (OPAQUE when absent).
    fn of_material(material: &serde_json::Value) -> Self {
        match material
            .get("alphaMode")
            .and_then(serde_json::Value::as_str)
        {
            Some("MASK") => AlphaMode::Mask {
                cutoff: material
                    .get("alphaCutoff")
                    .and_then(serde_json::Value::as_f64)
                    .map(|c| c as f32)
                    .filter(|c| c.is_finite())
                    .unwrap_or(DEFAULT_ALPHA_CUTOFF),
            },
            Some("BLEND") => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        }
    }
}
