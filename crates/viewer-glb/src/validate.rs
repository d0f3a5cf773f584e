//! Checks a glTF document against the bytes it describes before anything
//! reads it: three-d-asset slices buffers and unwraps without checking, and
//! a panic in the wasm build aborts the whole page, not just the viewer.

use serde_json::Value;
use trellis_glb::{AccessorType, ComponentType, accessor, array, buffer_view, uint};

use crate::error::{GlbError, malformed};
use crate::image_size;
use crate::limits::{MAX_NODE_DEPTH, MAX_TEXTURE_SIDE};

/// glTF primitive mode for triangle lists, the default.
pub(crate) const TRIANGLES: u64 = 4;

use ComponentType::{F32, I8, I16, U8, U16, U32};

/// Component types of each attribute: glTF 2.0's own plus those
/// `KHR_mesh_quantization` allows (normalized or not, as it lists them).
pub(crate) const POSITION_TYPES: [ComponentType; 5] = [F32, I8, U8, I16, U16];
pub(crate) const NORMAL_TYPES: [ComponentType; 3] = [F32, I8, I16];
pub(crate) const UV_TYPES: [ComponentType; 5] = [F32, I8, U8, I16, U16];
pub(crate) const COLOR_TYPES: [ComponentType; 3] = [F32, U8, U16];
pub(crate) const INDEX_TYPES: [ComponentType; 3] = [U8, U16, U32];

/// Checks buffers, views, accessors, triangle primitives and embedded
/// images; `buffers` as [`trellis_glb::buffers`] gives them.
pub fn check(doc: &Value, buffers: &[Option<&[u8]>]) -> Result<(), GlbError> {
    if array(doc, "scenes").is_empty() {
        return Err(malformed("it has no scene"));
    }
    check_nodes(doc)?;
    // Every accessor, whatever uses it (meshes, animations, skins): the
    // general loader reads them all.
    for index in 0..array(doc, "accessors").len() as u64 {
        accessor(doc, buffers, index)?;
    }
    for mesh in array(doc, "meshes") {
        for primitive in array(mesh, "primitives") {
            check_primitive(doc, buffers, primitive)?;
        }
    }
    for image in array(doc, "images") {
        check_image(doc, buffers, image)?;
    }
    Ok(())
}

