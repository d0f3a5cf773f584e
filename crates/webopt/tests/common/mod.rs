//! TRELLIS-like test models for the optimizer's tests and bench: an
//! irregular blob whose surface is cut into UV charts packed in an atlas
//! (so seams duplicate vertices, as in a real TRELLIS.2 export), f32
//! attributes and u32 indices, and PNG textures with photo-like detail at
//! every scale (1/f value noise, soft gradients, hard-edged patches and
//! sensor grain), so lossy texture sizes are honest rather than flattered
//! by flat colour.
// The tests and the bench each use a different part.
#![allow(dead_code)]

use image::{ImageEncoder, Rgba, RgbaImage};
use serde_json::json;
use trellis_glb::{GlbWriter, Target};

/// UV charts across and along the surface.
const CHARTS: (u32, u32) = (8, 4);
/// Gap between charts in the atlas, as a fraction of a cell.
const CHART_MARGIN: f32 = 0.02;

/// A TRELLIS-like GLB of about `triangles` triangles with a base colour
/// and a metallic-roughness texture of `texture_side`² each.
pub fn trellis_like_glb(triangles: u32, texture_side: u32) -> Vec<u8> {
    let mesh = blob(triangles);
    let base_color = png(&base_color(texture_side));
    let metallic_roughness = png(&metallic_roughness(texture_side));
    let mut writer = GlbWriter::new();
    let vertices = Some(Target::Vertices);
    let position = writer.float_accessor(&mesh.positions, vertices, true);
    let normal = writer.float_accessor(&mesh.normals, vertices, false);
    let uv = writer.float_accessor(&mesh.uvs, vertices, false);
    let indices = writer.u32_indices(&mesh.indices);
    let base_color_view = writer.push_view(&base_color, None);
    let metallic_roughness_view = writer.push_view(&metallic_roughness, None);
    writer
        .finish(json!({
            "asset": { "version": "2.0", "generator": "trellis-webopt test model" },
            "scene": 0,
            "scenes": [{ "nodes": [0] }],
            "nodes": [{ "mesh": 0 }],
            "meshes": [{ "primitives": [{
                "attributes": { "POSITION": position, "NORMAL": normal, "TEXCOORD_0": uv },
                "indices": indices,
                "material": 0
            }] }],
            "materials": [{
                "pbrMetallicRoughness": {
                    "baseColorTexture": { "index": 0 },
                    "metallicRoughnessTexture": { "index": 1 }
                }
            }],
            "samplers": [{ "magFilter": 9729, "minFilter": 9987 }],
            "textures": [{ "source": 0, "sampler": 0 }, { "source": 1, "sampler": 0 }],
            "images": [
                { "bufferView": base_color_view, "mimeType": "image/png" },
                { "bufferView": metallic_roughness_view, "mimeType": "image/png" }
            ]
        }))
        .expect("a test model fits a GLB")
}

/// Float attributes and indices, as the raw GLB holds them.
pub struct Mesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    pub indices: Vec<u32>,
}

/// The blob's radius in direction (θ, φ): large lobes and fine relief.
fn radius(theta: f32, phi: f32) -> f32 {
    1.0 + 0.15 * (2.0 * phi).sin() * (3.0 * theta).sin()
        + 0.05 * (7.0 * phi + 1.3).sin() * (5.0 * theta).cos()
        + 0.012 * (31.0 * phi).sin() * (23.0 * theta + 0.7).sin()
}

