//! A small, general glTF 2.0 binary (GLB) writer for one triangle mesh.
//!
//! The JSON is assembled with `serde_json` rather than `gltf-json`: the
//! document is a handful of fixed objects that read best written out as
//! JSON, while `gltf-json`'s structs need every optional field spelled out.
//! The tests parse the output with the `gltf` crate and run the Khronos
//! validator over it.

mod normals;

use serde_json::json;

use crate::InflateError;
use trellis_glb::{GlbWriter, Target};

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// `sampler.magFilter` LINEAR.
const LINEAR: u32 = 9729;
/// `sampler.minFilter` LINEAR_MIPMAP_LINEAR: trilinear, as a texture seen
/// from any distance wants.
const LINEAR_MIPMAP_LINEAR: u32 = 9987;
/// `sampler.wrapS/T` CLAMP_TO_EDGE: texture coordinates stay in [0, 1], and
/// wrapping would bleed the opposite edge into the rim.
const CLAMP_TO_EDGE: u32 = 33071;

/// Writer identification in `asset.generator`.
const GENERATOR: &str = concat!("trellis-inflate ", env!("CARGO_PKG_VERSION"));

/// One triangle mesh, as plain arrays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshData {
    /// Vertex positions (glTF is Y-up, metres by convention).
    pub positions: Vec<[f32; 3]>,
    /// Per-vertex normals; normalised on write. When absent, area-weighted
    /// normals are computed from the triangles.
    pub normals: Option<Vec<[f32; 3]>>,
    /// Per-vertex texture coordinates (`TEXCOORD_0`; v points down the image).
    pub uvs: Option<Vec<[f32; 2]>>,
    /// Per-vertex linear RGB colours in `0..=1` (`COLOR_0`); clamped on write.
    pub colors: Option<Vec<[f32; 3]>>,
    /// Triangle list: three indices per triangle, counter-clockwise seen from
    /// outside.
    pub indices: Vec<u32>,
}

/// A glTF metallic-roughness material.
#[derive(Clone, Debug, PartialEq)]
pub struct Material {
    /// PNG bytes of the base colour texture (needs `MeshData::uvs`).
    pub base_color_png: Option<Vec<u8>>,
    /// `metallicFactor`, in `0..=1`.
    pub metallic: f32,
    /// `roughnessFactor`, in `0..=1`.
    pub roughness: f32,
}

/// Writes `mesh` (with `material`, if any) as a self-contained GLB.
///
/// Fails with [`InflateError::InvalidMesh`] when the mesh is inconsistent:
/// no vertices or triangles, an index out of range, an attribute whose length
/// differs from the vertex count, a non-finite number, a material factor
/// outside `0..=1`, a texture that is not a PNG or has no UVs to map it.
pub fn write_glb(mesh: &MeshData, material: Option<&Material>) -> Result<Vec<u8>, InflateError> {
    validate(mesh, material)?;
    let normals = match &mesh.normals {
        Some(normals) => normals.iter().copied().map(normals::unit).collect(),
        None => normals::area_weighted(&mesh.positions, &mesh.indices),
    };
    let mut buffer = GlbWriter::new();
    let vertices = Some(Target::Vertices);
    let mut attributes = json!({
        "POSITION": buffer.float_accessor(&mesh.positions, vertices, true),
        "NORMAL": buffer.float_accessor(&normals, vertices, false),
    });
    if let Some(uvs) = &mesh.uvs {
        attributes["TEXCOORD_0"] = json!(buffer.float_accessor(uvs, vertices, false));
    }
    if let Some(colors) = &mesh.colors {
        let clamped: Vec<[f32; 3]> = colors
            .iter()
            .map(|c| c.map(|v| v.clamp(0.0, 1.0)))
            .collect();
        attributes["COLOR_0"] = json!(buffer.float_accessor(&clamped, vertices, false));
    }
    let mut primitive = json!({
        "attributes": attributes,
        "indices": buffer.u32_indices(&mesh.indices),
    });
    let mut document = json!({
        "asset": { "version": "2.0", "generator": GENERATOR },
        "scene": 0,
        "scenes": [{ "nodes": [0] }],
        "nodes": [{ "mesh": 0 }],
    });
    if let Some(material) = material {
        primitive["material"] = json!(0);
        let mut pbr = json!({
            "metallicFactor": material.metallic,
            "roughnessFactor": material.roughness,
        });
        if let Some(png) = &material.base_color_png {
            pbr["baseColorTexture"] = json!({ "index": 0 });
            document["textures"] = json!([{ "source": 0, "sampler": 0 }]);
            document["samplers"] = json!([{
                "magFilter": LINEAR,
                "minFilter": LINEAR_MIPMAP_LINEAR,
                "wrapS": CLAMP_TO_EDGE,
                "wrapT": CLAMP_TO_EDGE,
            }]);
            document["images"] =
                json!([{ "bufferView": buffer.push_view(png, None), "mimeType": "image/png" }]);
        }
        document["materials"] = json!([{ "pbrMetallicRoughness": pbr }]);
    }
    document["meshes"] = json!([{ "primitives": [primitive] }]);
    buffer
        .finish(document)
        .map_err(|e| InflateError::InvalidMesh(e.to_string()))
}

