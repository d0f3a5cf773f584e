//! The FastAPI server's mesh answer (contract §2.2) checked and turned into
//! a GLB with `trellis_inflate::glb::write_glb`.

use serde::Deserialize;
use trellis_inflate::glb::{Material, MeshData, write_glb};

use crate::backend::{BackendError, ModelCounts};

/// The answer of `POST /generate`: plain arrays, nulls for missing data.
#[derive(Debug, Deserialize)]
pub struct MeshAnswer {
    vertices: Vec<[f32; 3]>,
    faces: Vec<[u64; 3]>,
    vertex_colors: Option<Vec<[f32; 3]>>,
    vertex_normals: Option<Vec<[f32; 3]>>,
}

/// Vertex colours carry the look, so the material only says "not metal,
/// mostly matte" (glTF's default material would be fully metallic).
const MATERIAL: Material = Material {
    base_color_png: None,
    metallic: 0.0,
    roughness: 0.9,
};

/// TRELLIS meshes are Z-up; glTF is Y-up: (x, y, z) → (x, z, −y), the
/// rotation TRELLIS's own GLB export applies (contract §3.4).
fn y_up([x, y, z]: [f32; 3]) -> [f32; 3] {
    [x, z, -y]
}

impl MeshAnswer {
    /// Checks the mesh and writes it as a GLB. CPU-bound.
    pub fn into_glb(self) -> Result<(Vec<u8>, ModelCounts), BackendError> {
        let vertices = self.vertices.len();
        if vertices == 0 || self.faces.is_empty() {
            return Err(BackendError::BrokenMesh("it is empty".to_owned()));
        }
        let mut indices = Vec::with_capacity(self.faces.len() * 3);
        for (face, corners) in self.faces.iter().enumerate() {
            for &corner in corners {
                match u32::try_from(corner) {
                    Ok(index) if (index as usize) < vertices => indices.push(index),
                    _ => {
                        return Err(BackendError::BrokenMesh(format!(
                            "face {face} uses vertex {corner}, but there are only {vertices}"
                        )));
                    }
                }
            }
        }
        for (name, values) in [
            ("colour", &self.vertex_colors),
            ("normal", &self.vertex_normals),
        ] {
            if let Some(values) = values.as_ref().filter(|v| v.len() != vertices) {
                return Err(BackendError::BrokenMesh(format!(
                    "{} vertex {name}s for {vertices} vertices",
                    values.len()
                )));
            }
        }
        let counts = ModelCounts {
            faces: self.faces.len() as u64,
            vertices: vertices as u64,
        };
        let mesh = MeshData {
            positions: self.vertices.into_iter().map(y_up).collect(),
            normals: self
                .vertex_normals
                .map(|n| n.into_iter().map(y_up).collect()),
            uvs: None,
            colors: self.vertex_colors,
            indices,
        };
        let glb = write_glb(&mesh, Some(&MATERIAL))
            .map_err(|err| BackendError::BrokenMesh(err.to_string()))?;
        Ok((glb, counts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(faces: Vec<[u64; 3]>) -> MeshAnswer {
        MeshAnswer {
            vertices: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            faces,
            vertex_colors: Some(vec![[1.0, 0.0, 0.0]; 3]),
            vertex_normals: None,
        }
    }

    #[test]
    fn a_good_mesh_becomes_a_glb_with_its_counts() {
        let (glb, counts) = answer(vec![[0, 1, 2]]).into_glb().unwrap();
        assert_eq!(&glb[..4], b"glTF");
        assert_eq!((counts.faces, counts.vertices), (1, 3));
    }

    #[test]
    fn an_out_of_range_index_is_a_broken_mesh_not_a_panic() {
        let err = answer(vec![[0, 1, 7]]).into_glb().unwrap_err();
        assert_eq!(err.code(), "upstream_broken_mesh");
        assert!(
            err.to_string()
                .contains("face 0 uses vertex 7, but there are only 3"),
            "{err}"
        );
    }
}
