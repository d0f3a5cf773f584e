//! Turning an uploaded file into the stored input: checked, decoded within
//! limits, upright, at most 1024 pixels a side, alpha kept, as PNG.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, imageops::FilterType};

use crate::error::AppError;

/// The largest image file accepted: the upstream GPU service's limit
/// (contract §1.5), so whatever this server accepts the GPU accepts too.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// The widest or tallest image accepted, again the upstream limit. Checked
/// on the header before any pixel is decoded.
pub const MAX_IMAGE_SIDE: u32 = 4096;
/// The longest side of the stored input. TRELLIS.2 downscales anything
/// larger to this before use (contract §3.1), so bigger only costs space.
pub const STORED_MAX_SIDE: u32 = 1024;
/// Memory a decoder may use: a 4096² image at 16 bits × 4 channels. Enough
/// for any real photo; stops a crafted file from exhausting memory.
const MAX_DECODE_BYTES: u64 = MAX_IMAGE_SIDE as u64 * MAX_IMAGE_SIDE as u64 * 8;

/// Checks, decodes and normalizes an uploaded image; returns PNG bytes.
/// CPU-bound: call it from a blocking task.
pub fn normalize(bytes: &[u8]) -> Result<Vec<u8>, AppError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(image_too_big(bytes.len()));
    }
    let (width, height) = reader(bytes)?
        .into_dimensions()
        .map_err(|err| damaged(&err))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(AppError::ImageTooLarge {
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = reader(bytes)?;
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(|err| damaged(&err))?;
    // `DynamicImage::from_decoder` does not count the output buffer
    // against the limits, so reserve it here as `ImageReader::decode` does.
    limits
        .reserve(decoder.total_bytes())
        .map_err(|err| damaged(&err))?;
    let orientation = decoder.orientation().map_err(|err| damaged(&err))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| damaged(&err))?;
    // Phones store photos sideways plus an EXIF note; the engines ignore
    // that note, so turn the pixels upright here.
    image.apply_orientation(orientation);

    if image.width().max(image.height()) > STORED_MAX_SIDE {
        // `resize` keeps the aspect ratio within the given box.
        image = image.resize(STORED_MAX_SIDE, STORED_MAX_SIDE, FilterType::Lanczos3);
    }
    // RGBA8 keeps a real alpha mask (TRELLIS.2 uses it instead of removing
    // the background) and is what every engine reads.
    let rgba = DynamicImage::ImageRgba8(image.into_rgba8());
    let mut png = Vec::new();
    rgba.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(AppError::internal)?;
    Ok(png)
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, AppError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(AppError::internal)?;
    if reader.format().is_none() {
        return Err(AppError::InvalidImage(
            "The upload is not an image this server reads: send a PNG, JPEG, WebP, GIF, BMP or TIFF file."
                .to_owned(),
        ));
    }
    Ok(reader)
}

fn damaged(err: &image::ImageError) -> AppError {
    AppError::InvalidImage(format!(
        "The image could not be read; the file may be damaged or cut short ({err}). Export it again and retry."
    ))
}

/// The 413 for an image file over [`MAX_IMAGE_BYTES`].
pub fn image_too_big(len: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The image file is {} MiB; the limit is {} MiB. Save it smaller (for example as JPEG) and try again.",
        mebibytes(len),
        MAX_IMAGE_BYTES / (1024 * 1024)
    ))
}

/// Sizes in MiB with one decimal, rounded up so that "10.0 MiB" is never
/// shown for a file that is over a 10 MiB limit.
fn mebibytes(len: usize) -> String {
    let tenths = len.saturating_mul(10).div_ceil(1024 * 1024);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_a_tenth_of_a_mebibyte() {
        assert_eq!(mebibytes(MAX_IMAGE_BYTES + 1), "10.1");
        assert_eq!(mebibytes(1024 * 1024), "1.0");
    }
}
