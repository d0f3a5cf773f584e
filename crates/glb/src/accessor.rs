//! Accessors and buffer views (glTF 2.0 §3.6): every element an accessor
//! describes is checked to lie inside its view, and every view inside its
//! buffer, before anything is sliced; then typed reads, including the
//! normalized integers `KHR_mesh_quantization` allows.

use serde_json::Value;

use crate::document::{item, uint};
use crate::error::{GlbError, malformed};

/// An accessor's component type (§3.6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentType {
    I8,
    U8,
    I16,
    U16,
    U32,
    F32,
}

impl ComponentType {
    /// The glTF `componentType` code.
    pub const fn code(self) -> u32 {
        match self {
            ComponentType::I8 => 5120,
            ComponentType::U8 => 5121,
            ComponentType::I16 => 5122,
            ComponentType::U16 => 5123,
            ComponentType::U32 => 5125,
            ComponentType::F32 => 5126,
        }
    }

    /// The type a glTF `componentType` code names.
    pub fn from_code(code: u64) -> Option<Self> {
        [
            ComponentType::I8,
            ComponentType::U8,
            ComponentType::I16,
            ComponentType::U16,
            ComponentType::U32,
            ComponentType::F32,
        ]
        .into_iter()
        .find(|c| u64::from(c.code()) == code)
    }

    /// Bytes per component.
    pub const fn size(self) -> usize {
        match self {
            ComponentType::I8 | ComponentType::U8 => 1,
            ComponentType::I16 | ComponentType::U16 => 2,
            ComponentType::U32 | ComponentType::F32 => 4,
        }
    }

    /// Component `bytes` (exactly [`size`](Self::size) long) as a float:
    /// normalized integers are mapped to [0, 1] or [-1, 1] as §3.11
    /// specifies, other integers are converted as they are.
    fn to_f32(self, bytes: &[u8], normalized: bool) -> f32 {
        let word = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let half = || [word(0), word(1)];
        let full = || [word(0), word(1), word(2), word(3)];
        match (self, normalized) {
            (ComponentType::F32, _) => f32::from_le_bytes(full()),
            (ComponentType::I8, true) => (f32::from(word(0) as i8) / 127.0).max(-1.0),
            (ComponentType::U8, true) => f32::from(word(0)) / 255.0,
            (ComponentType::I16, true) => {
                (f32::from(i16::from_le_bytes(half())) / 32767.0).max(-1.0)
            }
            (ComponentType::U16, true) => f32::from(u16::from_le_bytes(half())) / 65535.0,
            (ComponentType::I8, false) => f32::from(word(0) as i8),
            (ComponentType::U8, false) => f32::from(word(0)),
            (ComponentType::I16, false) => f32::from(i16::from_le_bytes(half())),
            (ComponentType::U16, false) => f32::from(u16::from_le_bytes(half())),
            (ComponentType::U32, _) => u32::from_le_bytes(full()) as f32,
        }
    }
}

/// An accessor's element type (§3.6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessorType {
    Scalar,
    Vec2,
    Vec3,
    Vec4,
    Mat2,
    Mat3,
    Mat4,
}

impl AccessorType {
    /// The glTF `type` string.
    pub const fn name(self) -> &'static str {
        match self {
            AccessorType::Scalar => "SCALAR",
            AccessorType::Vec2 => "VEC2",
            AccessorType::Vec3 => "VEC3",
            AccessorType::Vec4 => "VEC4",
            AccessorType::Mat2 => "MAT2",
            AccessorType::Mat3 => "MAT3",
            AccessorType::Mat4 => "MAT4",
        }
    }

    /// The type a glTF `type` string names.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            AccessorType::Scalar,
            AccessorType::Vec2,
            AccessorType::Vec3,
            AccessorType::Vec4,
            AccessorType::Mat2,
            AccessorType::Mat3,
            AccessorType::Mat4,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }

    /// Components per element.
    pub const fn components(self) -> usize {
        match self {
            AccessorType::Scalar => 1,
            AccessorType::Vec2 => 2,
            AccessorType::Vec3 => 3,
            AccessorType::Vec4 | AccessorType::Mat2 => 4,
            AccessorType::Mat3 => 9,
            AccessorType::Mat4 => 16,
        }
    }
}

