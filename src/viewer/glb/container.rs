//! The GLB container (glTF 2.0 §4.4): a 12-byte header, a JSON chunk and an
//! optional binary chunk. Parsing checks every length against the bytes
//! actually present, so later stages can slice without panicking.

use super::GlbError;

/// "glTF" read as a little-endian u32.
const MAGIC: u32 = 0x4654_6C67;
/// The only container version glTF 2.0 defines.
const VERSION: u32 = 2;
/// "JSON" as a little-endian u32.
const CHUNK_JSON: u32 = 0x4E4F_534A;
/// "BIN\0" as a little-endian u32.
const CHUNK_BIN: u32 = 0x004E_4942;
/// Header: magic, version, total length.
const HEADER_LEN: usize = 12;
/// Chunk header: length, type.
const CHUNK_HEADER_LEN: usize = 8;

/// The two chunks of a GLB, borrowed from the file's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Chunks<'a> {
    /// The glTF JSON document.
    pub json: &'a [u8],
    /// The binary buffer, if the file has one.
    pub bin: Option<&'a [u8]>,
}

/// Splits `bytes` into its chunks, rejecting anything that is not a whole
/// GLB 2.0 file.
pub fn split(bytes: &[u8]) -> Result<Chunks<'_>, GlbError> {
    if bytes.len() < HEADER_LEN || read_u32(bytes, 0) != Some(MAGIC) {
        return Err(GlbError::NotGlb);
    }
    let version = read_u32(bytes, 4).unwrap_or_default();
    if version != VERSION {
        return Err(GlbError::Version(version));
    }
    let declared = read_u32(bytes, 8).unwrap_or_default() as usize;
    if declared > bytes.len() {
        return Err(GlbError::Truncated {
            expected: declared,
            actual: bytes.len(),
        });
    }
    let body = &bytes[..declared];
    let (json_type, json, rest) = chunk(body, HEADER_LEN)?;
    if json_type != CHUNK_JSON {
        return Err(GlbError::Malformed("the first chunk is not JSON".into()));
    }
    let bin = match rest {
        Some(offset) => {
            let (bin_type, bin, _) = chunk(body, offset)?;
            (bin_type == CHUNK_BIN).then_some(bin)
        }
        None => None,
    };
    Ok(Chunks { json, bin })
}

/// Builds a GLB from a JSON document and the original binary chunk, padding
/// the JSON with spaces to the 4-byte alignment the format requires.
pub fn join(json: &[u8], bin: Option<&[u8]>) -> Vec<u8> {
    let padded_json = json.len().next_multiple_of(4);
    let padded_bin = bin.map_or(0, |b| b.len().next_multiple_of(4));
    let bin_part = bin.map_or(0, |_| CHUNK_HEADER_LEN + padded_bin);
    let total = HEADER_LEN + CHUNK_HEADER_LEN + padded_json + bin_part;
    let mut out = Vec::with_capacity(total);
    for word in [MAGIC, VERSION, total as u32, padded_json as u32, CHUNK_JSON] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(json);
    out.resize(HEADER_LEN + CHUNK_HEADER_LEN + padded_json, b' ');
    if let Some(bin) = bin {
        out.extend_from_slice(&(padded_bin as u32).to_le_bytes());
        out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
        out.extend_from_slice(bin);
        out.resize(total, 0);
    }
    out
}

/// The chunk at `offset`: its type, its data, and where the next one starts.
fn chunk(body: &[u8], offset: usize) -> Result<(u32, &[u8], Option<usize>), GlbError> {
    let (Some(length), Some(kind)) = (read_u32(body, offset), read_u32(body, offset + 4)) else {
        return Err(GlbError::Malformed("a chunk header is cut off".into()));
    };
    let start = offset + CHUNK_HEADER_LEN;
    let end = start
        .checked_add(length as usize)
        .filter(|&end| end <= body.len())
        .ok_or(GlbError::Truncated {
            expected: start.saturating_add(length as usize),
            actual: body.len(),
        })?;
    let next = (end + CHUNK_HEADER_LEN <= body.len()).then_some(end);
    Ok((kind, &body[start..end], next))
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let word = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}
