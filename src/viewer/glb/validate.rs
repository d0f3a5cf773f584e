//! Checks a glTF document against the bytes it describes before three-d-asset
//! sees it: the loader slices buffers and unwraps without checking, and a
//! panic in the wasm build aborts the whole page, not just the viewer.

use super::GlbError;
use super::image_size;
use serde_json::Value;

/// Largest texture side accepted. WebGL2 only guarantees 2048 and common
/// GPUs allow 8192–16384; an 8192² RGBA texture already needs 256 MB decoded
/// plus mipmaps, so anything larger would exhaust memory before it showed.
pub const MAX_TEXTURE_SIDE: u32 = 8192;

/// glTF component types (§3.6.2.2) and their sizes in bytes.
const UNSIGNED_BYTE: u64 = 5121;
const UNSIGNED_SHORT: u64 = 5123;
const UNSIGNED_INT: u64 = 5125;
const FLOAT: u64 = 5126;
/// glTF primitive mode for triangle lists, the default.
const TRIANGLES: u64 = 4;

/// Checks buffers, views, accessors, triangle primitives and embedded images.
pub fn check(doc: &Value, bin: Option<&[u8]>) -> Result<(), GlbError> {
    if array(doc, "scenes").is_empty() {
        return Err(malformed("it has no scene"));
    }
    let buffers = buffers(doc, bin)?;
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
fn buffers<'a>(doc: &Value, bin: Option<&'a [u8]>) -> Result<Vec<&'a [u8]>, GlbError> {
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
    if let Some(max) = view.max_value() {
        if max >= vertices {
            return Err(malformed(&format!(
                "a triangle uses vertex {max}, but the mesh has only {vertices}"
            )));
        }
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

/// An accessor whose every element lies inside its buffer view and buffer.
struct AccessorData<'a> {
    count: u64,
    component: u64,
    stride: usize,
    bytes: Option<&'a [u8]>,
}

impl AccessorData<'_> {
    /// Largest value of a scalar integer accessor (`None` when it has no data).
    fn max_value(&self) -> Option<u64> {
        let bytes = self.bytes?;
        let size = component_size(self.component)? as usize;
        bytes
            .chunks(self.stride)
            .take(self.count as usize)
            .filter_map(|element| element.get(..size))
            .map(|v| match v {
                [a] => u64::from(*a),
                [a, b] => u64::from(u16::from_le_bytes([*a, *b])),
                [a, b, c, d] => u64::from(u32::from_le_bytes([*a, *b, *c, *d])),
                _ => 0,
            })
            .max()
    }
}

fn accessor<'a>(
    doc: &Value,
    buffers: &[&'a [u8]],
    index: u64,
    kinds: &[&str],
    components: &[u64],
) -> Result<AccessorData<'a>, GlbError> {
    let accessor = item(doc, "accessors", index)?;
    if accessor.get("sparse").is_some() {
        return Err(GlbError::Unsupported("sparse accessors".into()));
    }
    let kind = accessor.get("type").and_then(Value::as_str).unwrap_or("");
    let component = uint(accessor, "componentType").unwrap_or(0);
    let (Some(width), true) = (
        components_per_element(kind),
        components.contains(&component),
    ) else {
        return Err(malformed(&format!("accessor {index} has the wrong type")));
    };
    if !kinds.contains(&kind) {
        return Err(malformed(&format!(
            "accessor {index} is {kind}, expected {kinds:?}"
        )));
    }
    let count = uint(accessor, "count").unwrap_or(0);
    let element = width * component_size(component).unwrap_or(0);
    let Some(view_index) = uint(accessor, "bufferView") else {
        // No view: all zeros by definition (§3.6.2.3), no bytes to check.
        return Ok(AccessorData {
            count,
            component,
            stride: element as usize,
            bytes: None,
        });
    };
    let (view, stride) = buffer_view(doc, buffers, view_index)?;
    let stride = stride.unwrap_or(element);
    let offset = uint(accessor, "byteOffset").unwrap_or(0);
    let needed = match count {
        0 => 0,
        n => (n - 1)
            .checked_mul(stride)
            .and_then(|s| s.checked_add(offset + element))
            .unwrap_or(u64::MAX),
    };
    if needed > view.len() as u64 || stride < element {
        return Err(malformed(&format!(
            "accessor {index} reads past the end of its data"
        )));
    }
    Ok(AccessorData {
        count,
        component,
        stride: stride as usize,
        bytes: Some(&view[offset as usize..]),
    })
}

/// The bytes of a buffer view, and its stride if it sets one.
fn buffer_view<'a>(
    doc: &Value,
    buffers: &[&'a [u8]],
    index: u64,
) -> Result<(&'a [u8], Option<u64>), GlbError> {
    let view = item(doc, "bufferViews", index)?;
    let buffer = uint(view, "buffer")
        .and_then(|b| buffers.get(b as usize))
        .ok_or_else(|| malformed(&format!("buffer view {index} has no buffer")))?;
    let start = uint(view, "byteOffset").unwrap_or(0);
    let end = start.checked_add(uint(view, "byteLength").unwrap_or(0));
    match end {
        Some(end) if end <= buffer.len() as u64 => Ok((
            &buffer[start as usize..end as usize],
            uint(view, "byteStride"),
        )),
        _ => Err(malformed(&format!(
            "buffer view {index} lies outside the file"
        ))),
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

fn components_per_element(kind: &str) -> Option<u64> {
    match kind {
        "SCALAR" => Some(1),
        "VEC2" => Some(2),
        "VEC3" => Some(3),
        "VEC4" | "MAT2" => Some(4),
        "MAT3" => Some(9),
        "MAT4" => Some(16),
        _ => None,
    }
}

fn component_size(component: u64) -> Option<u64> {
    match component {
        5120 | UNSIGNED_BYTE => Some(1),
        5122 | UNSIGNED_SHORT => Some(2),
        UNSIGNED_INT | FLOAT => Some(4),
        _ => None,
    }
}

/// `doc[key]` as a slice, empty when absent.
pub(super) fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn item<'a>(doc: &'a Value, key: &str, index: u64) -> Result<&'a Value, GlbError> {
    array(doc, key)
        .get(index as usize)
        .ok_or_else(|| malformed(&format!("{key}[{index}] does not exist")))
}

fn uint(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

fn malformed(what: &str) -> GlbError {
    GlbError::Malformed(what.to_string())
}
