//! Bounds-checked reads from a compressed stream.

use super::MeshoptError;

/// A cursor over a stream's data section.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], MeshoptError> {
        let end = self.pos.checked_add(len).ok_or(MeshoptError::Truncated)?;
        let bytes = self
            .data
            .get(self.pos..end)
            .ok_or(MeshoptError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    /// The next byte.
    pub fn byte(&mut self) -> Result<u8, MeshoptError> {
        let byte = *self.data.get(self.pos).ok_or(MeshoptError::Truncated)?;
        self.pos += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 value of at most 32 bits (five bytes).
    pub fn varint(&mut self) -> Result<u32, MeshoptError> {
        /// Five 7-bit groups cover 32 bits.
        const MAX_BYTES: u32 = 5;
        let mut value = 0u32;
        for group in 0..MAX_BYTES {
            let byte = self.byte()?;
            value |= u32::from(byte & 0x7f) << (7 * group);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(MeshoptError::Corrupt("a varint is longer than 32 bits"))
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<(), MeshoptError> {
        match self.data.len() - self.pos {
            0 => Ok(()),
            extra => Err(MeshoptError::TrailingData { extra }),
        }
    }
}

/// Zigzag decoding of a 32-bit delta: 0, 1, 2, 3… → 0, -1, 1, -2…
pub(super) fn unzigzag(value: u32) -> u32 {
    (value >> 1) ^ 0u32.wrapping_sub(value & 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_decode_least_significant_group_first() {
        // The spec's first two examples; its third (0xff 0xa0 0x05 as
        // 0x1fd005) reads the groups the other way round, which neither its
        // own second example nor the reference decoder does.
        let mut reader = Reader::new(&[0x7f, 0x81, 0x04, 0xff, 0xa0, 0x05]);
        assert_eq!(reader.varint(), Ok(0x7f));
        assert_eq!(reader.varint(), Ok(0x201));
        assert_eq!(reader.varint(), Ok(0x7f | 0x20 << 7 | 0x05 << 14));
        assert_eq!(reader.finish(), Ok(()));
        assert_eq!(reader.varint(), Err(MeshoptError::Truncated));
        let mut endless = Reader::new(&[0xff; 8]);
        assert!(matches!(endless.varint(), Err(MeshoptError::Corrupt(_))));
    }

    #[test]
    fn zigzag_alternates_signs() {
        let decoded: Vec<i32> = (0..5).map(|v| unzigzag(v) as i32).collect();
        assert_eq!(decoded, [0, -1, 1, -2, 2]);
    }
}
