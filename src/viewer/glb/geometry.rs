//! A direct reader for GLBs as simple as TRELLIS.2 writes them: f32
//! positions, normals, UVs and vertex colours and integer indices read
//! straight from the
//! binary chunk into the mesh arrays. gltf + three-d-asset copy the whole
//! chunk and walk every value through iterators, which takes about a second
//! of main-thread time for a 1M-triangle model in wasm; this takes a tenth.
//! Anything the reader does not handle returns `None`, and the general
//! loader takes over.

use super::accessor::{FLOAT, UNSIGNED_BYTE, UNSIGNED_INT, UNSIGNED_SHORT, accessor};
use super::validate::{self, array, uint};
use crate::viewer::colour::srgba_from_linear;
use serde_json::Value;
use three_d::{
    CpuMaterial, CpuMesh, CpuModel, GeometryFunction, Indices, LightingModel, Mat4,
    NormalDistributionFunction, Positions, SquareMatrix, Srgba,
};
use three_d_asset::{Geometry, Primitive};

/// Top-level keys whose presence means the file needs the general loader
/// (node hierarchies with animation or skinning, required extensions).
const NEEDS_GENERAL_LOADER: [&str; 3] = ["animations", "skins", "extensionsRequired"];
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
/// glTF primitive mode for triangle lists, the default.
const TRIANGLES: u64 = 4;

/// The model, if the (validated) document is simple enough for this reader.
pub fn read(doc: &Value, bin: Option<&[u8]>) -> Option<CpuModel> {
    if NEEDS_GENERAL_LOADER.iter().any(|key| {
        doc.get(key)
            .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
    }) {
        return None;
    }
    let buffers = validate::buffers(doc, bin).ok()?;
    let mut geometries = Vec::new();
    // The first scene's nodes, as three-d-asset draws; with no children or
    // transforms allowed below, they are the whole hierarchy.
    let scene = array(doc, "scenes").first()?;
    for root in array(scene, "nodes") {
        let node = array(doc, "nodes").get(root.as_u64()? as usize)?;
        let transformed = ["matrix", "translation", "rotation", "scale", "children"]
            .iter()
            .any(|key| node.get(key).is_some());
        if transformed {
            return None;
        }
        let Some(mesh) = uint(node, "mesh") else {
            continue;
        };
        let mesh = array(doc, "meshes").get(mesh as usize)?;
        for primitive in array(mesh, "primitives") {
            geometries.push(read_primitive(doc, &buffers, primitive)?);
        }
    }
    let materials = array(doc, "materials")
        .iter()
        .map(read_material)
        .collect::<Option<_>>()?;
    Some(CpuModel {
        name: String::new(),
        geometries,
        materials,
    })
}

fn read_primitive(doc: &Value, buffers: &[&[u8]], primitive: &Value) -> Option<Primitive> {
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
    let read = |name: &str, kind: &str| -> Option<Option<_>> {
        match attributes.get(name) {
            None => Some(None),
            Some(index) => {
                let data = accessor(doc, buffers, index.as_u64()?, &[kind], &[FLOAT]).ok()?;
                Some(Some(data))
            }
        }
    };
    let positions = read("POSITION", "VEC3")??.floats::<3, _>()?;
    let normals = match read("NORMAL", "VEC3")? {
        Some(data) => Some(data.floats::<3, _>()?),
        None => None,
    };
    let uvs = match read("TEXCOORD_0", "VEC2")? {
        Some(data) => Some(data.floats::<2, _>()?),
        None => None,
    };
    let colors = match attributes.get("COLOR_0") {
        Some(index) => Some(read_colors(doc, buffers, index.as_u64()?)?),
        None => None,
    };
    let indices = match uint(primitive, "indices") {
        Some(index) => {
            let kinds = [UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT];
            accessor(doc, buffers, index, &["SCALAR"], &kinds)
                .ok()?
                .indices()?
        }
        None => Indices::None,
    };
    Some(Primitive {
        name: String::new(),
        transformation: Mat4::identity(),
        animations: Vec::new(),
        geometry: Geometry::Triangles(CpuMesh {
            positions: Positions::F32(positions),
            indices,
            normals,
            tangents: None,
            uvs,
            colors,
        }),
        material_index: uint(primitive, "material").map(|m| m as usize),
    })
}

/// Float RGB or RGBA vertex colours (linear, as glTF has them) in
/// three-d's form; other component types go to the general loader.
fn read_colors(doc: &Value, buffers: &[&[u8]], index: u64) -> Option<Vec<Srgba>> {
    if let Ok(rgb) = accessor(doc, buffers, index, &["VEC3"], &[FLOAT]) {
        let rgb: Vec<[f32; 3]> = rgb.floats::<3, _>()?;
        return Some(srgba_from_linear(
            rgb.into_iter().map(|[r, g, b]| [r, g, b, 1.0]),
        ));
    }
    let rgba = accessor(doc, buffers, index, &["VEC4"], &[FLOAT]).ok()?;
    Some(srgba_from_linear(rgba.floats::<4, [f32; 4]>()?))
}

/// The material's factors, as three-d-asset would read them, with the
/// base colour (linear in glTF) in three-d's sRGB form.
fn read_material(material: &Value) -> Option<CpuMaterial> {
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
    let factor = |key: &str| pbr.and_then(|p| p.get(key)).and_then(Value::as_f64);
    let mut color = [1.0f32; 4];
    if let Some(values) = pbr
        .and_then(|p| p.get("baseColorFactor"))
        .and_then(Value::as_array)
    {
        for (c, v) in color.iter_mut().zip(values) {
            *c = v.as_f64()? as f32;
        }
    }
    Some(CpuMaterial {
        name: material
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        albedo: srgba_from_linear([color]).pop()?,
        metallic: factor("metallicFactor").unwrap_or(1.0) as f32,
        roughness: factor("roughnessFactor").unwrap_or(1.0) as f32,
        alpha_cutout: material
            .get("alphaCutoff")
            .and_then(Value::as_f64)
            .map(|c| c as f32),
        lighting_model: LightingModel::Cook(
            NormalDistributionFunction::TrowbridgeReitzGGX,
            GeometryFunction::SmithSchlickGGX,
        ),
        ..Default::default()
    })
}
