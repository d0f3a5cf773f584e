//! Building a GLB: the binary chunk with its buffer views and accessors,
//! each view 4-byte aligned, then the document framed around it.

use serde_json::{Value, json};

use crate::accessor::{AccessorType, ComponentType};
use crate::container::{ALIGN, join};
use crate::document::to_json;
use crate::error::GlbError;

/// `bufferView.target`: what a view holds, so loaders can upload it to the
/// right kind of GPU buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Vertex attributes (`ARRAY_BUFFER`).
    Vertices,
    /// Triangle indices (`ELEMENT_ARRAY_BUFFER`).
    Indices,
}

impl Target {
    /// The glTF `target` code.
    pub const fn code(self) -> u32 {
        match self {
            Target::Vertices => 34962,
            Target::Indices => 34963,
        }
    }
}

/// The binary chunk under construction, with the views, accessors and any
/// extra buffers that describe it.
#[derive(Debug, Default)]
pub struct GlbWriter {
    bin: Vec<u8>,
    views: Vec<Value>,
    accessors: Vec<Value>,
    extra_buffers: Vec<Value>,
}

impl GlbWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `bytes` to the binary chunk at the next 4-byte boundary;
    /// their offset. For data that a view's extension points at, such as
    /// `EXT_meshopt_compression` streams.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> usize {
        self.bin.resize(self.bin.len().next_multiple_of(ALIGN), 0);
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        offset
    }

    /// `bytes` in a buffer view of their own; the view index.
    pub fn push_view(&mut self, bytes: &[u8], target: Option<Target>) -> usize {
        self.push_view_with(bytes.len(), target, |out| out.extend_from_slice(bytes))
    }

    /// A buffer view of `len` bytes, which `write` appends to the chunk (so
    /// typed data need not be copied into a byte vector first).
    pub fn push_view_with(
        &mut self,
        len: usize,
        target: Option<Target>,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> usize {
        let offset = self.push_bytes(&[]);
        self.bin.reserve(len);
        write(&mut self.bin);
        debug_assert_eq!(self.bin.len() - offset, len, "the writer wrote {len} bytes");
        let mut view = json!({ "buffer": 0, "byteOffset": offset, "byteLength": len });
        if let Some(target) = target {
            view["target"] = json!(target.code());
        }
        self.add_view(view)
    }

    /// A buffer view described by the caller (another buffer, a stride, an
    /// extension); its index.
    pub fn add_view(&mut self, view: Value) -> usize {
        self.views.push(view);
        self.views.len() - 1
    }

    /// An accessor described by the caller; its index.
    pub fn add_accessor(&mut self, accessor: Value) -> usize {
        self.accessors.push(accessor);
        self.accessors.len() - 1
    }

    /// A buffer after the binary chunk (index 1 on), such as a meshopt
    /// fallback placeholder; its index.
    pub fn add_buffer(&mut self, buffer: Value) -> usize {
        self.extra_buffers.push(buffer);
        self.extra_buffers.len()
    }

    /// Replaces buffer `index` (from [`add_buffer`](Self::add_buffer)), e.g.
    /// once its length is known. Returns false if there is no such buffer.
    pub fn set_buffer(&mut self, index: usize, buffer: Value) -> bool {
        match index
            .checked_sub(1)
            .and_then(|i| self.extra_buffers.get_mut(i))
        {
            Some(slot) => {
                *slot = buffer;
                true
            }
            None => false,
        }
    }

    /// A float attribute of `N` components (1–4) in a view of its own; the
    /// accessor index. `bounds` adds the min/max glTF requires of POSITION.
    pub fn float_accessor<const N: usize>(
        &mut self,
        data: &[[f32; N]],
        target: Option<Target>,
        bounds: bool,
    ) -> usize {
        let view = self.push_view_with(data.len() * N * 4, target, |bytes| {
            for value in data.iter().flatten() {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        });
        let kind = [
            AccessorType::Scalar,
            AccessorType::Vec2,
            AccessorType::Vec3,
            AccessorType::Vec4,
        ][N.clamp(1, 4) - 1];
        let mut accessor = json!({
            "bufferView": view,
            "componentType": ComponentType::F32.code(),
            "count": data.len(),
            "type": kind.name(),
        });
        if bounds {
            let (min, max) = bounds_of(data);
            accessor["min"] = json!(min.as_slice());
            accessor["max"] = json!(max.as_slice());
        }
        self.add_accessor(accessor)
    }

    /// A triangle index accessor of u32s in a view of its own; its index.
    pub fn u32_indices(&mut self, indices: &[u32]) -> usize {
        let view = self.push_view_with(indices.len() * 4, Some(Target::Indices), |bytes| {
            for index in indices {
                bytes.extend_from_slice(&index.to_le_bytes());
            }
        });
        self.add_accessor(json!({
            "bufferView": view,
            "componentType": ComponentType::U32.code(),
            "count": indices.len(),
            "type": AccessorType::Scalar.name(),
        }))
    }

    /// Puts the buffers, views and accessors into `document` and frames the
    /// result as a GLB.
    pub fn finish(self, document: Value) -> Result<Vec<u8>, GlbError> {
        let (document, bin) = self.into_parts(document);
        join(&to_json(&document), Some(&bin))
    }

    /// Puts the buffers, views and accessors into `document`; the document
    /// and the binary chunk, unframed (for tests that damage one of them).
    pub fn into_parts(mut self, mut document: Value) -> (Value, Vec<u8>) {
        self.push_bytes(&[]);
        let mut buffers = vec![json!({ "byteLength": self.bin.len() })];
        buffers.extend(self.extra_buffers);
        document["buffers"] = Value::Array(buffers);
        document["bufferViews"] = Value::Array(self.views);
        document["accessors"] = Value::Array(self.accessors);
        (document, self.bin)
    }
}

/// Per-component minimum and maximum of `data`.
pub fn bounds_of<const N: usize>(data: &[[f32; N]]) -> ([f32; N], [f32; N]) {
    let mut min = [f32::INFINITY; N];
    let mut max = [f32::NEG_INFINITY; N];
    for item in data {
        for axis in 0..N {
            min[axis] = min[axis].min(item[axis]);
            max[axis] = max[axis].max(item[axis]);
        }
    }
    (min, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{accessor, buffers, container, document};

    #[test]
    fn written_accessors_read_back() {
        let mut writer = GlbWriter::new();
        let positions = [[0.0, 1.0, 2.0], [-3.0, 4.5, 0.25]];
        let position = writer.float_accessor(&positions, Some(Target::Vertices), true);
        writer.push_view(&[7, 7, 7], None);
        let indices = writer.u32_indices(&[0, 1, 1]);
        let glb = writer
            .finish(json!({ "asset": { "version": "2.0" } }))
            .unwrap();

        let chunks = container::split(&glb).unwrap();
        let doc = document::parse(chunks.json).unwrap();
        assert_eq!(doc["accessors"][position]["min"], json!([-3.0, 1.0, 0.25]));
        assert_eq!(doc["accessors"][position]["max"], json!([0.0, 4.5, 2.0]));
        assert_eq!(
            doc["bufferViews"][2]["byteOffset"],
            json!(28),
            "aligned after 3 bytes"
        );
        let buffers = buffers(&doc, chunks.bin).unwrap();
        let read = accessor(&doc, &buffers, position as u64).unwrap();
        assert_eq!(read.read_f32::<3>().unwrap(), positions.to_vec());
        let read = accessor(&doc, &buffers, indices as u64).unwrap();
        assert_eq!(read.read_u32().unwrap(), vec![0, 1, 1]);
    }

    #[test]
    fn extra_buffers_follow_the_binary_chunk() {
        let mut writer = GlbWriter::new();
        assert_eq!(writer.add_buffer(json!({ "byteLength": 1 })), 1);
        assert!(writer.set_buffer(1, json!({ "byteLength": 64 })));
        assert!(!writer.set_buffer(0, json!({})) && !writer.set_buffer(2, json!({})));
        let glb = writer.finish(json!({})).unwrap();
        let doc = document::parse(container::split(&glb).unwrap().json).unwrap();
        assert_eq!(
            doc["buffers"],
            json!([{ "byteLength": 0 }, { "byteLength": 64 }])
        );
    }
}
