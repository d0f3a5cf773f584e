//! A model as the viewer uploads it: flat vertex arrays per part, the
//! nodes' placement, and the materials' factors.

use serde::{Deserialize, Serialize};
pub use trellis_glb::Indices;

use crate::transform::Matrix;

/// Everything the direct reader took from a file's meshes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeshModel {
    /// One per drawn primitive, in the scene's order.
    pub parts: Vec<Part>,
    /// The document's materials, which parts name by index.
    pub materials: Vec<Material>,
}

impl MeshModel {
    /// Triangles over all parts.
    pub fn triangles(&self) -> usize {
        self.parts.iter().map(Part::triangles).sum()
    }
}

/// One triangle list.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// x, y, z per vertex, in the mesh's own space (for a quantized file,
    /// its integers; [`Part::transform`] brings them to model space).
    pub positions: Vec<f32>,
    /// x, y, z per vertex: the file's, or computed from the triangles
    /// (area-weighted) when it has none, which every display mode needs.
    pub normals: Vec<f32>,
    /// u, v per vertex.
    pub uvs: Option<Vec<f32>>,
    /// sRGB-encoded r, g, b, a per vertex, as three-d takes colours.
    pub colors: Option<Vec<u8>>,
    /// Triangle corners; `None` means consecutive vertices.
    pub indices: Option<Indices>,
    /// Mesh space to model space: the product of its nodes' transforms.
    pub transform: Matrix,
    /// Index into [`MeshModel::materials`].
    pub material: Option<usize>,
}

impl Part {
    pub fn vertices(&self) -> usize {
        self.positions.len() / 3
    }

    pub fn triangles(&self) -> usize {
        let corners = match &self.indices {
            Some(Indices::U8(i)) => i.len(),
            Some(Indices::U16(i)) => i.len(),
            Some(Indices::U32(i)) => i.len(),
            None => self.vertices(),
        };
        corners / 3
    }
}

/// A material's factors, as glTF has them (linear colour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    /// Linear RGBA.
    pub base_color: [f32; 4],
    pub metallic: f32,
    pub roughness: f32,
    pub alpha_cutoff: Option<f32>,
}
