//! Deterministic synthetic inputs shared by the tests and the benchmark: no
//! files, no network, the same pixels on every run.

#![allow(
    dead_code,
    reason = "each test binary and the benchmark use a different subset"
)]

use image::{Rgba, RgbaImage};

/// A generated image and the subject it truly contains.
pub struct Scene {
    pub image: RgbaImage,
    /// Ground-truth subject pixels, row-major.
    pub truth: Vec<bool>,
}

/// Hash noise in -1..=1 for pixel (x, y): stands in for sensor grain.
fn noise(x: u32, y: u32, channel: u32) -> f32 {
    let mut h = x.wrapping_mul(0x9E37_79B1)
        ^ y.wrapping_mul(0x85EB_CA77)
        ^ channel.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297A_2D39);
    h ^= h >> 15;
    (h as f32 / u32::MAX as f32) * 2.0 - 1.0
}

/// Signed distance (pixels, negative inside) to a "snowman": a large disc
/// with a smaller one on top, so the outline has a concave waist.
fn snowman(width: u32, height: u32, x: f32, y: f32) -> f32 {
    let (w, h) = (width as f32, height as f32);
    let body = (x - 0.5 * w).hypot(y - 0.62 * h) - 0.26 * w.min(h);
    let head = (x - 0.5 * w).hypot(y - 0.3 * h) - 0.16 * w.min(h);
    body.min(head)
}

/// A photo-like picture: a lit, shaded red object with soft (anti-aliased)
/// edges on a grey backdrop with a light-to-dark gradient and grain.
pub fn photo(width: u32, height: u32) -> Scene {
    let mut truth = Vec::with_capacity((width * height) as usize);
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let distance = snowman(width, height, px, py);
        truth.push(distance < 0.0);
        let backdrop = 215.0 - 30.0 * py / height as f32 + 10.0 * px / width as f32;
        // Light from the upper left: brighter towards it, darker away.
        let light = 0.55 + 0.45 * (1.0 - (px / width as f32 + py / height as f32) * 0.7);
        let object = [200.0 * light, 50.0 * light + 20.0, 40.0 * light + 10.0];
        let coverage = (0.5 - distance).clamp(0.0, 1.0);
        let rgb = [0, 1, 2].map(|c| {
            let clean = backdrop * (1.0 - coverage) + object[c] * coverage;
            (clean + 8.0 * noise(x, y, c as u32))
                .round()
                .clamp(0.0, 255.0) as u8
        });
        Rgba([rgb[0], rgb[1], rgb[2], 255])
    });
    Scene { image, truth }
}

/// A cut-out: an ellipse with anti-aliased alpha, over fully transparent
/// pixels whose colour is noise (as background removers often leave it).
pub fn cutout(width: u32, height: u32) -> Scene {
    let mut truth = Vec::with_capacity((width * height) as usize);
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let (rx, ry) = (0.3 * width as f32, 0.4 * height as f32);
        let (dx, dy) = (
            (px - 0.45 * width as f32) / rx,
            (py - 0.5 * height as f32) / ry,
        );
        // Approximate distance to the ellipse in pixels.
        let distance = (dx.hypot(dy) - 1.0) * rx.min(ry);
        let alpha = ((0.5 - distance).clamp(0.0, 1.0) * 255.0).round() as u8;
        truth.push(alpha >= 128);
        let junk = |c| (127.0 + 127.0 * noise(x, y, c)) as u8;
        if alpha == 0 {
            Rgba([junk(0), junk(1), junk(2), 0])
        } else {
            Rgba([30, 90, 200, alpha])
        }
    });
    Scene { image, truth }
}

/// A GLB read back through the `gltf` crate, as a viewer would read it.
pub struct Loaded {
    pub document: gltf::Document,
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Option<Vec<[f32; 2]>>,
    pub colors: Option<Vec<[f32; 3]>>,
    pub indices: Vec<u32>,
    pub images: Vec<gltf::image::Data>,
}

/// Parses `glb` (one mesh, one primitive), panicking with the reason if the
/// file is malformed.
pub fn load(glb: &[u8]) -> Loaded {
    let (document, buffers, images) =
        gltf::import_slice(glb).unwrap_or_else(|e| panic!("the GLB does not parse: {e}"));
    let mesh = document
        .meshes()
        .next()
        .unwrap_or_else(|| panic!("no mesh"));
    let primitive = mesh
        .primitives()
        .next()
        .unwrap_or_else(|| panic!("no primitive"));
    let reader = primitive.reader(|buffer| buffers.get(buffer.index()).map(|data| &data.0[..]));
    let positions = reader
        .read_positions()
        .map(Iterator::collect)
        .unwrap_or_default();
    let normals = reader
        .read_normals()
        .map(Iterator::collect)
        .unwrap_or_default();
    let uvs = reader.read_tex_coords(0).map(|uv| uv.into_f32().collect());
    let colors = reader.read_colors(0).map(|c| c.into_rgb_f32().collect());
    let indices = reader
        .read_indices()
        .map(|i| i.into_u32().collect())
        .unwrap_or_default();
    Loaded {
        document,
        positions,
        normals,
        uvs,
        colors,
        indices,
        images,
    }
}
