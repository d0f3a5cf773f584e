//! What a loaded model costs: counts, texture sizes and a GPU memory
//! estimate, computed from the CPU-side model before upload.

use three_d::{CpuModel, CpuTexture, Indices};

/// Mipmaps add a third on top of the base level (1 + 1/4 + 1/16 + …).
const MIPMAP_OVERHEAD: f64 = 4.0 / 3.0;
/// three-d uploads every texture as 8-bit RGBA or wider; 4 bytes per texel is
/// the floor, and the common case for glTF PNG/JPEG/WebP images.
const BYTES_PER_TEXEL: f64 = 4.0;

/// Counts and sizes shown in the stats panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelStats {
    /// Triangles over all parts.
    pub triangles: u64,
    /// Vertices over all parts (as stored, so UV seams count twice).
    pub vertices: u64,
    /// `(width, height)` of every texture, in material order.
    pub textures: Vec<(u32, u32)>,
    /// Estimated GPU memory for textures (with mipmaps) and vertex/index buffers.
    pub gpu_bytes: u64,
}

impl ModelStats {
    /// Measures `model`.
    pub fn of(model: &CpuModel) -> Self {
        let mut stats = ModelStats::default();
        let mut buffer_bytes = 0u64;
        for primitive in &model.geometries {
            let three_d::CpuGeometry::Triangles(mesh) = &primitive.geometry else {
                continue;
            };
            let vertices = mesh.positions.len() as u64;
            stats.vertices += vertices;
            stats.triangles += mesh.triangle_count() as u64;
            // Positions are uploaded as f32 even when stored as f64.
            let per_vertex = 12
                + mesh.normals.as_ref().map_or(0, |_| 12)
                + mesh.tangents.as_ref().map_or(0, |_| 16)
                + mesh.uvs.as_ref().map_or(0, |_| 8)
                + mesh.colors.as_ref().map_or(0, |_| 4);
            buffer_bytes += vertices * per_vertex;
            buffer_bytes += match &mesh.indices {
                Indices::U8(i) => i.len() as u64,
                Indices::U16(i) => i.len() as u64 * 2,
                Indices::U32(i) => i.len() as u64 * 4,
                Indices::None => 0,
            };
        }
        for material in &model.materials {
            let textures: [&Option<CpuTexture>; 6] = [
                &material.albedo_texture,
                &material.metallic_roughness_texture,
                &material.occlusion_metallic_roughness_texture,
                &material.occlusion_texture,
                &material.normal_texture,
                &material.emissive_texture,
            ];
            for texture in textures.into_iter().flatten() {
                stats.textures.push((texture.width, texture.height));
            }
        }
        stats.gpu_bytes = buffer_bytes;
        for (width, height) in std::mem::take(&mut stats.textures) {
            stats.add_texture(width, height);
        }
        stats
    }

    /// Counts a texture uploaded apart from the model (decoded by the
    /// browser).
    pub fn add_texture(&mut self, width: u32, height: u32) {
        self.textures.push((width, height));
        self.gpu_bytes += texture_gpu_bytes(width, height);
    }

    /// Whether any material has a texture.
    pub fn textured(&self) -> bool {
        !self.textures.is_empty()
    }
}

/// Estimated GPU memory of one RGBA8 texture with mipmaps.
pub fn texture_gpu_bytes(width: u32, height: u32) -> u64 {
    (f64::from(width) * f64::from(height) * BYTES_PER_TEXEL * MIPMAP_OVERHEAD) as u64
}
