//! Mode 0, the attribute codec: per-byte deltas between consecutive
//! elements, stored byte plane by byte plane in blocks of up to 256
//! elements, each plane in groups of 16 deltas of 0, 2, 4 or 8 bits.

use super::MeshoptError;
use super::reader::Reader;

/// The header `EXT_meshopt_compression` requires: codec 0xa, version 0.
const HEADER: u8 = 0xa0;
/// A block holds at most this many bytes of elements…
const BLOCK_BYTES: usize = 8192;
/// …and at most this many elements.
const BLOCK_MAX_ELEMENTS: usize = 256;
/// Deltas are stored in groups of this many elements.
const GROUP: usize = 16;
/// The tail (the baseline element) is padded to at least this many bytes.
const TAIL_MIN: usize = 32;

/// Decodes `data` into `out`, whose length is the element count times
/// `stride` (a multiple of 4, at most 256).
pub fn decode_vertex_buffer(
    out: &mut [u8],
    stride: usize,
    data: &[u8],
) -> Result<(), MeshoptError> {
    if !stride.is_multiple_of(4)
        || !(4..=256).contains(&stride)
        || !out.len().is_multiple_of(stride)
    {
        return Err(MeshoptError::Layout(format!(
            "{} bytes are not whole attribute elements of {stride} bytes",
            out.len()
        )));
    }
    let (&header, rest) = data.split_first().ok_or(MeshoptError::Truncated)?;
    if header != HEADER {
        return Err(MeshoptError::Header {
            expected: HEADER,
            found: header,
        });
    }
    let tail_len = stride.max(TAIL_MIN);
    let body_len = rest
        .len()
        .checked_sub(tail_len)
        .ok_or(MeshoptError::Truncated)?;
    let (body, tail) = rest.split_at(body_len);
    let mut last = [0u8; 256];
    last[..stride].copy_from_slice(&tail[tail_len - stride..]);

    let block_elements = ((BLOCK_BYTES / stride) & !(GROUP - 1)).min(BLOCK_MAX_ELEMENTS);
    let mut reader = Reader::new(body);
    let mut deltas = [0u8; BLOCK_MAX_ELEMENTS];
    for block in out.chunks_mut(block_elements * stride) {
        let elements = block.len() / stride;
        let groups = elements.div_ceil(GROUP);
        for (byte, previous) in last[..stride].iter_mut().enumerate() {
            read_deltas(&mut reader, &mut deltas[..groups * GROUP])?;
            let mut value = *previous;
            for (element, delta) in block[byte..].iter_mut().step_by(stride).zip(&deltas) {
                value = value.wrapping_add(unzigzag8(*delta));
                *element = value;
            }
            *previous = value;
        }
    }
    reader.finish()
}

/// One byte plane of a block: the 2-bit group modes, then each group.
fn read_deltas(reader: &mut Reader<'_>, deltas: &mut [u8]) -> Result<(), MeshoptError> {
    let groups = deltas.len() / GROUP;
    let modes = reader.take(groups.div_ceil(4))?;
    for (group, out) in deltas.chunks_exact_mut(GROUP).enumerate() {
        match (modes[group / 4] >> (2 * (group % 4))) & 3 {
            0 => out.fill(0),
            1 => read_sentinel_group::<2>(reader, out)?,
            2 => read_sentinel_group::<4>(reader, out)?,
            _ => out.copy_from_slice(reader.take(GROUP)?),
        }
    }
    Ok(())
}

/// Sixteen `BITS`-bit deltas, most significant first in each byte; the
/// all-ones value means the delta follows as a whole byte.
fn read_sentinel_group<const BITS: usize>(
    reader: &mut Reader<'_>,
    out: &mut [u8],
) -> Result<(), MeshoptError> {
    let per_byte = 8 / BITS;
    let sentinel = (1u8 << BITS) - 1;
    let packed = reader.take(GROUP / per_byte)?;
    for (i, delta) in out.iter_mut().enumerate() {
        let shift = 8 - BITS * (i % per_byte + 1);
        let value = (packed[i / per_byte] >> shift) & sentinel;
        *delta = if value == sentinel {
            reader.byte()?
        } else {
            value
        };
    }
    Ok(())
}

/// Zigzag decoding of a byte delta.
fn unzigzag8(value: u8) -> u8 {
    (value >> 1) ^ 0u8.wrapping_sub(value & 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_group_decodes() {
        let stream = [0x17, 0x5f, 0xf0, 0xbc, 0x77, 0xa9, 0x21, 0x00, 0x34, 0xb5];
        let mut out = [0u8; 16];
        let mut reader = Reader::new(&stream);
        read_sentinel_group::<4>(&mut reader, &mut out).unwrap();
        reader.finish().unwrap();
        let deltas: Vec<i8> = out.iter().map(|d| unzigzag8(*d) as i8).collect();
        assert_eq!(
            deltas,
            [-1, -4, -3, 26, -91, 0, -6, 6, -4, -4, 5, -5, 1, -1, 0, 0]
        );
    }

    #[test]
    fn a_wrong_header_or_a_short_stream_is_refused() {
        let mut out = [0u8; 8];
        assert_eq!(
            decode_vertex_buffer(&mut out, 4, &[0xa1; 40]),
            Err(MeshoptError::Header {
                expected: 0xa0,
                found: 0xa1
            })
        );
        assert_eq!(
            decode_vertex_buffer(&mut out, 4, &[0xa0; 20]),
            Err(MeshoptError::Truncated)
        );
        assert_eq!(
            decode_vertex_buffer(&mut out, 4, &[]),
            Err(MeshoptError::Truncated)
        );
        assert!(matches!(
            decode_vertex_buffer(&mut out, 6, &[0xa0; 40]),
            Err(MeshoptError::Layout(_))
        ));
    }
}
