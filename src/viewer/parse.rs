//! A decoded GLB (see `decoder`) as three-d's CPU-side model: the arrays
//! the viewer's own reader made, or three-d-asset's glTF loader for what
//! that reader leaves to it.

use super::colour;
use three_d::{
    CpuGeometry, CpuMaterial, CpuMesh, CpuModel, GeometryFunction, Indices, LightingModel, Mat4,
    NormalDistributionFunction, Positions, Srgba, Vec2, Vec3,
};
use three_d_asset::{Geometry, Primitive};
use trellis_viewer_glb::{
    AlphaMode, BrowserImages, Decoded, GlbError, Material, MeshModel, Part, SrgbEncoder,
};

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

/// A GLB split into what the GPU takes and what the browser decodes.
pub struct ParsedGlb {
    /// The geometry (and any texture the browser path does not serve).
    pub model: CpuModel,
    /// The alpha mode the file's material declares.
    pub alpha: AlphaMode,
    /// Base colour and metallic-roughness images, still encoded.
    pub images: BrowserImages,
}

/// The decoded model in three-d's form. Meshes the general loader read
/// without normals get computed ones, which every display mode needs (the
/// viewer's reader computes them itself, off the main thread).
pub fn to_cpu_model(decoded: Decoded) -> Result<ParsedGlb, ViewerError> {
    let model = match decoded.geometry {
        trellis_viewer_glb::Geometry::Read(model) => from_arrays(model),
        trellis_viewer_glb::Geometry::Glb(bytes) => general_loader(bytes)?,
    };
    let triangles: usize = model
        .geometries
        .iter()
        .map(|p| match &p.geometry {
            CpuGeometry::Triangles(mesh) => mesh.triangle_count(),
            _ => 0,
        })
        .sum();
    if triangles == 0 {
        return Err(ViewerError::EmptyModel);
    }
    Ok(ParsedGlb {
        model,
        alpha: decoded.alpha,
        images: decoded.images,
    })
}

fn general_loader(bytes: Vec<u8>) -> Result<CpuModel, ViewerError> {
    let mut assets = three_d_asset::io::RawAssets::new();
    assets.insert(ASSET_NAME, bytes);
    let mut model = assets
        .deserialize::<CpuModel>(ASSET_NAME)
        .map_err(|e| ViewerError::BadModel(e.to_string()))?;
    colour::encode_loader_colours(&mut model);
    for primitive in &mut model.geometries {
        if let CpuGeometry::Triangles(mesh) = &mut primitive.geometry
            && mesh.normals.is_none()
        {
            mesh.compute_normals();
        }
    }
    Ok(model)
}

fn from_arrays(model: MeshModel) -> CpuModel {
    let encoder = SrgbEncoder::new();
    CpuModel {
        name: String::new(),
        materials: model
            .materials
            .into_iter()
            .map(|m| material(m, &encoder))
            .collect(),
        geometries: model.parts.into_iter().map(primitive).collect(),
    }
}

fn primitive(part: Part) -> Primitive {
    let vec3 = |values: &[f32]| -> Vec<Vec3> {
        values
            .chunks_exact(3)
            .map(|v| Vec3::new(v[0], v[1], v[2]))
            .collect()
    };
    let t = part.transform;
    Primitive {
        name: String::new(),
        // cgmath takes a matrix column by column, as glTF stores it.
        transformation: Mat4::new(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13],
            t[14], t[15],
        ),
        animations: Vec::new(),
        geometry: Geometry::Triangles(CpuMesh {
            positions: Positions::F32(vec3(&part.positions)),
            normals: Some(vec3(&part.normals)),
            uvs: part.uvs.map(|uvs| {
                uvs.chunks_exact(2)
                    .map(|uv| Vec2::new(uv[0], uv[1]))
                    .collect()
            }),
            colors: part.colors.map(|rgba| {
                rgba.chunks_exact(4)
                    .map(|c| Srgba::new(c[0], c[1], c[2], c[3]))
                    .collect()
            }),
            indices: match part.indices {
                Some(trellis_viewer_glb::Indices::U8(i)) => Indices::U8(i),
                Some(trellis_viewer_glb::Indices::U16(i)) => Indices::U16(i),
                Some(trellis_viewer_glb::Indices::U32(i)) => Indices::U32(i),
                None => Indices::None,
            },
            tangents: None,
        }),
        material_index: part.material,
    }
}

/// A material's factors, with the base colour (linear in glTF) in
/// three-d's sRGB form.
fn material(material: Material, encoder: &SrgbEncoder) -> CpuMaterial {
    let [r, g, b, a] = encoder.rgba(material.base_color);
    CpuMaterial {
        name: material.name,
        albedo: Srgba::new(r, g, b, a),
        metallic: material.metallic,
        roughness: material.roughness,
        alpha_cutout: material.alpha_cutoff,
        lighting_model: LightingModel::Cook(
            NormalDistributionFunction::TrowbridgeReitzGGX,
            GeometryFunction::SmithSchlickGGX,
        ),
        ..Default::default()
    }
}