/// Checks that three-d-asset's glTF loader can read the vertex data: it
/// takes positions and normals as floats only, so quantized ones it would
/// misread are refused (the viewer's own reader takes them).
pub fn check_for_general_loader(doc: &Value, buffers: &[Option<&[u8]>]) -> Result<(), GlbError> {
    for mesh in array(doc, "meshes") {
        for primitive in array(mesh, "primitives") {
            for name in ["POSITION", "NORMAL"] {
                let Some(index) = primitive.pointer(&format!("/attributes/{name}")) else {
                    continue;
                };
                let data = accessor(doc, buffers, index.as_u64().unwrap_or(u64::MAX))?;
                if data.component != F32 {
                    return Err(GlbError::Unsupported(
                        "quantized vertex data together with features only the general glTF loader reads"
                            .into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The nodes form trees (glTF 2.0 §3.5.1): every child and mesh exists,
/// no node has two parents, scenes start at roots, and there is no loop;
/// and no tree is deeper than [`MAX_NODE_DEPTH`].
fn check_nodes(doc: &Value) -> Result<(), GlbError> {
    let nodes = array(doc, "nodes");
    let node_index = |value: &Value| {
        value
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < nodes.len())
    };
    let mut parents: Vec<Option<usize>> = vec![None; nodes.len()];
    for (index, node) in nodes.iter().enumerate() {
        if uint(node, "mesh").is_some_and(|m| m >= array(doc, "meshes").len() as u64) {
            return Err(malformed(format!(
                "node {index} shows a mesh that does not exist"
            )));
        }
        for child in array(node, "children") {
            let child = node_index(child).ok_or_else(|| {
                malformed(format!("node {index} has a child that does not exist"))
            })?;
            if parents[child].replace(index).is_some() {
                return Err(malformed(format!("node {child} has two parents")));
            }
        }
    }
    for scene in array(doc, "scenes") {
        for root in array(scene, "nodes") {
            let root = node_index(root)
                .ok_or_else(|| malformed("a scene shows a node that does not exist"))?;
            if parents[root].is_some() {
                return Err(malformed(format!(
                    "a scene starts at node {root}, which has a parent"
                )));
            }
        }
    }
    // Up from each node to its root, which a loop never reaches. Walks
    // within the depth limit are short, and the first longer one ends the
    // check, so this stays linear.
    for start in 0..nodes.len() {
        let (mut at, mut depth) = (start, 0);
        while let Some(parent) = parents[at] {
            depth += 1;
            if depth > nodes.len() {
                return Err(malformed("its nodes form a loop"));
            }
            at = parent;
        }
        if depth > MAX_NODE_DEPTH {
            return Err(GlbError::Unsupported(format!(
                "nodes nested more than {MAX_NODE_DEPTH} deep"
            )));
        }
    }
    Ok(())
}

fn check_primitive(
    doc: &Value,
    buffers: &[Option<&[u8]>],
    primitive: &Value,
) -> Result<(), GlbError> {
    if uint(primitive, "mode").unwrap_or(TRIANGLES) != TRIANGLES {
        return Err(GlbError::Unsupported(
            "points or lines (not triangles)".into(),
        ));
    }
    let attributes = primitive.get("attributes").unwrap_or(&Value::Null);
    let attribute = |name: &str, kinds: &[AccessorType], components: &[ComponentType]| {
        uint(attributes, name)
            .map(|index| accessor(doc, buffers, index)?.expect(kinds, components))
            .transpose()
    };
    let position = attribute("POSITION", &[AccessorType::Vec3], &POSITION_TYPES)?
        .ok_or_else(|| malformed("a mesh has no positions"))?;
    let vertices = position.count as u64;
    // The loaders pair attributes by vertex; a shorter one would be read
    // past its end when the mesh is built.
    for (name, index) in attributes.as_object().into_iter().flatten() {
        let count = index
            .as_u64()
            .and_then(|i| array(doc, "accessors").get(i as usize))
            .and_then(|a| uint(a, "count"));
        if count != Some(vertices) {
            return Err(malformed(format!(
                "its {name} data does not match its {vertices} vertices"
            )));
        }
    }
    attribute("NORMAL", &[AccessorType::Vec3], &NORMAL_TYPES)?;
    let colours = [AccessorType::Vec3, AccessorType::Vec4];
    attribute("COLOR_0", &colours, &COLOR_TYPES)?;
    if attribute("TEXCOORD_0", &[AccessorType::Vec2], &UV_TYPES)?.is_none()
        && uses_texture(doc, primitive)
    {
        // three-d's shaders would read UVs the mesh does not provide: a
        // shader link failure, which three-d turns into a panic.
        return Err(malformed("a textured mesh has no texture coordinates"));
    }
    let Some(indices) = uint(primitive, "indices") else {
        return whole_triangles(vertices);
    };
    let indices = accessor(doc, buffers, indices)?.expect(&[AccessorType::Scalar], &INDEX_TYPES)?;
    whole_triangles(indices.count as u64)?;
    let max = u64::from(indices.max_index()?);
    if indices.count > 0 && max >= vertices {
        return Err(malformed(format!(
            "a triangle uses vertex {max}, but the mesh has only {vertices}"
        )));
    }
    Ok(())
}

/// Whether the primitive's material samples any texture.
fn uses_texture(doc: &Value, primitive: &Value) -> bool {
    const TEXTURE_PATHS: [&str; 5] = [
        "/pbrMetallicRoughness/baseColorTexture",
        "/pbrMetallicRoughness/metallicRoughnessTexture",
        "/normalTexture",
        "/occlusionTexture",
        "/emissiveTexture",
    ];
    let material =
        uint(primitive, "material").and_then(|i| array(doc, "materials").get(i as usize));
    material.is_some_and(|m| TEXTURE_PATHS.iter().any(|path| m.pointer(path).is_some()))
}

fn whole_triangles(count: u64) -> Result<(), GlbError> {
    if count.is_multiple_of(3) {
        Ok(())
    } else {
        Err(malformed(format!(
            "{count} indices do not make whole triangles"
        )))
    }
}

fn check_image(doc: &Value, buffers: &[Option<&[u8]>], image: &Value) -> Result<(), GlbError> {
    let Some(view_index) = uint(image, "bufferView") else {
        return Err(GlbError::Unsupported(
            "a texture stored outside the GLB file".into(),
        ));
    };
    let view = buffer_view(doc, buffers, view_index)?;
    if view.stride.is_some() {
        return Err(malformed("an image's buffer view has a stride"));
    }
    let Some((format, width, height)) = image_size::sniff(view.bytes) else {
        return Err(GlbError::Unsupported(
            "a texture that is not PNG, JPEG or WebP".into(),
        ));
    };
    if width == 0 || height == 0 {
        return Err(malformed(format!(
            "a {format:?} texture is {width}×{height} pixels"
        )));
    }
    if width > MAX_TEXTURE_SIDE || height > MAX_TEXTURE_SIDE {
        return Err(GlbError::TextureTooLarge { width, height });
    }
    Ok(())
}
