//! The base-colour texture: the photo itself, with the subject's colours
//! bled over the background so nothing but subject colour is ever sampled.

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};

use crate::InflateError;
use crate::distance::feature_transform;
use crate::mask::{Mask, neighbours_4};
use crate::resample::resize_rgb;

/// Smallest texture edge produced: anything less smears the subject into a
/// handful of blotches.
pub(crate) const MIN_TEXTURE_SIZE: u32 = 64;

/// Largest texture edge produced: TRELLIS.2's own maximum, and 48 MB of RGB
/// while encoding.
pub(crate) const MAX_TEXTURE_SIZE: u32 = 4096;

/// The subject's colours as a square PNG of `size` (clamped to the limits
/// above) texels a side, mapping the whole image (u = x / W, v = y / H).
///
/// Every texel outside the subject takes the colour of the nearest subject
/// pixel, so bilinear filtering and mipmaps at the rim never pull in the
/// backdrop. The outermost subject pixels are replaced the same way: in a
/// photo they are usually a blend of subject and backdrop.
///
/// The PNG is RGB: the model is opaque, and an alpha channel would only
/// invite viewers to blend.
pub(crate) fn bake(image: &RgbaImage, mask: &Mask, size: u32) -> Result<Vec<u8>, InflateError> {
    let size = size.clamp(MIN_TEXTURE_SIZE, MAX_TEXTURE_SIZE);
    let bled = bleed(image, mask);
    let resized = resize_rgb(&bled, size, size);
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, PngFilter::Adaptive)
        .write_image(resized.as_raw(), size, size, ExtendedColorType::Rgb8)
        .map_err(|e| InflateError::InvalidMesh(format!("could not encode the texture: {e}")))?;
    Ok(png)
}

/// The image's RGB with every non-core pixel set to its nearest core pixel's
/// colour, where the core is the subject minus its one-pixel rim (or the
/// whole subject, if it is too thin to have a core).
fn bleed(image: &RgbaImage, mask: &Mask) -> RgbImage {
    let (width, height) = (mask.width, mask.height);
    let interior: Vec<bool> = (0..mask.inside.len())
        .map(|i| mask.inside[i] && neighbours_4(width, height, i).all(|n| mask.inside[n]))
        .collect();
    let core = if interior.contains(&true) {
        &interior
    } else {
        &mask.inside
    };
    // With no subject at all every pixel keeps its own colour: the photo as
    // it is is the only sensible texture then.
    let nearest = if core.contains(&true) {
        feature_transform(width, height, |i| core[i]).nearest
    } else {
        (0..core.len() as u32).collect()
    };
    let raw = image.as_raw();
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        let i = y as usize * width + x as usize;
        let source = if core[i] { i } else { nearest[i] as usize } * 4;
        image::Rgb([raw[source], raw[source + 1], raw[source + 2]])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn background_takes_the_nearest_subject_colour() {
        // Left half red subject (with a dark rim column), right half green.
        let image = RgbaImage::from_fn(8, 4, |x, _| match x {
            0..=2 => Rgba([255, 0, 0, 255]),
            3 => Rgba([40, 40, 40, 255]),
            _ => Rgba([0, 255, 0, 0]),
        });
        let mask = Mask::from_alpha(&image);
        let bled = bleed(&image, &mask);
        for (x, y, pixel) in bled.enumerate_pixels() {
            assert_eq!(pixel.0, [255, 0, 0], "texel ({x}, {y})");
        }
    }

    #[test]
    fn bake_makes_a_square_png_of_the_clamped_size() {
        let image = RgbaImage::from_pixel(30, 20, Rgba([10, 20, 30, 255]));
        let mask = Mask::from_alpha(&image);
        let png = bake(&image, &mask, 1).unwrap_or_default();
        let decoded = image::load_from_memory(&png).map(|i| (i.width(), i.height()));
        assert_eq!(decoded.ok(), Some((MIN_TEXTURE_SIZE, MIN_TEXTURE_SIZE)));
    }
}
