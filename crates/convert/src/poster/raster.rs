//! A z-buffered triangle rasteriser with perspective-correct
//! interpolation, shading each covered pixel with the base colour and a
//! key, fill and sky light. Pixels are stored as sRGB bytes to keep the
//! supersampled frame small.

use super::camera::{FILL_LIGHT, KEY_LIGHT};
use super::texture::{Linear, Texture, linear_to_srgb};
use crate::model::math::{dot, normalize};

/// One corner of a triangle, ready to draw.
#[derive(Clone, Copy, Debug)]
pub(super) struct Corner {
    /// Pixel x, pixel y (down), view depth.
    pub screen: [f32; 3],
    /// Unit normal in camera space (z towards the viewer).
    pub normal: [f32; 3],
    pub uv: [f32; 2],
    /// Linear RGBA vertex colour (white without `COLOR_0`).
    pub color: [f32; 4],
}

/// How a triangle's pixels get their colour.
pub(super) struct Surface<'a> {
    /// Linear RGBA factor.
    pub base: [f32; 4],
    pub texture: Option<&'a Texture>,
    /// Alpha below which a pixel is not drawn (`MASK` materials).
    pub cutoff: Option<f32>,
}

pub(super) struct Frame {
    pub width: usize,
    pub height: usize,
    depth: Vec<f32>,
    pub pixels: Vec<[u8; 3]>,
    linear: Linear,
}

impl Frame {
    /// A frame filled with `background(y)` per row.
    pub fn new(width: usize, height: usize, background: impl Fn(usize) -> [u8; 3]) -> Self {
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            pixels.extend(std::iter::repeat_n(background(y), width));
        }
        Self {
            width,
            height,
            depth: vec![f32::INFINITY; width * height],
            pixels,
            linear: Linear::new(),
        }
    }

    /// Whether anything was drawn at pixel `index`.
    pub fn covered(&self, index: usize) -> bool {
        self.depth[index].is_finite()
    }

    pub fn linear(&self) -> &Linear {
        &self.linear
    }

    pub fn triangle(&mut self, corners: &[Corner; 3], surface: &Surface<'_>) {
        let [a, b, c] = corners.map(|c| c.screen);
        // Front faces turn counter-clockwise as the viewer sees them, which
        // is a negative area with y pointing down. Seen from behind, light
        // the side we see.
        let facing = if edge(a, b, c) < 0.0 { 1.0 } else { -1.0 };
        let (width, height) = (self.width, self.height);
        cover([a, b, c], width, height, |index, depth, weights| {
            if depth >= self.depth[index] {
                return;
            }
            if let Some(color) = self.shade(corners, &weights, facing, surface) {
                self.depth[index] = depth;
                self.pixels[index] = color;
            }
        });
    }

    /// Darkens what lies under the triangle at `screen` by `darkness` (0..1
    /// per corner, interpolated) in linear light, leaving the depth alone:
    /// a shadow on the background, under whatever is drawn later.
    pub fn shadow(&mut self, screen: [[f32; 3]; 3], darkness: [f32; 3]) {
        let (width, height) = (self.width, self.height);
        cover(screen, width, height, |index, _, weights| {
            let dark: f32 = (0..3).map(|i| darkness[i] * weights[i]).sum();
            let pixel = &mut self.pixels[index];
            *pixel = pixel.map(|v| linear_to_srgb(self.linear.get(v) * (1.0 - dark)));
        });
    }

    fn shade(
        &self,
        corners: &[Corner; 3],
        w: &[f32; 3],
        facing: f32,
        surface: &Surface<'_>,
    ) -> Option<[u8; 3]> {
        let mix = |value: &dyn Fn(&Corner) -> f32| -> f32 {
            (0..3).map(|i| value(&corners[i]) * w[i]).sum()
        };
        let mut albedo: [f32; 4] = std::array::from_fn(|i| surface.base[i] * mix(&|c| c.color[i]));
        if let Some(texture) = surface.texture {
            let uv = [mix(&|c| c.uv[0]), mix(&|c| c.uv[1])];
            let texel = texture.sample(uv, &self.linear);
            for (value, t) in albedo.iter_mut().zip(texel) {
                *value *= t;
            }
        }
        if surface.cutoff.is_some_and(|cutoff| albedo[3] < cutoff) {
            return None;
        }
        let normal = [
            mix(&|c| c.normal[0]),
            mix(&|c| c.normal[1]),
            mix(&|c| c.normal[2]),
        ];
        let n = normalize(normal)
            .unwrap_or([0.0, 0.0, 1.0])
            .map(|v| v * facing);
        let key = normalize(KEY_LIGHT).map_or(0.0, |l| dot(n, l).max(0.0));
        let fill = normalize(FILL_LIGHT).map_or(0.0, |l| dot(n, l).max(0.0));
        // Sky above, ground bounce below.
        let ambient = 0.28 + 0.1 * n[1];
        let light = ambient + 0.85 * key + 0.25 * fill;
        Some([0, 1, 2].map(|i| linear_to_srgb(albedo[i] * light)))
    }
}

/// Calls `pixel(index, depth, weights)` for each pixel whose centre lies in
/// the triangle at `screen`, with perspective-correct barycentric weights
/// (linear in 1/z on screen). Skips triangles with no area, behind the
/// camera, or with non-finite corners.
fn cover(
    screen: [[f32; 3]; 3],
    width: usize,
    height: usize,
    mut pixel: impl FnMut(usize, f32, [f32; 3]),
) {
    let [a, b, c] = screen;
    let area = edge(a, b, c);
    let drawable = area.abs() > f32::EPSILON
        && screen.iter().flatten().all(|v| v.is_finite())
        && screen.iter().all(|corner| corner[2] > 0.0);
    if !drawable {
        return;
    }
    let x_range = span(a[0].min(b[0]).min(c[0]), a[0].max(b[0]).max(c[0]), width);
    let y_range = span(a[1].min(b[1]).min(c[1]), a[1].max(b[1]).max(c[1]), height);
    let inverse_z = [1.0 / a[2], 1.0 / b[2], 1.0 / c[2]];
    for y in y_range {
        let py = y as f32 + 0.5;
        for x in x_range.clone() {
            let p = [x as f32 + 0.5, py, 0.0];
            let weights = [
                edge(b, c, p) / area,
                edge(c, a, p) / area,
                edge(a, b, p) / area,
            ];
            if weights.iter().any(|&w| w < 0.0) {
                continue;
            }
            let w: [f32; 3] = std::array::from_fn(|i| weights[i] * inverse_z[i]);
            let sum = w[0] + w[1] + w[2];
            pixel(y * width + x, 1.0 / sum, w.map(|v| v / sum));
        }
    }
}

/// Twice the signed area of (a, b, p) in pixel coordinates.
fn edge(a: [f32; 3], b: [f32; 3], p: [f32; 3]) -> f32 {
    (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
}

/// Pixel indices whose centres may lie in `low..=high`, clipped to the
/// frame.
fn span(low: f32, high: f32, size: usize) -> std::ops::Range<usize> {
    let start = (low - 0.5).ceil().max(0.0);
    let end = ((high - 0.5).floor() + 1.0).min(size as f32);
    if start >= end {
        return 0..0;
    }
    start as usize..end as usize
}