/// A buffer view's bytes, checked to lie inside its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View<'a> {
    pub bytes: &'a [u8],
    /// `byteStride`, if the view sets one.
    pub stride: Option<usize>,
}

/// Buffer view `index` of `doc`, with `buffers` as [`crate::buffers`]
/// returns them. A view whose buffer has no data (a meshopt fallback) must
/// be decoded first: see [`crate::meshopt::decompress`].
pub fn buffer_view<'a>(
    doc: &Value,
    buffers: &[Option<&'a [u8]>],
    index: u64,
) -> Result<View<'a>, GlbError> {
    let view = item(doc, "bufferViews", index)?;
    let buffer = uint(view, "buffer")
        .and_then(|b| buffers.get(usize::try_from(b).ok()?))
        .ok_or_else(|| malformed(format!("buffer view {index} has no buffer")))?;
    let Some(buffer) = buffer else {
        return Err(GlbError::Unsupported(format!(
            "compressed buffer view {index} (EXT_meshopt_compression) without decoding it"
        )));
    };
    let start = uint(view, "byteOffset").unwrap_or(0);
    let end = start.checked_add(uint(view, "byteLength").unwrap_or(0));
    match end {
        Some(end) if end <= buffer.len() as u64 => Ok(View {
            bytes: &buffer[start as usize..end as usize],
            stride: uint(view, "byteStride").map(|s| s as usize),
        }),
        _ => Err(malformed(format!(
            "buffer view {index} lies outside the file"
        ))),
    }
}

/// An accessor whose every element lies inside its buffer view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accessor<'a> {
    /// Its index in the document, for error messages.
    pub index: u64,
    /// Number of elements.
    pub count: usize,
    pub component: ComponentType,
    pub kind: AccessorType,
    pub normalized: bool,
    /// Bytes from one element to the next.
    stride: usize,
    /// From the first element on; `None` for an accessor without a view,
    /// whose elements are all zero (§3.6.2.3).
    bytes: Option<&'a [u8]>,
}

/// Accessor `index` of `doc`, checked to lie inside its data.
pub fn accessor<'a>(
    doc: &Value,
    buffers: &[Option<&'a [u8]>],
    index: u64,
) -> Result<Accessor<'a>, GlbError> {
    let accessor = item(doc, "accessors", index)?;
    if accessor.get("sparse").is_some() {
        return Err(GlbError::Unsupported("sparse accessors".into()));
    }
    let kind = accessor.get("type").and_then(Value::as_str).unwrap_or("");
    let component = uint(accessor, "componentType").unwrap_or(0);
    let (Some(kind), Some(component)) = (
        AccessorType::from_name(kind),
        ComponentType::from_code(component),
    ) else {
        return Err(malformed(format!("accessor {index} has an unknown type")));
    };
    let count = uint(accessor, "count").unwrap_or(0);
    let normalized = accessor
        .get("normalized")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let element = (kind.components() * component.size()) as u64;
    let mut out = Accessor {
        index,
        count: usize::try_from(count)
            .map_err(|_| malformed(format!("accessor {index} is too long")))?,
        component,
        kind,
        normalized,
        stride: element as usize,
        bytes: None,
    };
    let Some(view_index) = uint(accessor, "bufferView") else {
        return Ok(out);
    };
    let view = buffer_view(doc, buffers, view_index)?;
    let stride = view.stride.map_or(element, |s| s as u64);
    let offset = uint(accessor, "byteOffset").unwrap_or(0);
    // Even an empty accessor's offset must lie inside the view.
    let needed = match count {
        0 => Some(offset),
        n => (n - 1)
            .checked_mul(stride)
            .and_then(|s| s.checked_add(offset))
            .and_then(|s| s.checked_add(element)),
    };
    if needed.is_none_or(|needed| needed > view.bytes.len() as u64) || stride < element {
        return Err(malformed(format!(
            "accessor {index} reads past the end of its data"
        )));
    }
    out.stride = stride as usize;
    out.bytes = Some(&view.bytes[offset as usize..]);
    Ok(out)
}

