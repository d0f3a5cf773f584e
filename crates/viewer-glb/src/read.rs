//! A direct reader for GLBs as TRELLIS.2 and our web optimizer write them:
//! positions, normals, UVs and vertex colours (floats, or the integers
//! `KHR_mesh_quantization` allows) and integer indices read straight from
//! the binary chunk into flat arrays, with each mesh placed by its nodes'
//! transforms. gltf + three-d-asset copy the whole chunk and walk every
//! value through iterators, which takes about a second for a 1M-triangle
//! model in wasm; this takes a tenth. Anything the reader does not handle
//! returns `None`, and the general loader takes over.

use serde_json::Value;
use trellis_glb::{AccessorType, ComponentType, accessor, array, uint};

use crate::colour::SrgbEncoder;
use crate::model::{Material, MeshModel, Part};
use crate::normals::vertex_normals;
use crate::transform::{self, IDENTITY, Matrix};
use crate::validate::{
    COLOR_TYPES, INDEX_TYPES, NORMAL_TYPES, POSITION_TYPES, TRIANGLES, UV_TYPES,
};

/// Top-level keys whose presence means the file needs the general loader.
const NEEDS_GENERAL_LOADER: [&str; 2] = ["animations", "skins"];
/// Required extensions this reader handles: quantized attributes are read
/// as their types say, and meshopt views and WebP textures are dealt with
/// before it runs (decoded, and handed to the browser).
const UNDERSTOOD_EXTENSIONS: [&str; 3] = [
    "KHR_mesh_quantization",
    "EXT_meshopt_compression",
    "EXT_texture_webp",
];
/// Vertex attributes this reader handles; any other sends the file to the
/// general loader so nothing is silently dropped. `COLOR_0` is what the
/// crossworld FastAPI server's meshes carry instead of textures.
const ATTRIBUTES: [&str; 4] = ["POSITION", "NORMAL", "TEXCOORD_0", "COLOR_0"];
/// Material keys this reader handles (textures the browser decodes have
/// already been taken out).
const MATERIAL_KEYS: [&str; 5] = [
    "name",
    "pbrMetallicRoughness",
    "alphaMode",
    "alphaCutoff",
    "doubleSided",
];
const PBR_KEYS: [&str; 3] = ["baseColorFactor", "metallicFactor", "roughnessFactor"];

/// The model, if the (validated) document is simple enough for this reader.
pub fn read(doc: &Value, buffers: &[Option<&[u8]>]) -> Option<MeshModel> {
    let non_empty = |v: &Value| v.as_array().is_none_or(|a| !a.is_empty());
    if NEEDS_GENERAL_LOADER
        .iter()
        .any(|key| doc.get(key).is_some_and(non_empty))
    {
        return None;
    }
    if array(doc, "extensionsRequired")
        .iter()
        .any(|name| !UNDERSTOOD_EXTENSIONS.iter().any(|known| name == known))
    {
        return None;
    }
    let scene_index = uint(doc, "scene").unwrap_or(0);
    let scene = array(doc, "scenes").get(usize::try_from(scene_index).ok()?)?;
    let mut walk = Walk {
        doc,
        buffers,
        parts: Vec::new(),
    };
    for root in array(scene, "nodes") {
        walk.node(root.as_u64()?, &IDENTITY)?;
    }
    let materials = array(doc, "materials")
        .iter()
        .map(read_material)
        .collect::<Option<_>>()?;
    Some(MeshModel {
        parts: walk.parts,
        materials,
    })
}

/// The node hierarchy, walked depth first from a scene's roots (trees of
/// bounded depth, as validation checked).
struct Walk<'a, 'b> {
    doc: &'a Value,
    buffers: &'a [Option<&'b [u8]>],
    parts: Vec<Part>,
}

impl Walk<'_, '_> {
    /// Reads node `index` and its children, placed by `parent`.
    fn node(&mut self, index: u64, parent: &Matrix) -> Option<()> {
        let node = array(self.doc, "nodes").get(usize::try_from(index).ok()?)?;
        let placement = transform::multiply(parent, &transform::of_node(node)?);
        if placement.iter().any(|v| !v.is_finite()) {
            return None;
        }
        if let Some(mesh) = uint(node, "mesh") {
            let mesh = array(self.doc, "meshes").get(usize::try_from(mesh).ok()?)?;
            for primitive in array(mesh, "primitives") {
                let part = read_primitive(self.doc, self.buffers, primitive, placement)?;
                self.parts.push(part);
            }
        }
        for child in array(node, "children") {
            self.node(child.as_u64()?, &placement)?;
        }
        Some(())
    }
}

