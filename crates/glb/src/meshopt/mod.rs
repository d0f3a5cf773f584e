//! A decoder for `EXT_meshopt_compression` (KhronosGroup glTF, Vendor
//! extensions), written from the extension's bitstream description:
//! the attribute codec (mode 0, header 0xa0), the triangle codec (mode 1,
//! 0xe1), the index sequence codec (mode 2, 0xd1), and the octahedral,
//! quaternion and exponential filters.
//!
//! Why our own: `meshopt-rs` 0.1 (the pure-Rust port) casts generic slices
//! to bytes with `unsafe` (unsound for types with padding), lists wasm as
//! unsupported, and tracks meshoptimizer 0.15; the `meshopt` crate wraps
//! C++, which does not build for wasm32-unknown-unknown here. The codecs
//! are small and fully specified, and this decoder checks every read, so
//! hostile input gives a [`MeshoptError`], never a panic. The tests check
//! it against the reference encoder (the `meshopt` crate).

mod ext;
mod filter;
mod index;
mod reader;
mod vertex;

use std::fmt;

pub use ext::{EXTENSION, MAX_DECODED_BYTES, decode_view, decompress, is_compressed};
pub use filter::{decode_exponential, decode_octahedral, decode_quaternion};
pub use index::{decode_index_buffer, decode_index_sequence};
pub use vertex::decode_vertex_buffer;

/// The extension's `mode`: which codec a buffer view was compressed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Vertex attributes and other strided data.
    Attributes,
    /// Triangle-list indices.
    Triangles,
    /// Other index data.
    Indices,
}

impl Mode {
    /// The mode an extension's `mode` string names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ATTRIBUTES" => Some(Mode::Attributes),
            "TRIANGLES" => Some(Mode::Triangles),
            "INDICES" => Some(Mode::Indices),
            _ => None,
        }
    }

    /// The extension's `mode` string.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Attributes => "ATTRIBUTES",
            Mode::Triangles => "TRIANGLES",
            Mode::Indices => "INDICES",
        }
    }
}

/// The extension's `filter`: a transform applied after attribute decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    None,
    /// Unit vectors in octahedral encoding (4- or 8-byte elements).
    Octahedral,
    /// Unit quaternions without their largest component (8-byte elements).
    Quaternion,
    /// Floats as a shared exponent and a 24-bit mantissa (4-byte multiples).
    Exponential,
}

impl Filter {
    /// The filter an extension's `filter` string names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "NONE" => Some(Filter::None),
            "OCTAHEDRAL" => Some(Filter::Octahedral),
            "QUATERNION" => Some(Filter::Quaternion),
            "EXPONENTIAL" => Some(Filter::Exponential),
            _ => None,
        }
    }

    /// The extension's `filter` string.
    pub const fn name(self) -> &'static str {
        match self {
            Filter::None => "NONE",
            Filter::Octahedral => "OCTAHEDRAL",
            Filter::Quaternion => "QUATERNION",
            Filter::Exponential => "EXPONENTIAL",
        }
    }
}

/// Why a compressed stream does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshoptError {
    /// The first byte is not the codec's header (wrong mode, or a version
    /// `EXT_meshopt_compression` does not allow).
    Header { expected: u8, found: u8 },
    /// The stream ends before its data does.
    Truncated,
    /// Bytes are left over between the data and the tail.
    TrailingData { extra: usize },
    /// The element size, count, mode and filter do not fit together.
    Layout(String),
    /// The data refers to something it never defined.
    Corrupt(&'static str),
    /// An index does not fit the 16-bit output.
    IndexTooLarge { index: u32 },
}

impl fmt::Display for MeshoptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MeshoptError::Header { expected, found } => write!(
                f,
                "the stream starts with {found:#04x} where the codec needs {expected:#04x}"
            ),
            MeshoptError::Truncated => write!(f, "the stream ends early"),
            MeshoptError::TrailingData { extra } => {
                write!(f, "the stream has {extra} bytes it does not use")
            }
            MeshoptError::Layout(why) => write!(f, "{why}"),
            MeshoptError::Corrupt(why) => write!(f, "{why}"),
            MeshoptError::IndexTooLarge { index } => {
                write!(f, "index {index} does not fit in 16 bits")
            }
        }
    }
}

impl std::error::Error for MeshoptError {}

/// Decodes `data`, compressed with `mode` and `filter`, into `count`
/// elements of `stride` bytes (little-endian, as glTF stores them), after
/// checking the layout rules the extension sets.
pub fn decode(
    mode: Mode,
    filter: Filter,
    count: usize,
    stride: usize,
    data: &[u8],
) -> Result<Vec<u8>, MeshoptError> {
    check_layout(mode, filter, count, stride)?;
    let len = count
        .checked_mul(stride)
        .filter(|&len| len <= MAX_DECODED_BYTES)
        .ok_or_else(|| {
            MeshoptError::Layout(format!(
                "{count} elements of {stride} bytes are more than {MAX_DECODED_BYTES} bytes"
            ))
        })?;
    let mut out = vec![0u8; len];
    match mode {
        Mode::Attributes => decode_vertex_buffer(&mut out, stride, data)?,
        Mode::Triangles | Mode::Indices => {
            let mut indices = vec![0u32; count];
            if mode == Mode::Triangles {
                decode_index_buffer(&mut indices, data)?;
            } else {
                decode_index_sequence(&mut indices, data)?;
            }
            write_indices(&indices, stride, &mut out)?;
        }
    }
    match filter {
        Filter::None => {}
        Filter::Octahedral => decode_octahedral(&mut out, stride),
        Filter::Quaternion => decode_quaternion(&mut out),
        Filter::Exponential => decode_exponential(&mut out),
    }
    Ok(out)
}

/// The extension's validity rules for `byteStride`, `count` and `filter`.
fn check_layout(
    mode: Mode,
    filter: Filter,
    count: usize,
    stride: usize,
) -> Result<(), MeshoptError> {
    let fits = match mode {
        Mode::Attributes => stride.is_multiple_of(4) && (4..=256).contains(&stride),
        Mode::Triangles => (stride == 2 || stride == 4) && count.is_multiple_of(3),
        Mode::Indices => stride == 2 || stride == 4,
    };
    let filter_fits = match (mode, filter) {
        (_, Filter::None) => true,
        (Mode::Triangles | Mode::Indices, _) => false,
        (Mode::Attributes, Filter::Octahedral) => stride == 4 || stride == 8,
        (Mode::Attributes, Filter::Quaternion) => stride == 8,
        (Mode::Attributes, Filter::Exponential) => true,
    };
    if fits && filter_fits {
        Ok(())
    } else {
        Err(MeshoptError::Layout(format!(
            "{count} elements of {stride} bytes cannot be stored with mode {} and filter {}",
            mode.name(),
            filter.name()
        )))
    }
}

/// Indices as little-endian u16s or u32s.
fn write_indices(indices: &[u32], stride: usize, out: &mut [u8]) -> Result<(), MeshoptError> {
    if stride == 2 {
        for (index, bytes) in indices.iter().zip(out.chunks_exact_mut(2)) {
            let narrow =
                u16::try_from(*index).map_err(|_| MeshoptError::IndexTooLarge { index: *index })?;
            bytes.copy_from_slice(&narrow.to_le_bytes());
        }
    } else {
        for (index, bytes) in indices.iter().zip(out.chunks_exact_mut(4)) {
            bytes.copy_from_slice(&index.to_le_bytes());
        }
    }
    Ok(())
}
