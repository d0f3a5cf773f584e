//! Reads an embedded image's pixel size from its header, so a texture that
//! claims a huge size is refused before anything decodes it.

/// PNG signature, then the IHDR chunk whose data starts at byte 16.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// JPEG start-of-image marker.
const JPEG_SOI: &[u8] = &[0xFF, 0xD8];

use serde::{Deserialize, Serialize};

/// The image formats the viewer can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    /// The registered media type, for the `Blob` a browser decodes.
    pub const fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }
}

/// `(format, width, height)` of a PNG, JPEG or WebP, or `None` when the bytes
/// are none of these or the header is cut off.
pub fn sniff(bytes: &[u8]) -> Option<(ImageFormat, u32, u32)> {
    if bytes.starts_with(PNG_SIGNATURE) {
        let (w, h) = (be32(bytes, 16)?, be32(bytes, 20)?);
        Some((ImageFormat::Png, w, h))
    } else if bytes.starts_with(JPEG_SOI) {
        let (w, h) = jpeg_size(bytes)?;
        Some((ImageFormat::Jpeg, w, h))
    } else if bytes.get(0..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        let (w, h) = webp_size(bytes)?;
        Some((ImageFormat::Webp, w, h))
    } else {
        None
    }
}

/// Walks the JPEG segments to the first start-of-frame marker (SOF0–SOF15,
/// except DHT/JPG/DAC which share the range), which holds the size.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = be16(bytes, at + 2)? as usize;
        let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let height = be16(bytes, at + 5)?;
            let width = be16(bytes, at + 7)?;
            return Some((u32::from(width), u32::from(height)));
        }
        at = at.checked_add(2 + length)?;
    }
}

/// The size from a WebP's first chunk: lossy (VP8), lossless (VP8L) or
/// extended (VP8X), per the WebP container specification.
fn webp_size(bytes: &[u8]) -> Option<(u32, u32)> {
    match bytes.get(12..16)? {
        b"VP8 " => {
            let w = le16(bytes, 26)? & 0x3FFF;
            let h = le16(bytes, 28)? & 0x3FFF;
            Some((u32::from(w), u32::from(h)))
        }
        b"VP8L" => {
            let bits = le32(bytes, 21)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w = le24(bytes, 24)? + 1;
            let h = le24(bytes, 27)? + 1;
            Some((w, h))
        }
        _ => None,
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
