//! The GLB container (glTF 2.0 §4.4): a 12-byte header, a JSON chunk and
//! an optional binary chunk. Reading checks every length against the bytes
//! actually present, so later stages can slice without panicking.

use crate::error::{GlbError, malformed};

/// "glTF" read as a little-endian u32.
pub const MAGIC: u32 = 0x4654_6C67;
/// The only container version glTF 2.0 defines.
pub const VERSION: u32 = 2;
/// "JSON" as a little-endian u32.
const CHUNK_JSON: u32 = 0x4E4F_534A;
/// "BIN\0" as a little-endian u32.
const CHUNK_BIN: u32 = 0x004E_4942;
/// Header: magic, version, total length.
const HEADER_LEN: usize = 12;
/// Chunk header: length, type.
const CHUNK_HEADER_LEN: usize = 8;
/// The file header plus the JSON chunk's header: what [`Prelude::read`]
/// needs to find the JSON without reading the rest of the file.
pub const PRELUDE_LEN: usize = HEADER_LEN + CHUNK_HEADER_LEN;
/// GLB chunks start on 4-byte boundaries, and so must every buffer view
/// holding vertex data, so readers can view `f32`/`u32` data in place.
pub const ALIGN: usize = 4;

/// The two chunks of a GLB, borrowed from the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunks<'a> {
    /// The glTF JSON document.
    pub json: &'a [u8],
    /// The binary buffer, if the file has one.
    pub bin: Option<&'a [u8]>,
}

/// What the first [`PRELUDE_LEN`] bytes of a GLB say: enough to read the
/// JSON chunk from a file or a stream without loading the binary chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prelude {
    /// The whole file's length, as its header declares it.
    pub total_len: u32,
    /// The JSON chunk's length; the chunk starts at [`PRELUDE_LEN`].
    pub json_len: u32,
}

impl Prelude {
    /// Checks the magic, version and first chunk type.
    pub fn read(bytes: &[u8; PRELUDE_LEN]) -> Result<Self, GlbError> {
        if read_u32(bytes, 0) != Some(MAGIC) {
            return Err(GlbError::NotGlb);
        }
        let version = read_u32(bytes, 4).unwrap_or_default();
        if version != VERSION {
            return Err(GlbError::Version(version));
        }
        if read_u32(bytes, 16) != Some(CHUNK_JSON) {
            return Err(malformed("the first chunk is not JSON"));
        }
        Ok(Self {
            total_len: read_u32(bytes, 8).unwrap_or_default(),
            json_len: read_u32(bytes, 12).unwrap_or_default(),
        })
    }
}

/// Splits `bytes` into its chunks, rejecting anything that is not a whole
/// GLB 2.0 file. Bytes past the declared length are ignored, as the spec
/// allows; a binary chunk of another type is treated as absent.
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
        return Err(malformed("the first chunk is not JSON"));
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

/// Frames `json` and `bin` as a GLB: the JSON padded with spaces and the
/// binary chunk with zeros to 4-byte boundaries, as the format requires.
pub fn join(json: &[u8], bin: Option<&[u8]>) -> Result<Vec<u8>, GlbError> {
    let padded_json = json.len().next_multiple_of(ALIGN);
    let padded_bin = bin.map_or(0, |b| b.len().next_multiple_of(ALIGN));
    let bin_part = bin.map_or(0, |_| CHUNK_HEADER_LEN + padded_bin);
    let total = PRELUDE_LEN + padded_json + bin_part;
    let total_u32 = u32::try_from(total).map_err(|_| GlbError::TooLarge { bytes: total })?;
    let mut out = Vec::with_capacity(total);
    // Both chunk lengths are below `total`, which fits a u32.
    for word in [MAGIC, VERSION, total_u32, padded_json as u32, CHUNK_JSON] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(json);
    out.resize(PRELUDE_LEN + padded_json, b' ');
    if let Some(bin) = bin {
        out.extend_from_slice(&(padded_bin as u32).to_le_bytes());
        out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
        out.extend_from_slice(bin);
        out.resize(total, 0);
    }
    Ok(out)
}

/// The chunk at `offset`: its type, its data, and where the next one starts.
fn chunk(body: &[u8], offset: usize) -> Result<(u32, &[u8], Option<usize>), GlbError> {
    let (Some(length), Some(kind)) = (read_u32(body, offset), read_u32(body, offset + 4)) else {
        return Err(GlbError::Truncated {
            expected: offset + CHUNK_HEADER_LEN,
            actual: body.len(),
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        join(br#"{"asset":{"version":"2.0"}}"#, Some(&[1, 2, 3, 4, 5])).unwrap()
    }

    #[test]
    fn join_then_split_round_trips_with_padding() {
        let glb = sample();
        assert_eq!(glb.len() % 4, 0);
        let chunks = split(&glb).unwrap();
        assert_eq!(chunks.json, br#"{"asset":{"version":"2.0"}} "#.as_slice());
        assert_eq!(chunks.bin, Some([1, 2, 3, 4, 5, 0, 0, 0].as_slice()));
        let no_bin = join(b"{}", None).unwrap();
        assert_eq!(split(&no_bin).unwrap().bin, None);
    }

    #[test]
    fn the_prelude_locates_the_json_chunk() {
        let glb = sample();
        let prelude = Prelude::read(glb[..PRELUDE_LEN].try_into().unwrap()).unwrap();
        assert_eq!(prelude.total_len as usize, glb.len());
        let json = &glb[PRELUDE_LEN..PRELUDE_LEN + prelude.json_len as usize];
        assert_eq!(json, split(&glb).unwrap().json);
        let mut zip = glb[..PRELUDE_LEN].to_vec();
        zip[..4].copy_from_slice(b"PK\x03\x04");
        assert_eq!(
            Prelude::read(zip.as_slice().try_into().unwrap()),
            Err(GlbError::NotGlb)
        );
    }

    #[test]
    fn every_malformed_frame_has_its_own_error() {
        let glb = sample();
        assert_eq!(split(b"glT"), Err(GlbError::NotGlb));
        assert_eq!(split(b"PK\x03\x04 and more bytes"), Err(GlbError::NotGlb));

        let mut version = glb.clone();
        version[4] = 1;
        assert_eq!(split(&version), Err(GlbError::Version(1)));

        let cut = &glb[..glb.len() - 3];
        assert_eq!(
            split(cut),
            Err(GlbError::Truncated {
                expected: glb.len(),
                actual: glb.len() - 3
            })
        );

        let mut long_chunk = glb.clone();
        long_chunk[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            split(&long_chunk),
            Err(GlbError::Truncated { .. })
        ));

        let mut header_only = glb[..HEADER_LEN].to_vec();
        header_only[8..12].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        assert!(matches!(
            split(&header_only),
            Err(GlbError::Truncated { .. })
        ));

        let mut not_json = glb.clone();
        not_json[16..20].copy_from_slice(&CHUNK_BIN.to_le_bytes());
        assert!(matches!(split(&not_json), Err(GlbError::Malformed(_))));
    }

    #[test]
    fn a_foreign_second_chunk_counts_as_no_binary_chunk() {
        let mut glb = sample();
        let bin_type_at = glb.len() - 8 - 4;
        glb[bin_type_at..bin_type_at + 4].copy_from_slice(b"XTRA");
        assert_eq!(split(&glb).unwrap().bin, None);
    }
}
