//! Accessor and buffer-view bounds (glTF 2.0 §3.6): every element an
//! accessor describes must lie inside its view, and every view inside its
//! buffer, before the loader slices them.

use super::GlbError;
use super::validate::{array, malformed, uint};
use serde_json::Value;

/// glTF component types (§3.6.2.2) this viewer reads.
pub(super) const UNSIGNED_BYTE: u64 = 5121;
pub(super) const UNSIGNED_SHORT: u64 = 5123;
pub(super) const UNSIGNED_INT: u64 = 5125;
pub(super) const FLOAT: u64 = 5126;
/// The signed component types, which only matter for their sizes here.
const BYTE: u64 = 5120;
const SHORT: u64 = 5122;

/// An accessor whose every element lies inside its buffer view and buffer.
pub(super) struct AccessorData<'a> {
    /// Number of elements.
    pub count: u64,
    component: u64,
    stride: usize,
    bytes: Option<&'a [u8]>,
}

impl AccessorData<'_> {
    /// The elements of a float accessor with `N` components each, or `None`
    /// for other component types or an accessor without data.
    pub fn floats<const N: usize, T: From<[f32; N]>>(&self) -> Option<Vec<T>> {
        if self.component != FLOAT {
            return None;
        }
        let mut out = Vec::with_capacity(self.count as usize);
        for element in self.bytes?.chunks(self.stride).take(self.count as usize) {
            let mut value = [0.0; N];
            for (v, bytes) in value.iter_mut().zip(element.chunks_exact(4)) {
                if let [a, b, c, d] = *bytes {
                    *v = f32::from_le_bytes([a, b, c, d]);
                }
            }
            out.push(T::from(value));
        }
        Some(out)
    }

    /// The elements of an integer index accessor, in its own width.
    /// Validation guarantees every element is complete, so the zero
    /// fallbacks never apply.
    pub fn indices(&self) -> Option<three_d::Indices> {
        let elements = self.bytes?.chunks(self.stride).take(self.count as usize);
        Some(match self.component {
            UNSIGNED_BYTE => {
                three_d::Indices::U8(elements.map(|e| e.first().copied().unwrap_or(0)).collect())
            }
            UNSIGNED_SHORT => three_d::Indices::U16(
                elements
                    .map(|e| match *e {
                        [a, b, ..] => u16::from_le_bytes([a, b]),
                        _ => 0,
                    })
                    .collect(),
            ),
            UNSIGNED_INT => three_d::Indices::U32(
                elements
                    .map(|e| match *e {
                        [a, b, c, d, ..] => u32::from_le_bytes([a, b, c, d]),
                        _ => 0,
                    })
                    .collect(),
            ),
            _ => return None,
        })
    }

    /// Largest value of a scalar integer accessor (`None` when it has no data).
    pub fn max_value(&self) -> Option<u64> {
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

/// Accessor `index`, checked to be one of `kinds` (e.g. VEC3) with one of
/// `components`, and to lie inside its buffer view.
pub(super) fn accessor<'a>(
    doc: &Value,
    buffers: &[&'a [u8]],
    index: u64,
    kinds: &[&str],
    components: &[u64],
) -> Result<AccessorData<'a>, GlbError> {
    let data = in_bounds(doc, buffers, index)?;
    let accessor = item(doc, "accessors", index)?;
    let kind = accessor.get("type").and_then(Value::as_str).unwrap_or("");
    if !kinds.contains(&kind) || !components.contains(&data.component) {
        return Err(malformed(&format!(
            "accessor {index} is {kind} of type {}, expected {kinds:?} of {components:?}",
            data.component
        )));
    }
    Ok(data)
}

/// Checks that every accessor, whatever uses it (meshes, animations, skins),
/// lies inside its data: the loader reads them all.
pub(super) fn check_all(doc: &Value, buffers: &[&[u8]]) -> Result<(), GlbError> {
    (0..array(doc, "accessors").len() as u64).try_for_each(|i| in_bounds(doc, buffers, i).map(drop))
}

/// Accessor `index` with a known layout, lying inside its buffer view.
fn in_bounds<'a>(
    doc: &Value,
    buffers: &[&'a [u8]],
    index: u64,
) -> Result<AccessorData<'a>, GlbError> {
    let accessor = item(doc, "accessors", index)?;
    if accessor.get("sparse").is_some() {
        return Err(GlbError::Unsupported("sparse accessors".into()));
    }
    let kind = accessor.get("type").and_then(Value::as_str).unwrap_or("");
    let component = uint(accessor, "componentType").unwrap_or(0);
    let (Some(width), Some(size)) = (components_per_element(kind), component_size(component))
    else {
        return Err(malformed(&format!("accessor {index} has an unknown type")));
    };
    let count = uint(accessor, "count").unwrap_or(0);
    let element = width * size;
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
    // Even an empty accessor's offset must lie inside the view.
    let needed = match count {
        0 => offset,
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
pub(super) fn buffer_view<'a>(
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
        BYTE | UNSIGNED_BYTE => Some(1),
        SHORT | UNSIGNED_SHORT => Some(2),
        UNSIGNED_INT | FLOAT => Some(4),
        _ => None,
    }
}

fn item<'a>(doc: &'a Value, key: &str, index: u64) -> Result<&'a Value, GlbError> {
    array(doc, key)
        .get(index as usize)
        .ok_or_else(|| malformed(&format!("{key}[{index}] does not exist")))
}
