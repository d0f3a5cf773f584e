//! Test images, crafted files, and reading GLBs back.

use std::io::Cursor;

use image::{ImageFormat, Rgba, RgbaImage};
use serde_json::Value;

pub fn encode(image: &RgbaImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    let image = if format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(image.clone()).into_rgb8())
    } else {
        image::DynamicImage::ImageRgba8(image.clone())
    };
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// A cut-out: an opaque orange disc on a transparent background.
pub fn subject_png() -> Vec<u8> {
    let (w, h) = (160, 120);
    let image = RgbaImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - 80.0, y as f32 - 60.0);
        if dx * dx + dy * dy < 45.0 * 45.0 {
            Rgba([230, 120, 40, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    encode(&image, ImageFormat::Png)
}

/// One flat colour: the CPU engine finds no subject in it.
pub fn uniform_png() -> Vec<u8> {
    encode(
        &RgbaImage::from_pixel(64, 48, Rgba([120, 130, 140, 255])),
        ImageFormat::Png,
    )
}

/// A PNG signature and an IHDR claiming `width`×`height`, and almost no data.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
    push_chunk(&mut png, b"IEND", &[]);
    png
}

fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 as PNG uses it (ISO 3309), bit by bit: tiny inputs only.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Triangles in a GLB, counted from its own accessors.
pub fn glb_faces(glb: &[u8]) -> u64 {
    assert_eq!(&glb[..4], b"glTF");
    let json_len = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
    assert_eq!(&glb[16..20], b"JSON");
    let gltf: Value = serde_json::from_slice(&glb[20..20 + json_len]).unwrap();
    let mut faces = 0;
    for mesh in gltf["meshes"].as_array().unwrap() {
        for primitive in mesh["primitives"].as_array().unwrap() {
            let accessor = primitive["indices"].as_u64().unwrap() as usize;
            faces += gltf["accessors"][accessor]["count"].as_u64().unwrap() / 3;
        }
    }
    faces
}