fn read_primitive(
    doc: &Value,
    buffers: &[Option<&[u8]>],
    primitive: &Value,
    transform: Matrix,
) -> Option<Part> {
    if uint(primitive, "mode").unwrap_or(TRIANGLES) != TRIANGLES
        || primitive.get("targets").is_some()
    {
        return None;
    }
    let attributes = primitive.get("attributes")?.as_object()?;
    if attributes
        .keys()
        .any(|name| !ATTRIBUTES.contains(&name.as_str()))
    {
        return None;
    }
    let data = |name: &str, kinds: &[AccessorType], components: &[ComponentType]| {
        let index = attributes.get(name)?.as_u64()?;
        accessor(doc, buffers, index)
            .and_then(|a| a.expect(kinds, components))
            .ok()
    };
    let positions: Vec<f32> = data("POSITION", &[AccessorType::Vec3], &POSITION_TYPES)?
        .read_f32::<3>()
        .ok()?
        .into_iter()
        .flatten()
        .collect();
    let normals = match attributes.get("NORMAL") {
        Some(_) => Some(flat(
            data("NORMAL", &[AccessorType::Vec3], &NORMAL_TYPES)?.read_f32::<3>(),
        )?),
        None => None,
    };
    let uvs = match attributes.get("TEXCOORD_0") {
        Some(_) => Some(flat(
            data("TEXCOORD_0", &[AccessorType::Vec2], &UV_TYPES)?.read_f32::<2>(),
        )?),
        None => None,
    };
    let colors = match attributes.get("COLOR_0") {
        Some(_) => {
            let kinds = [AccessorType::Vec3, AccessorType::Vec4];
            Some(read_colors(data("COLOR_0", &kinds, &COLOR_TYPES)?)?)
        }
        None => None,
    };
    let indices = match uint(primitive, "indices") {
        Some(index) => Some(
            accessor(doc, buffers, index)
                .and_then(|a| a.expect(&[AccessorType::Scalar], &INDEX_TYPES))
                .and_then(|a| a.indices())
                .ok()?,
        ),
        None => None,
    };
    let normals = normals.unwrap_or_else(|| vertex_normals(&positions, indices.as_ref()));
    Some(Part {
        positions,
        normals,
        uvs,
        colors,
        indices,
        transform,
        material: uint(primitive, "material").map(|m| m as usize),
    })
}

/// `N`-component elements as one flat array.
fn flat<const N: usize>(
    elements: Result<Vec<[f32; N]>, trellis_glb::GlbError>,
) -> Option<Vec<f32>> {
    Some(elements.ok()?.into_iter().flatten().collect())
}

/// RGB or RGBA vertex colours (linear, as glTF has them) as sRGB-encoded
/// RGBA bytes, the form three-d takes.
fn read_colors(data: trellis_glb::Accessor<'_>) -> Option<Vec<u8>> {
    let encoder = SrgbEncoder::new();
    let rgba: Vec<[f32; 4]> = if data.kind == AccessorType::Vec3 {
        data.read_f32::<3>()
            .ok()?
            .into_iter()
            .map(|[r, g, b]| [r, g, b, 1.0])
            .collect()
    } else {
        data.read_f32::<4>().ok()?
    };
    Some(rgba.into_iter().flat_map(|c| encoder.rgba(c)).collect())
}

/// The material's factors as three-d-asset would read them.
fn read_material(material: &Value) -> Option<Material> {
    let keys = material.as_object()?.keys();
    if keys.clone().any(|k| !MATERIAL_KEYS.contains(&k.as_str())) {
        return None;
    }
    let pbr = material.get("pbrMetallicRoughness");
    if let Some(pbr) = pbr
        && pbr
            .as_object()?
            .keys()
            .any(|k| !PBR_KEYS.contains(&k.as_str()))
    {
        return None;
    }
    // Factors too large for an f32 are left to the general loader.
    let finite = |value: &Value| Some(value.as_f64()? as f32).filter(|v| v.is_finite());
    let factor = |key: &str| match pbr.and_then(|p| p.get(key)) {
        Some(value) => finite(value),
        None => Some(1.0),
    };
    let mut base_color = [1.0f32; 4];
    if let Some(values) = pbr
        .and_then(|p| p.get("baseColorFactor"))
        .and_then(Value::as_array)
    {
        for (c, v) in base_color.iter_mut().zip(values) {
            *c = finite(v)?;
        }
    }
    Some(Material {
        name: material
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        base_color,
        metallic: factor("metallicFactor")?,
        roughness: factor("roughnessFactor")?,
        alpha_cutoff: match material.get("alphaCutoff") {
            Some(cutoff) => Some(finite(cutoff)?),
            None => None,
        },
    })
}
