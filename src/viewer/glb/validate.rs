//! Checks a glTF document against the bytes it describes before three-d-asset
//! sees it: the loader slices buffers and unwraps without checking, and a
//! panic in the wasm build aborts the whole page, not just the viewer.

use super::GlbError;
use super::accessor::{
    self, FLOAT, UNSIGNED_BYTE, UNSIGNED_INT, UNSIGNED_SHORT, accessor, buffer_view,
};
use super::image_size;
use serde_json::Value;

/// Largest texture side accepted. WebGL2 only guarantees 2048 and common
/// GPUs allow 8192–16384; an 8192² RGBA texture already needs 256 MB decoded
/// plus mipmaps, so anything larger would exhaust memory before it showed.
pub const MAX_TEXTURE_SIDE: u32 = 8192;

/// glTF primitive mode for triangle lists, the default.
const TRIANGLES: u64 = 4;

/// Checks buffers, views, accessors, triangle primitives and embedded images.
pub fn check(doc: &Value, bin: Option<&[u8]>) -> Result<(), GlbError> {
    if array(doc, "scenes").is_empty() {
        return Err(malformed("it has no scene"));
    }
    let buffers = buffers(doc, bin)?;
    accessor::check_all(doc, &buffers)?;
    for mesh in array(doc, "meshes") {
        for primitive in array(mesh, "primitives") {
            check_primitive(doc, &buffers, primitive)?;
        }
    }
    for image in array(doc, "images") {
        check_image(doc, &buffers, image)?;
    }
    Ok(())
}

/// The data of every buffer. Only the GLB's own binary chunk is available:
/// the viewer loads one file, so external or data-URI buffers are refused.
pub(super) fn buffers<'a>(doc: &Value, bin: Option<&'a [u8]>) -> Result<Vec<&'a [u8]>, GlbError> {
    let mut out = Vec::new();
    for (i, buffer) in array(doc, "buffers").iter().enumerate() {
        if buffer.get("uri").is_some() || i > 0 {
            return Err(GlbError::Unsupported(
                "a buffer stored outside the GLB file".into(),
            ));
        }
        let declared = uint(buffer, "byteLength").unwrap_or(0);
        let data = bin.ok_or_else(|| malformed("its binary chunk is missing"))?;
        if declared > data.len() as u64 {
            return Err(GlbError::Truncated {
                expected: declared as usize,
                actual: data.len(),
            });
        }
        out.push(&data[..declared as usize]);
    }
    Ok(out)
}

fn check_primitive(doc: &Value, buffers: &[&[u8]], primitive: &Value) -> Result<(), GlbError> {
    if uint(primitive, "mode").unwrap_or(TRIANGLES) != TRIANGLES {
        return Err(GlbError::Unsupported(
            "points or lines (not triangles)".into(),
        ));
    }
    let attributes = primitive.get("attributes").unwrap_or(&Value::Null);
    let position =
        uint(attributes, "POSITION").ok_or_else(|| malformed("a mesh has no positions"))?;
    let vertices = accessor(doc, buffers, position, &["VEC3"], &[FLOAT])?.count;
    // The loader pairs attributes by vertex; a shorter one would be read
    // past its end when the mesh is built.
    for (name, index) in attributes.as_object().into_iter().flatten() {
        let count = index
            .as_u64()
            .and_then(|i| array(doc, "accessors").get(i as usize))
            .and_then(|a| uint(a, "count"));
        if count != Some(vertices) {
            return Err(malformed(&format!(
                "its {name} data does not match its {vertices} vertices"
            )));
        }
    }
    if let Some(normal) = uint(attributes, "NORMAL") {
        accessor(doc, buffers, normal, &["VEC3"], &[FLOAT])?;
    }
    if let Some(uv) = uint(attributes, "TEXCOORD_0") {
        accessor(
            doc,
            buffers,
            uv,
            &["VEC2"],
            &[FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT],
        )?;
    } else if uses_texture(doc, primitive) {
        // three-d's shaders would read UVs the mesh does not provide: a
        // shader link failure, which three-d turns into a panic.
        return Err(malformed("a textured mesh has no texture coordinates"));
    }
    let Some(indices) = uint(primitive, "indices") else {
        return whole_triangles(vertices);
    };
    let view = accessor(
        doc,
        buffers,
        indices,
        &["SCALAR"],
        &[UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT],
    )?;
    whole_triangles(view.count)?;
    if let Some(max) = view.max_value().filter(|&max| max >= vertices) {
        return Err(malformed(&format!(
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
        Err(malformed(&format!(
            "{count} indices do not make whole triangles"
        )))
    }
}

fn check_image(doc: &Value, buffers: &[&[u8]], image: &Value) -> Result<(), GlbError> {
    let Some(view_index) = uint(image, "bufferView") else {
        return Err(GlbError::Unsupported(
            "a texture stored outside the GLB file".into(),
        ));
    };
    let (bytes, stride) = buffer_view(doc, buffers, view_index)?;
    if stride.is_some() {
        return Err(malformed("an image's buffer view has a stride"));
    }
    let Some((format, width, height)) = image_size::sniff(bytes) else {
        return Err(GlbError::Unsupported(
            "a texture that is not PNG, JPEG or WebP".into(),
        ));
    };
    if width == 0 || height == 0 {
        return Err(malformed(&format!(
            "a {format:?} texture is {width}×{height} pixels"
        )));
    }
    if width > MAX_TEXTURE_SIDE || height > MAX_TEXTURE_SIDE {
        return Err(GlbError::TextureTooLarge { width, height });
    }
    Ok(())
}

/// `doc[key]` as a slice, empty when absent.
pub(super) fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn uint(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

pub(super) fn malformed(what: &str) -> GlbError {
    GlbError::Malformed(what.to_string())
}