/// A (2n × n)-quad latitude/longitude grid displaced by [`radius`], cut
/// into [`CHARTS`] charts that each have their own vertices and atlas cell.
pub fn blob(triangles: u32) -> Mesh {
    let along = ((triangles as f64 / 4.0).sqrt().round() as u32).max(CHARTS.1 * 2);
    let around = 2 * along;
    let point = |i: u32, j: u32| {
        let (theta, phi) = (
            j as f32 / along as f32 * std::f32::consts::PI,
            i as f32 / around as f32 * std::f32::consts::TAU,
        );
        let r = radius(theta, phi);
        [
            theta.sin() * phi.cos() * r,
            theta.cos() * r,
            theta.sin() * phi.sin() * r,
        ]
    };
    // Normals from the grid's neighbours, so duplicated seam vertices agree.
    let normal = |i: u32, j: u32| {
        let (a, b) = (
            point((i + 1) % around, j),
            point((i + around - 1) % around, j),
        );
        let (c, d) = (point(i, (j + 1).min(along)), point(i, j.saturating_sub(1)));
        let u = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
        let v = [c[0] - d[0], c[1] - d[1], c[2] - d[2]];
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if length > 1e-12 {
            n.map(|c| -c / length)
        } else {
            let p = point(i, j);
            [0.0, p[1].signum(), 0.0]
        }
    };
    let mut mesh = Mesh {
        positions: Vec::new(),
        normals: Vec::new(),
        uvs: Vec::new(),
        indices: Vec::new(),
    };
    let (charts_u, charts_v) = CHARTS;
    for cv in 0..charts_v {
        for cu in 0..charts_u {
            let (i0, i1) = (around * cu / charts_u, around * (cu + 1) / charts_u);
            let (j0, j1) = (along * cv / charts_v, along * (cv + 1) / charts_v);
            let base = mesh.positions.len() as u32;
            let row = i1 - i0 + 1;
            for j in j0..=j1 {
                for i in i0..=i1 {
                    mesh.positions.push(point(i % around, j));
                    mesh.normals.push(normal(i % around, j));
                    let local = |x: u32, from: u32, to: u32| (x - from) as f32 / (to - from) as f32;
                    let cell = |local: f32, index: u32, count: u32| {
                        (index as f32 + CHART_MARGIN + local * (1.0 - 2.0 * CHART_MARGIN))
                            / count as f32
                    };
                    mesh.uvs.push([
                        cell(local(i, i0, i1), cu, charts_u),
                        cell(local(j, j0, j1), cv, charts_v),
                    ]);
                }
            }
            for j in 0..j1 - j0 {
                for i in 0..i1 - i0 {
                    let (a, b) = (base + j * row + i, base + (j + 1) * row + i);
                    // Counter-clockwise seen from outside, as glTF front faces are.
                    mesh.indices.extend([a, a + 1, b, a + 1, b + 1, b]);
                }
            }
        }
    }
    mesh
}

/// Smooth value noise on a `cells`² lattice with deterministic corners.
struct ValueNoise {
    cells: u32,
    seed: u32,
}

impl ValueNoise {
    fn corner(&self, x: u32, y: u32) -> f32 {
        let mut h = x.wrapping_mul(0x9E37_79B1)
            ^ y.wrapping_mul(0x85EB_CA77)
            ^ self.seed.wrapping_mul(0xC2B2_AE3D);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^= h >> 12;
        (h & 0xffff) as f32 / 65535.0 * 2.0 - 1.0
    }