/// A scalar index accessor's values in their own width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indices {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl<'a> Accessor<'a> {
    /// Checks the accessor is one of `kinds` with one of `components`.
    pub fn expect(
        self,
        kinds: &[AccessorType],
        components: &[ComponentType],
    ) -> Result<Self, GlbError> {
        if kinds.contains(&self.kind) && components.contains(&self.component) {
            Ok(self)
        } else {
            Err(malformed(format!(
                "accessor {} is {} of {:?}, expected one of {:?} of {:?}",
                self.index,
                self.kind.name(),
                self.component,
                kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
                components
            )))
        }
    }

    /// Each element's bytes (`None` for an accessor without data).
    pub fn elements(&self) -> Option<impl Iterator<Item = &'a [u8]> + 'a> {
        let element = self.kind.components() * self.component.size();
        let (stride, count) = (self.stride, self.count);
        let bytes = self.bytes?;
        Some((0..count).map(move |i| &bytes[i * stride..i * stride + element]))
    }

    /// The elements as floats, `N` components each (`N` must match the
    /// accessor type): floats as they are, normalized integers dequantized,
    /// other integers converted. All zeros for an accessor without data.
    pub fn read_f32<const N: usize>(&self) -> Result<Vec<[f32; N]>, GlbError> {
        if self.kind.components() != N {
            return Err(malformed(format!(
                "accessor {} is {}, expected {N} components",
                self.index,
                self.kind.name()
            )));
        }
        let Some(elements) = self.elements() else {
            return Ok(vec![[0.0; N]; self.count]);
        };
        let size = self.component.size();
        Ok(elements
            .map(|element| {
                std::array::from_fn(|c| {
                    self.component
                        .to_f32(&element[c * size..(c + 1) * size], self.normalized)
                })
            })
            .collect())
    }

    /// A scalar unsigned integer accessor's values in their own width.
    pub fn indices(&self) -> Result<Indices, GlbError> {
        let accessor = self.expect(
            &[AccessorType::Scalar],
            &[ComponentType::U8, ComponentType::U16, ComponentType::U32],
        )?;
        let Some(elements) = accessor.elements() else {
            return Ok(match accessor.component {
                ComponentType::U8 => Indices::U8(vec![0; accessor.count]),
                ComponentType::U16 => Indices::U16(vec![0; accessor.count]),
                _ => Indices::U32(vec![0; accessor.count]),
            });
        };
        Ok(match accessor.component {
            ComponentType::U8 => Indices::U8(elements.map(|e| e[0]).collect()),
            ComponentType::U16 => {
                Indices::U16(elements.map(|e| u16::from_le_bytes([e[0], e[1]])).collect())
            }
            _ => Indices::U32(
                elements
                    .map(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
                    .collect(),
            ),
        })
    }

    /// A scalar unsigned integer accessor's values widened to u32.
    pub fn read_u32(&self) -> Result<Vec<u32>, GlbError> {
        Ok(match self.indices()? {
            Indices::U8(values) => values.into_iter().map(u32::from).collect(),
            Indices::U16(values) => values.into_iter().map(u32::from).collect(),
            Indices::U32(values) => values,
        })
    }

    /// Largest value of a scalar unsigned integer accessor (0 when empty).
    pub fn max_index(&self) -> Result<u32, GlbError> {
        Ok(self.read_u32()?.into_iter().max().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc_with(accessor: Value, view: Value) -> Value {
        json!({ "accessors": [accessor], "bufferViews": [view], "buffers": [{ "byteLength": 24 }] })
    }

    #[test]
    fn normalized_integers_dequantize_as_the_spec_says() {
        let mut bin = Vec::new();
        for v in [0i16, 32767, -32767, -32768] {
            bin.extend_from_slice(&v.to_le_bytes());
        }
        for v in [0u16, 65535, 32768, 1] {
            bin.extend_from_slice(&v.to_le_bytes());
        }
        let doc = json!({
            "accessors": [
                { "bufferView": 0, "componentType": 5122, "normalized": true, "count": 1, "type": "VEC4" },
                { "bufferView": 0, "byteOffset": 8, "componentType": 5123, "normalized": true, "count": 2, "type": "VEC2" },
                { "bufferView": 0, "byteOffset": 8, "componentType": 5123, "count": 1, "type": "VEC4" }
            ],
            "bufferViews": [{ "buffer": 0, "byteLength": 16 }],
            "buffers": [{ "byteLength": 16 }]
        });
        let buffers = [Some(bin.as_slice())];
        let signed = accessor(&doc, &buffers, 0)
            .unwrap()
            .read_f32::<4>()
            .unwrap();
        assert_eq!(signed, vec![[0.0, 1.0, -1.0, -1.0]]);
        let unsigned = accessor(&doc, &buffers, 1)
            .unwrap()
            .read_f32::<2>()
            .unwrap();
        assert_eq!(
            unsigned,
            vec![[0.0, 1.0], [32768.0 / 65535.0, 1.0 / 65535.0]]
        );
        let raw = accessor(&doc, &buffers, 2)
            .unwrap()
            .read_f32::<4>()
            .unwrap();
        assert_eq!(raw, vec![[0.0, 65535.0, 32768.0, 1.0]]);
        assert!(
            accessor(&doc, &buffers, 2)
                .unwrap()
                .read_f32::<3>()
                .is_err()
        );
    }

    #[test]
    fn strided_indices_read_in_their_own_width() {
        let bin: Vec<u8> = (0u8..24).collect();
        let doc = doc_with(
            json!({ "bufferView": 0, "byteOffset": 2, "componentType": 5123, "count": 3, "type": "SCALAR" }),
            json!({ "buffer": 0, "byteLength": 24, "byteStride": 8 }),
        );
        let buffers = [Some(bin.as_slice())];
        let indices = accessor(&doc, &buffers, 0).unwrap();
        let expected = [0x0302u16, 0x0B0A, 0x1312];
        assert_eq!(indices.indices().unwrap(), Indices::U16(expected.to_vec()));
        assert_eq!(indices.max_index().unwrap(), 0x1312);
    }

    #[test]
    fn out_of_bounds_and_unknown_accessors_are_refused() {
        let bin = [0u8; 24];
        let buffers = [Some(bin.as_slice())];
        let past_end = doc_with(
            json!({ "bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3" }),
            json!({ "buffer": 0, "byteLength": 24 }),
        );
        let error = accessor(&past_end, &buffers, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the file is damaged: accessor 0 reads past the end of its data"
        );
        let huge_count = doc_with(
            json!({ "bufferView": 0, "componentType": 5126, "count": u64::MAX, "type": "VEC3" }),
            json!({ "buffer": 0, "byteLength": 24 }),
        );
        assert!(accessor(&huge_count, &buffers, 0).is_err());
        let view_outside = doc_with(
            json!({ "bufferView": 0, "componentType": 5126, "count": 1, "type": "SCALAR" }),
            json!({ "buffer": 0, "byteOffset": 20, "byteLength": 8 }),
        );
        assert!(matches!(
            accessor(&view_outside, &buffers, 0),
            Err(GlbError::Malformed(_))
        ));
        let unknown = doc_with(
            json!({ "bufferView": 0, "componentType": 5124, "count": 1, "type": "SCALAR" }),
            json!({ "buffer": 0, "byteLength": 24 }),
        );
        assert!(accessor(&unknown, &buffers, 0).is_err());
        let sparse = doc_with(
            json!({ "componentType": 5126, "count": 1, "type": "SCALAR", "sparse": {} }),
            json!({ "buffer": 0, "byteLength": 24 }),
        );
        assert!(matches!(
            accessor(&sparse, &buffers, 0),
            Err(GlbError::Unsupported(_))
        ));
        assert!(accessor(&sparse, &buffers, 7).is_err());
    }

    #[test]
    fn an_accessor_without_a_view_reads_as_zeros() {
        let doc = json!({ "accessors": [{ "componentType": 5126, "count": 2, "type": "VEC2" }] });
        let zeros = accessor(&doc, &[], 0).unwrap().read_f32::<2>().unwrap();
        assert_eq!(zeros, vec![[0.0; 2]; 2]);
    }
}
