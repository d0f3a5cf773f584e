//! Full-size TRELLIS.2-shaped GLBs for performance tests and the viewer
//! benchmark: a bumpy sphere of the requested triangle count with
//! POSITION/NORMAL/TEXCOORD_0 as f32, u32 indices, and an RGBA base colour
//! plus a metallic-roughness texture as PNG. Deterministic, and the
//! textures look like photographs to the encoder (smooth shading, edges and
//! fine grain) rather than noise, so the PNG sizes are realistic.

use crate::glb::{Mesh, TestGlb, Textures};
use image::{ImageEncoder, RgbaImage};

/// Bumps around the sphere: enough relief that lighting and orbiting show
/// shape at every triangle count.
const BUMPS: f32 = 7.0;
/// Half-amplitude of the per-pixel grain, in 8-bit levels: about a camera
/// sensor's noise, which is what keeps real texture PNGs from compressing
/// to nothing.
const GRAIN: u32 = 3;

/// A TRELLIS-shaped GLB with about `triangles` triangles and two
/// `texture_side`² PNG textures.
pub fn trellis_glb(triangles: u32, texture_side: u32) -> Vec<u8> {
    // A (2n × n) grid has 4n² triangles.
    let along = ((triangles as f64 / 4.0).sqrt().round() as u32).max(2);
    let around = 2 * along;
    let mesh = Mesh::sphere(around, along, |theta, phi| {
        1.0 + 0.08 * (BUMPS * phi).sin() * (BUMPS * theta).sin()
    });
    let base_color = png(&base_color(texture_side));
    let metallic_roughness = png(&metallic_roughness(texture_side));
    TestGlb::assemble(
        &mesh,
        &base_color,
        &metallic_roughness,
        Textures::Png,
        "trellis-e2e TRELLIS-shaped benchmark model",
    )
    .to_bytes()
}

/// Deterministic grain in `-GRAIN..=GRAIN` for pixel `(x, y)`, channel `c`.
fn grain(x: u32, y: u32, c: u32) -> i32 {
    let mut h =
        x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ c.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h % (2 * GRAIN + 1)) as i32 - GRAIN as i32
}

/// Smooth colour fields with a few hard-edged patches, like a baked
/// photo texture: per-row and per-column terms are precomputed so a 4096²
/// image takes a moment, not minutes, in a debug build.
fn base_color(side: u32) -> RgbaImage {
    let wave = |period: f32, phase: f32| -> Vec<f32> {
        (0..side)
            .map(|i| (i as f32 / side as f32 * period + phase).sin())
            .collect()
    };
    let (cols, rows, cols_fast) = (wave(6.0, 0.3), wave(4.0, 1.1), wave(29.0, 0.0));
    RgbaImage::from_fn(side, side, |x, y| {
        let (cx, ry, fx) = (cols[x as usize], rows[y as usize], cols_fast[x as usize]);
        let patch = ((x * 8 / side) + (y * 8 / side)) % 3;
        let base = [150.0 + 60.0 * cx, 110.0 + 50.0 * ry, 80.0 + 40.0 * cx * ry];
        let texel = |c: usize| {
            let shade = base[c] + 12.0 * fx + 25.0 * patch as f32;
            (shade as i32 + grain(x, y, c as u32)).clamp(0, 255) as u8
        };
        image::Rgba([texel(0), texel(1), texel(2), 255])
    })
}

/// glTF layout: roughness in G, metallic in B; R unused (white).
fn metallic_roughness(side: u32) -> RgbaImage {
    RgbaImage::from_fn(side, side, |x, y| {
        let roughness = 90 + (y * 140 / side) as i32 + grain(x, y, 1);
        let metallic = if (x * 6 / side + y * 6 / side).is_multiple_of(4) {
            230
        } else {
            15
        };
        image::Rgba([255, roughness.clamp(0, 255) as u8, metallic, 255])
    })
}

fn png(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .expect("PNG encoding of an in-memory image");
    out
}
