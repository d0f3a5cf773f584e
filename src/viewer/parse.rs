//! GLB bytes to a CPU-side model: validation and rewrites first (see
//! `glb`), then three-d-asset for the geometry.

use super::colour;
use super::glb::{self, AlphaMode, BrowserImages, GlbError};
use three_d::{CpuGeometry, CpuModel};

/// Name the GLB is filed under in three-d-asset's in-memory asset store;
/// the extension is what selects the glTF loader.
const ASSET_NAME: &str = "model.glb";

/// Why the viewer could not show a model.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ViewerError {
    /// No WebGL2 context could be created on the canvas.
    #[error("This browser cannot show 3D here (WebGL2 is not available): {0}")]
    NoWebGl(String),
    /// The file failed the viewer's own structural checks.
    #[error("The model file cannot be shown: {0}.")]
    Invalid(#[from] GlbError),
    /// The glTF loader or the GPU upload refused the file.
    #[error("The model file could not be read: {0}")]
    BadModel(String),
    /// The file is valid but has nothing to draw.
    #[error("The model file contains no triangles to show.")]
    EmptyModel,
}

/// A GLB split into what wasm parses and what the browser decodes.
pub struct ParsedGlb {
    /// The geometry (and any texture the browser path does not serve).
    pub model: CpuModel,
    /// The alpha mode the file's material declares.
    pub alpha: AlphaMode,
    /// Base colour and metallic-roughness images, still encoded.
    pub images: BrowserImages,
}

/// A GLB that passed validation, not parsed yet.
pub struct CheckedGlb(glb::Prepared);

/// Validates a GLB and takes its main textures out, still encoded.
pub fn check_glb(bytes: &[u8]) -> Result<CheckedGlb, ViewerError> {
    Ok(CheckedGlb(glb::prepare(bytes)?))
}

/// Parses the checked GLB `bytes` into a CPU-side model ready to upload.
/// Meshes without normals get computed ones, which every display mode needs.
pub fn parse_glb(bytes: &[u8], checked: CheckedGlb) -> Result<ParsedGlb, ViewerError> {
    let mut model = match glb::geometry(bytes, &checked.0)? {
        glb::Geometry::Read(model) => model,
        glb::Geometry::Glb(bytes) => {
            let mut assets = three_d_asset::io::RawAssets::new();
            assets.insert(ASSET_NAME, bytes);
            let mut model = assets
                .deserialize::<CpuModel>(ASSET_NAME)
                .map_err(|e| ViewerError::BadModel(e.to_string()))?;
            colour::encode_loader_colours(&mut model);
            model
        }
    };
    let glb::Prepared { alpha, images, .. } = checked.0;
    let mut triangles = 0;
    for primitive in &mut model.geometries {
        if let CpuGeometry::Triangles(mesh) = &mut primitive.geometry {
            triangles += mesh.triangle_count();
            if mesh.normals.is_none() {
                mesh.compute_normals();
            }
        }
    }
    if triangles == 0 {
        return Err(ViewerError::EmptyModel);
    }
    Ok(ParsedGlb {
        model,
        alpha,
        images,
    })
}
