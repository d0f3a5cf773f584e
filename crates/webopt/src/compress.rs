//! Writing quantized streams as `EXT_meshopt_compression` buffer views.
//!
//! Required, without fallback data: each view points at a placeholder
//! buffer (no bytes, `fallback: true`) for its decoded layout and at the
//! binary chunk for its compressed bytes, and the extension is listed in
//! `extensionsRequired`. Shipping the uncompressed data as well would
//! double the geometry and defeat the purpose; every web loader we target
//! (our viewer, three.js, Babylon.js, model-viewer) decodes meshopt.
//! Loaders that do not (Android Scene Viewer for AR, most DCC tools) get
//! the original GLB, which stays the download and the AR file.

use serde_json::json;
use trellis_glb::meshopt::{EXTENSION, Filter, Mode};
use trellis_glb::{ALIGN, ComponentType, GlbWriter, Target};

/// The attribute codec's version `EXT_meshopt_compression` allows (v1,
/// meshoptimizer's default since 0.23, is only for its successor).
const VERTEX_CODEC_VERSION: i32 = 0;
/// meshoptimizer's default effort; the level only affects version 1.
const VERTEX_CODEC_LEVEL: i32 = 2;

/// Compressed views written into one GLB, all decoding into one fallback
/// placeholder buffer.
pub struct Compressor<'w> {
    pub writer: &'w mut GlbWriter,
    /// The placeholder buffer's index.
    fallback: usize,
    fallback_len: usize,
}

impl<'w> Compressor<'w> {
    pub fn new(writer: &'w mut GlbWriter) -> Self {
        let fallback = writer.add_buffer(json!({ "byteLength": 0 }));
        Self {
            writer,
            fallback,
            fallback_len: 0,
        }
    }

    /// `data` (elements of 4 to 256 bytes, a multiple of 4) as a vertex
    /// attribute view; its index.
    pub fn attribute<T: Copy>(&mut self, data: &[T], filter: Filter) -> usize {
        // `encode_vertex_buffer_level` only fails for element sizes outside
        // 4..=256 or not a multiple of 4, which the callers' types rule out.
        let encoded = meshopt::encode_vertex_buffer_level(
            data,
            VERTEX_CODEC_LEVEL,
            Some(VERTEX_CODEC_VERSION),
        )
        .unwrap_or_default();
        let stride = size_of::<T>();
        self.view(
            &encoded,
            stride,
            data.len(),
            Mode::Attributes,
            filter,
            Target::Vertices,
        )
    }

    /// Triangle indices as a view of u16 (when `vertex_count` allows) or
    /// u32; the view index and the accessor component type.
    pub fn triangles(&mut self, indices: &[u32], vertex_count: usize) -> (usize, ComponentType) {
        let encoded = meshopt::encode_index_buffer(indices, vertex_count).unwrap_or_default();
        let (stride, component) = if vertex_count <= usize::from(u16::MAX) + 1 {
            (2, ComponentType::U16)
        } else {
            (4, ComponentType::U32)
        };
        let view = self.view(
            &encoded,
            stride,
            indices.len(),
            Mode::Triangles,
            Filter::None,
            Target::Indices,
        );
        (view, component)
    }

    fn view(
        &mut self,
        encoded: &[u8],
        stride: usize,
        count: usize,
        mode: Mode,
        filter: Filter,
        target: Target,
    ) -> usize {
        let offset = self.writer.push_bytes(encoded);
        let mut extension = json!({
            "buffer": 0,
            "byteOffset": offset,
            "byteLength": encoded.len(),
            "byteStride": stride,
            "count": count,
            "mode": mode.name(),
        });
        if filter != Filter::None {
            extension["filter"] = json!(filter.name());
        }
        let mut view = json!({
            "buffer": self.fallback,
            "byteOffset": self.fallback_len,
            "byteLength": stride * count,
            "target": target.code(),
            "extensions": { EXTENSION: extension },
        });
        if target == Target::Vertices {
            view["byteStride"] = json!(stride);
        }
        self.fallback_len = (self.fallback_len + stride * count).next_multiple_of(ALIGN);
        self.writer.add_view(view)
    }

    /// Gives the placeholder buffer its final length: enough for every
    /// decoded view, as the extension requires.
    pub fn finish(self) {
        let placeholder = json!({
            "byteLength": self.fallback_len.max(ALIGN),
            "extensions": { EXTENSION: { "fallback": true } },
        });
        self.writer.set_buffer(self.fallback, placeholder);
    }
}
