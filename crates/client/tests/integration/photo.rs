//! Test photos, made on the fly.

use std::{io::Cursor, sync::OnceLock};

use image::{ImageFormat, Rgb, RgbImage};

/// Light grey: the background the CPU engine finds at the border.
const BACKGROUND: Rgb<u8> = Rgb([236, 238, 242]);

/// A 320×240 photo: a shaded orange ellipse on a light background. The CPU
/// engine segments the subject from the border colour.
pub fn subject_png() -> Vec<u8> {
    ellipse_png(320, 240)
}

/// The same photo at 1024×768, the largest the proxy keeps: the slowest
/// input for the CPU engine. Made once, as several tests send it often.
pub fn large_subject_png() -> Vec<u8> {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| ellipse_png(1024, 768)).clone()
}

fn ellipse_png(width: u32, height: u32) -> Vec<u8> {
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (
            (x as f32 - cx) / (cx * 0.625),
            (y as f32 - cy) / (cy * 0.58),
        );
        let r2 = dx * dx + dy * dy;
        if r2 < 1.0 {
            // Darker towards the rim, like a lit rounded object.
            let shade = 1.0 - 0.5 * r2;
            Rgb([
                (230.0 * shade) as u8,
                (120.0 * shade) as u8,
                (40.0 * shade) as u8,
            ])
        } else {
            BACKGROUND
        }
    });
    png(&image)
}

/// One flat colour: the CPU engine finds no subject in it.
pub fn uniform_png() -> Vec<u8> {
    png(&RgbImage::from_pixel(64, 48, BACKGROUND))
}

fn png(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    bytes
}
