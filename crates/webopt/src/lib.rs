//! Web-optimized GLBs, made on the CPU by the proxy after each extraction.
//!
//! [`optimize`] turns a raw GLB into two self-contained files:
//! - **full**: the same model with positions, normals, UVs and colours
//!   quantized (`KHR_mesh_quantization`), every geometry view compressed
//!   with `EXT_meshopt_compression` (required, no fallback data: see
//!   `compress.rs`), and the textures re-encoded as lossy WebP
//!   (`EXT_texture_webp`, see `texture.rs` for why WebP);
//! - **coarse**: about [`COARSE_TRIANGLE_FRACTION`] of the triangles and
//!   textures of at most [`COARSE_TEXTURE_SIDE`]², under
//!   [`MAX_COARSE_BYTES`], drawn while the full level downloads.
//!
//! Separate files rather than one range-addressable file: each level is a
//! complete GLB that any loader and the Khronos validator open on its own,
//! that caches, compresses and gets an ETag like any other file, and that
//! needs no layout our viewer alone understands; with HTTP/2 the second
//! request costs nothing measurable. Both levels place each mesh with the
//! same dequantization transform, so the full level replaces the coarse
//! one in place.
//!
//! Unsupported inputs (skins, animations, morph targets, attributes other
//! than POSITION/NORMAL/TEXCOORD_0/COLOR_0, unknown required extensions)
//! give [`WebOptError::Unsupported`]: the proxy then serves only the
//! original.

mod compress;
mod error;
mod geometry;
mod input;
mod output;
mod simplify;
mod texture;

use image::RgbaImage;

pub use error::WebOptError;
pub use geometry::NORMAL_BITS;
pub use texture::Qualities;

use geometry::{QuantizationBox, reorder};
use input::{Primitive, Usage};
use output::Level;

/// Share of the triangles the coarse level keeps: enough to show the
/// silhouette, small enough to arrive in a fraction of a second.
pub const COARSE_TRIANGLE_FRACTION: f32 = 0.05;
/// Largest side of the coarse level's textures.
pub const COARSE_TEXTURE_SIDE: u32 = 512;
/// The coarse level's budget: under half a second at 10 Mbit/s, the
/// issue's phone profile.
pub const MAX_COARSE_BYTES: usize = 400_000;
/// When the coarse level is over budget, it is retried with this factor
/// fewer triangles, at most [`COARSE_RETRIES`] times.
const COARSE_SHRINK: f32 = 0.5;
const COARSE_RETRIES: usize = 3;
/// `asset.generator` suffixes, so a file says which level it is.
const FULL_GENERATOR: &str = concat!("trellis-webopt ", env!("CARGO_PKG_VERSION"), " (full)");
const COARSE_GENERATOR: &str = concat!("trellis-webopt ", env!("CARGO_PKG_VERSION"), " (coarse)");

/// Both levels of a web-optimized model.
#[derive(Debug, Clone)]
pub struct WebOptimized {
    /// The full-detail GLB.
    pub full: Vec<u8>,
    /// The coarse GLB for progressive display.
    pub coarse: Vec<u8>,
    /// Triangles in the full and coarse levels.
    pub triangles: (usize, usize),
}

/// Web-optimizes `glb` with the default texture qualities.
pub fn optimize(glb: &[u8]) -> Result<WebOptimized, WebOptError> {
    optimize_with(glb, Qualities::default())
}

/// Web-optimizes `glb`, encoding textures at `qualities`.
pub fn optimize_with(glb: &[u8], qualities: Qualities) -> Result<WebOptimized, WebOptError> {
    let source = input::read(trellis_glb::split(glb)?)?;
    if source.meshes.iter().all(Vec::is_empty) {
        return Err(WebOptError::Unsupported("a file without meshes".into()));
    }
    let boxes: Vec<QuantizationBox> = source.meshes.iter().map(QuantizationBox::around).collect();
    // Textures take most of the time (libwebp is single-threaded per
    // image): one thread per image, beside the geometry on this one.
    let (textures, full_meshes) = std::thread::scope(|scope| {
        let workers: Vec<_> = source
            .images
            .iter()
            .enumerate()
            .map(|(index, &(bytes, usage))| {
                scope.spawn(move || encode_both_levels(index, bytes, usage, qualities))
            })
            .collect();
        let full_meshes: Vec<Vec<Primitive>> = source
            .meshes
            .iter()
            .map(|mesh| mesh.iter().map(|p| reorder(p, &p.indices)).collect())
            .collect();
        let textures: Result<Vec<_>, WebOptError> = workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (textures, full_meshes)
    });
    let (full_images, coarse_images): (Vec<_>, Vec<_>) = textures?.into_iter().unzip();
    let full = Level {
        source: &source.doc,
        meshes: &full_meshes,
        boxes: &boxes,
        images: &full_images,
        generator: FULL_GENERATOR,
    }
    .write()?;

    let mut fraction = COARSE_TRIANGLE_FRACTION;
    let mut attempt = 0;
    loop {
        let coarse_meshes: Vec<Vec<Primitive>> = source
            .meshes
            .iter()
            .map(|mesh| {
                mesh.iter()
                    .map(|p| simplify::simplify(p, fraction))
                    .collect()
            })
            .collect();
        let coarse = Level {
            source: &source.doc,
            meshes: &coarse_meshes,
            boxes: &boxes,
            images: &coarse_images,
            generator: COARSE_GENERATOR,
        }
        .write()?;
        attempt += 1;
        if coarse.len() <= MAX_COARSE_BYTES {
            return Ok(WebOptimized {
                full,
                coarse,
                triangles: (triangles(&full_meshes), triangles(&coarse_meshes)),
            });
        }
        if attempt > COARSE_RETRIES {
            return Err(WebOptError::CoarseTooLarge {
                bytes: coarse.len(),
                limit: MAX_COARSE_BYTES,
            });
        }
        fraction *= COARSE_SHRINK;
    }
}

/// Image `index` as full-size and coarse WebP.
fn encode_both_levels(
    index: usize,
    bytes: &[u8],
    usage: Usage,
    qualities: Qualities,
) -> Result<(Vec<u8>, Vec<u8>), WebOptError> {
    let image: RgbaImage = texture::decode(index, bytes)?;
    let full = texture::encode(index, &image, usage, qualities)?;
    let small = texture::fit(&image, COARSE_TEXTURE_SIDE);
    let coarse = texture::encode(index, &small, usage, qualities)?;
    Ok((full, coarse))
}

fn triangles(meshes: &[Vec<Primitive>]) -> usize {
    meshes.iter().flatten().map(|p| p.indices.len() / 3).sum()
}
