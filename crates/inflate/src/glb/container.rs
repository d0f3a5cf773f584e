//! The binary side of a GLB: the BIN chunk with its buffer views and
//! accessors, and the 12-byte header plus two chunks around it.

use serde_json::{Value, json};

use crate::InflateError;

/// `bufferView.target` for vertex attributes (`ARRAY_BUFFER`).
const ARRAY_BUFFER: u32 = 34962;
/// `bufferView.target` for indices (`ELEMENT_ARRAY_BUFFER`).
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
/// `accessor.componentType` for `f32`.
const FLOAT: u32 = 5126;
/// `accessor.componentType` for `u32`.
const UNSIGNED_INT: u32 = 5125;

/// "glTF", little-endian, as the GLB spec spells its magic number.
const MAGIC: u32 = 0x4654_6C67;
const VERSION: u32 = 2;
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;
/// Header: magic, version, total length.
const HEADER_LEN: usize = 12;
/// Each chunk starts with its length and its type.
const CHUNK_HEADER_LEN: usize = 8;
/// GLB chunks and every buffer view start on 4-byte boundaries, so readers
/// can view `f32`/`u32` data in place.
const ALIGN: usize = 4;

/// The BIN chunk under construction, with the views and accessors into it.
#[derive(Default)]
pub(super) struct BinaryBuffer {
    bytes: Vec<u8>,
    views: Vec<Value>,
    accessors: Vec<Value>,
}

impl BinaryBuffer {
    /// A float attribute of `N` components (`type_name` "VEC2"/"VEC3"); the
    /// accessor index. `bounds` adds the min/max glTF requires of POSITION.
    pub(super) fn float_attribute<const N: usize>(
        &mut self,
        data: &[[f32; N]],
        type_name: &str,
        bounds: bool,
    ) -> usize {
        let view = self.view(data.len() * N * 4, Some(ARRAY_BUFFER), |bytes| {
            for value in data.iter().flatten() {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        });
        let mut accessor = json!({
            "bufferView": view,
            "componentType": FLOAT,
            "count": data.len(),
            "type": type_name,
        });
        if bounds {
            let mut min = [f32::INFINITY; N];
            let mut max = [f32::NEG_INFINITY; N];
            for item in data {
                for axis in 0..N {
                    min[axis] = min[axis].min(item[axis]);
                    max[axis] = max[axis].max(item[axis]);
                }
            }
            accessor["min"] = json!(min.as_slice());
            accessor["max"] = json!(max.as_slice());
        }
        self.push_accessor(accessor)
    }

    /// The triangle index accessor.
    pub(super) fn indices(&mut self, indices: &[u32]) -> usize {
        let view = self.view(indices.len() * 4, Some(ELEMENT_ARRAY_BUFFER), |bytes| {
            for index in indices {
                bytes.extend_from_slice(&index.to_le_bytes());
            }
        });
        self.push_accessor(json!({
            "bufferView": view,
            "componentType": UNSIGNED_INT,
            "count": indices.len(),
            "type": "SCALAR",
        }))
    }

    /// Raw bytes (an embedded image) in a view of their own; the view index.
    pub(super) fn blob(&mut self, data: &[u8]) -> usize {
        self.view(data.len(), None, |bytes| bytes.extend_from_slice(data))
    }

    /// Appends a 4-byte aligned view of `len` bytes written by `write`.
    fn view(&mut self, len: usize, target: Option<u32>, write: impl FnOnce(&mut Vec<u8>)) -> usize {
        pad(&mut self.bytes, 0);
        let offset = self.bytes.len();
        self.bytes.reserve(len);
        write(&mut self.bytes);
        let mut view = json!({ "buffer": 0, "byteOffset": offset, "byteLength": len });
        if let Some(target) = target {
            view["target"] = json!(target);
        }
        self.views.push(view);
        self.views.len() - 1
    }

    fn push_accessor(&mut self, accessor: Value) -> usize {
        self.accessors.push(accessor);
        self.accessors.len() - 1
    }

    /// Puts the buffer, views and accessors into `document` and frames the
    /// result as a GLB.
    pub(super) fn into_glb(mut self, mut document: Value) -> Result<Vec<u8>, InflateError> {
        pad(&mut self.bytes, 0);
        document["buffers"] = json!([{ "byteLength": self.bytes.len() }]);
        document["bufferViews"] = Value::Array(self.views);
        document["accessors"] = Value::Array(self.accessors);
        let mut json = serde_json::to_vec(&document).map_err(|e| {
            InflateError::InvalidMesh(format!("could not write the glTF JSON: {e}"))
        })?;
        pad(&mut json, b' ');
        let total = HEADER_LEN + 2 * CHUNK_HEADER_LEN + json.len() + self.bytes.len();
        let too_big = || {
            InflateError::InvalidMesh(format!(
                "the model would take {total} bytes, more than a GLB can hold"
            ))
        };
        let total_u32 = u32::try_from(total).map_err(|_| too_big())?;
        let mut glb = Vec::with_capacity(total);
        for word in [MAGIC, VERSION, total_u32] {
            glb.extend_from_slice(&word.to_le_bytes());
        }
        for (kind, data) in [(CHUNK_JSON, &json), (CHUNK_BIN, &self.bytes)] {
            // Both lengths are below `total`, which fits a u32.
            glb.extend_from_slice(&(data.len() as u32).to_le_bytes());
            glb.extend_from_slice(&kind.to_le_bytes());
            glb.extend_from_slice(data);
        }
        Ok(glb)
    }
}

/// Pads `bytes` with `fill` to the next multiple of 4 (the JSON chunk must
/// pad with spaces, the BIN chunk with zeros).
fn pad(bytes: &mut Vec<u8>, fill: u8) {
    let padded = bytes.len().next_multiple_of(ALIGN);
    bytes.resize(padded, fill);
}