    /// At (u, v) in [0, 1)²: bilinear with smoothstep weights.
    fn at(&self, u: f32, v: f32) -> f32 {
        let (x, y) = (u * self.cells as f32, v * self.cells as f32);
        let (x0, y0) = (x.floor(), y.floor());
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(x - x0), smooth(y - y0));
        let (x0, y0) = (x0 as u32, y0 as u32);
        let top = self.corner(x0, y0) * (1.0 - tx) + self.corner(x0 + 1, y0) * tx;
        let bottom = self.corner(x0, y0 + 1) * (1.0 - tx) + self.corner(x0 + 1, y0 + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// Fractal value noise: each octave twice the frequency of the last and
/// `gain` times its amplitude (0.5 is the 1/f spectrum of natural images;
/// higher keeps more fine detail); about -1..1.
fn fractal(u: f32, v: f32, seed: u32, octaves: u32, gain: f32) -> f32 {
    (0..octaves)
        .map(|o| {
            ValueNoise {
                cells: 4 << o,
                seed: seed + o,
            }
            .at(u, v)
                * gain.powi(o as i32)
        })
        .sum::<f32>()
        * (1.0 - gain)
}

/// Deterministic grain in -amplitude..=amplitude.
fn grain(x: u32, y: u32, c: u32, amplitude: i32) -> i32 {
    let noise = ValueNoise { cells: 1, seed: c };
    (noise.corner(x, y) * amplitude as f32).round() as i32
}

/// Octaves that reach pixel scale at `side`.
fn octaves(side: u32) -> u32 {
    (side / 4).max(2).ilog2()
}

/// Which atlas chart (u, v) falls in, or `None` in the gutter between
/// charts, which a baked atlas leaves dark.
fn chart(u: f32, v: f32) -> Option<u32> {
    let (charts_u, charts_v) = CHARTS;
    let (cu, cv) = (u * charts_u as f32, v * charts_v as f32);
    let inside = |t: f32| (CHART_MARGIN..1.0 - CHART_MARGIN).contains(&t.fract());
    (inside(cu) && inside(cv)).then_some(cv as u32 * charts_u + cu as u32)
}

/// A photo-like albedo atlas: per chart a surface with detail at every
/// scale (wood-like grain, a fine weave, or speckle) over soft shading and
/// hue variation, hard-edged patches, sensor grain, dark gutters.
pub fn base_color(side: u32) -> RgbaImage {
    let octaves = octaves(side);
    let weave_period = 7.0 / side as f32;
    RgbaImage::from_fn(side, side, |x, y| {
        let (u, v) = (x as f32 / side as f32, y as f32 / side as f32);
        let Some(chart) = chart(u, v) else {
            return Rgba([18, 16, 15, 255]);
        };
        let detail = fractal(u, v, 1, octaves, 0.7);
        let tint = fractal(u, v, 100, 4, 0.5);
        let surface = match chart % 3 {
            0 => 22.0 * ((u * 90.0 + 5.0 * fractal(u, v, 7, 5, 0.5)) * std::f32::consts::TAU).sin(),
            1 => {
                14.0 * (u / weave_period * std::f32::consts::TAU).sin()
                    * (v / weave_period * std::f32::consts::TAU).sin()
            }
            _ => {
                30.0 * fractal(
                    u * 8.0 % 1.0,
                    v * 8.0 % 1.0,
                    9,
                    octaves.saturating_sub(3).max(1),
                    0.8,
                )
            }
        };
        let shade = 0.75 + 0.25 * (u * 5.0 + 0.3).sin() * (v * 4.0 + 1.1).cos();
        let patch = if fractal(u, v, 200, 3, 0.5) > 0.12 {
            40.0
        } else {
            0.0
        };
        let base = [150.0 + 60.0 * tint, 115.0 + 40.0 * tint, 85.0 - 35.0 * tint];
        let texel = |c: usize| {
            let value = (base[c] + 60.0 * detail + surface + patch) * shade;
            (value as i32 + grain(x, y, c as u32, 2)).clamp(0, 255) as u8
        };
        Rgba([texel(0), texel(1), texel(2), 255])
    })
}

/// glTF layout: roughness in G varying smoothly with fine detail,
/// metallic in B as hard-edged regions; R unused (white).
pub fn metallic_roughness(side: u32) -> RgbaImage {
    let octaves = octaves(side);
    RgbaImage::from_fn(side, side, |x, y| {
        let (u, v) = (x as f32 / side as f32, y as f32 / side as f32);
        if chart(u, v).is_none() {
            return Rgba([255, 255, 0, 255]);
        }
        let roughness = 140.0 + 90.0 * fractal(u, v, 300, octaves, 0.65);
        let metallic = if fractal(u, v, 400, 3, 0.5) > 0.1 {
            230
        } else {
            15
        };
        let roughness = (roughness as i32 + grain(x, y, 1, 2)).clamp(0, 255) as u8;
        Rgba([255, roughness, metallic, 255])
    })
}

pub fn png(image: &RgbaImage) -> Vec<u8> {
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