/// Everything `write_glb` promises to reject, checked before any work.
fn validate(mesh: &MeshData, material: Option<&Material>) -> Result<(), InflateError> {
    let invalid = |message: String| Err(InflateError::InvalidMesh(message));
    let count = mesh.positions.len();
    if count == 0 {
        return invalid("the mesh has no vertices".into());
    }
    if u32::try_from(count).is_err() {
        return invalid(format!(
            "{count} vertices are more than 32-bit indices can address"
        ));
    }
    if mesh.indices.is_empty() || !mesh.indices.len().is_multiple_of(3) {
        return invalid(format!(
            "{} indices do not make whole triangles",
            mesh.indices.len()
        ));
    }
    if let Some((at, index)) = mesh
        .indices
        .iter()
        .enumerate()
        .find(|(_, i)| **i as usize >= count)
    {
        return invalid(format!(
            "index {index} (at {at}) is out of range for {count} vertices"
        ));
    }
    let attributes: [(&str, Option<(usize, bool)>); 4] = [
        ("POSITION", Some((count, all_finite(&mesh.positions)))),
        (
            "NORMAL",
            mesh.normals.as_ref().map(|n| (n.len(), all_finite(n))),
        ),
        (
            "TEXCOORD_0",
            mesh.uvs.as_ref().map(|u| (u.len(), all_finite(u))),
        ),
        (
            "COLOR_0",
            mesh.colors.as_ref().map(|c| (c.len(), all_finite(c))),
        ),
    ];
    for (name, attribute) in attributes {
        match attribute {
            Some((len, _)) if len != count => {
                return invalid(format!("{name} has {len} entries for {count} vertices"));
            }
            Some((_, false)) => return invalid(format!("{name} holds a NaN or infinite value")),
            _ => {}
        }
    }
    let Some(material) = material else {
        return Ok(());
    };
    for (name, factor) in [
        ("metallic", material.metallic),
        ("roughness", material.roughness),
    ] {
        if !(0.0..=1.0).contains(&factor) {
            return invalid(format!("the {name} factor {factor} is outside 0..=1"));
        }
    }
    if let Some(png) = &material.base_color_png {
        if !png.starts_with(&PNG_SIGNATURE) {
            return invalid("the base colour texture is not a PNG".into());
        }
        if mesh.uvs.is_none() {
            return invalid("a base colour texture needs texture coordinates".into());
        }
    }
    Ok(())
}

fn all_finite<const N: usize>(values: &[[f32; N]]) -> bool {
    values.iter().flatten().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle() -> MeshData {
        MeshData {
            positions: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            indices: vec![0, 1, 2],
            ..MeshData::default()
        }
    }

    fn rejects(mesh: &MeshData, material: Option<&Material>, needle: &str) {
        match write_glb(mesh, material) {
            Err(InflateError::InvalidMesh(message)) => {
                assert!(message.contains(needle), "{message:?} lacks {needle:?}");
            }
            other => panic!(
                "expected InvalidMesh({needle}), got {:?}",
                other.map(|b| b.len())
            ),
        }
    }

    #[test]
    fn inconsistent_meshes_are_rejected_with_a_reason() {
        let mut mesh = triangle();
        mesh.indices = vec![0, 1, 3];
        rejects(&mesh, None, "index 3 (at 2) is out of range");
        mesh.indices = vec![0, 1];
        rejects(&mesh, None, "whole triangles");
        rejects(&MeshData::default(), None, "no vertices");
        let mut mesh = triangle();
        mesh.uvs = Some(vec![[0.0; 2]; 2]);
        rejects(&mesh, None, "TEXCOORD_0 has 2 entries for 3 vertices");
        let mut mesh = triangle();
        mesh.positions[1][2] = f32::NAN;
        rejects(&mesh, None, "POSITION holds a NaN");
        let rough = |roughness| Material {
            base_color_png: None,
            metallic: 0.0,
            roughness,
        };
        rejects(&triangle(), Some(&rough(1.5)), "roughness factor 1.5");
        rejects(&triangle(), Some(&rough(f32::NAN)), "roughness factor NaN");
        let textured = Material {
            base_color_png: Some(PNG_SIGNATURE.to_vec()),
            ..rough(0.5)
        };
        rejects(&triangle(), Some(&textured), "needs texture coordinates");
        let not_png = Material {
            base_color_png: Some(b"GIF89a".to_vec()),
            ..rough(0.5)
        };
        rejects(&triangle(), Some(&not_png), "not a PNG");
    }

    #[test]
    fn chunks_are_aligned_and_lengths_add_up() {
        let glb = write_glb(&triangle(), None).unwrap_or_default();
        let word = |at: usize| {
            glb.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        assert_eq!(word(0), Some(0x4654_6C67));
        assert_eq!(word(8), Some(glb.len() as u32));
        let json_len = word(12).unwrap_or_default() as usize;
        assert_eq!(json_len % 4, 0);
        let bin_len = word(20 + json_len).unwrap_or_default() as usize;
        assert_eq!(bin_len % 4, 0);
        assert_eq!(28 + json_len + bin_len, glb.len());
    }
}
