//! The opaque state between "generate" and "extract": the masked photo as a
//! PNG, which is compact, lossless and viewable when debugging.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{
    ColorType, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader, Limits, RgbaImage,
};

use crate::InflateError;

/// Largest side a state may declare. `segment` works on images of at most
/// 1024 px, so anything bigger is not ours, and refusing it before decoding
/// stops a tiny forged PNG from asking for gigabytes.
const MAX_STATE_SIDE: u32 = 4096;

/// PNG-encodes `image`. Fast compression: the state is written once and read
/// once, so a few extra kilobytes beat extra milliseconds.
///
/// Encoding into memory only fails for an image with a zero side, which
/// `segment` never produces; the state is then empty, which `decode` rejects.
pub(crate) fn encode(image: &RgbaImage) -> Vec<u8> {
    let mut png = Vec::new();
    let written =
        PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                ExtendedColorType::Rgba8,
            );
    if written.is_err() {
        png.clear();
    }
    png
}

/// Reads back what `encode` wrote.
pub(crate) fn decode(bytes: &[u8]) -> Result<RgbaImage, InflateError> {
    let invalid =
        |e: image::ImageError| InflateError::InvalidState(format!("not a state PNG: {e}"));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_STATE_SIDE);
    limits.max_image_height = Some(MAX_STATE_SIDE);
    reader.limits(limits);
    let image = reader.decode().map_err(invalid)?;
    // `encode` always writes 8-bit RGBA; anything else was not made here, and
    // an alpha-less image would silently turn the whole frame into subject.
    if image.color() != ColorType::Rgba8 {
        return Err(InflateError::InvalidState(format!(
            "the state PNG is {:?}, not 8-bit RGBA",
            image.color()
        )));
    }
    Ok(image.into_rgba8())
}
