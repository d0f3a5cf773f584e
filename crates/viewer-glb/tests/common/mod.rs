//! Small GLBs built in memory: a textured, bumpy grid like a TRELLIS.2
//! export (f32 attributes, u32 indices, PNG base colour and
//! metallic-roughness), whose JSON a test may change before framing.

use image::{ImageEncoder, RgbaImage};
use serde_json::{Value, json};
use trellis_glb::{GlbWriter, Target};

/// A grid of `side`×`side` quads over the unit square, gently bumped.
pub struct Grid {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    pub indices: Vec<u32>,
}

impl Grid {
    pub fn new(side: u32) -> Self {
        let mut grid = Grid {
            positions: Vec::new(),
            normals: Vec::new(),
            uvs: Vec::new(),
            indices: Vec::new(),
        };
        for j in 0..=side {
            for i in 0..=side {
                let (u, v) = (i as f32 / side as f32, j as f32 / side as f32);
                let height = 0.1 * (6.0 * u).sin() * (4.0 * v).cos();
                grid.positions.push([u - 0.5, v - 0.5, height]);
                grid.normals.push([0.0, 0.0, 1.0]);
                grid.uvs.push([u, v]);
            }
        }
        let row = side + 1;
        for j in 0..side {
            for i in 0..side {
                let a = j * row + i;
                grid.indices
                    .extend_from_slice(&[a, a + 1, a + row + 1, a, a + row + 1, a + row]);
            }
        }
        grid
    }

    pub fn triangles(&self) -> usize {
        self.indices.len() / 3
    }
}

/// The parts of a test GLB: change `json`, then [`TestGlb::bytes`].
pub struct TestGlb {
    pub json: Value,
    pub bin: Vec<u8>,
}

impl TestGlb {
    /// `grid` with a `texture_side`² base colour and metallic-roughness
    /// texture (PNG), one mesh on one node.
    pub fn textured(grid: &Grid, texture_side: u32) -> Self {
        let mut writer = GlbWriter::new();
        let vertices = Some(Target::Vertices);
        let position = writer.float_accessor(&grid.positions, vertices, true);
        let normal = writer.float_accessor(&grid.normals, vertices, false);
        let uv = writer.float_accessor(&grid.uvs, vertices, false);
        let indices = writer.u32_indices(&grid.indices);
        let base_color = writer.push_view(&png(texture_side, [200, 120, 60]), None);
        let metallic_roughness = writer.push_view(&png(texture_side, [255, 140, 20]), None);
        let (json, bin) = writer.into_parts(json!({
            "asset": { "version": "2.0" },
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
                    "metallicRoughnessTexture": { "index": 1 },
                    "metallicFactor": 0.25
                },
                "alphaMode": "MASK",
                "alphaCutoff": 0.3
            }],
            "textures": [{ "source": 0 }, { "source": 1 }],
            "images": [
                { "bufferView": base_color, "mimeType": "image/png" },
                { "bufferView": metallic_roughness, "mimeType": "image/png" }
            ]
        }));
        Self { json, bin }
    }

    pub fn bytes(&self) -> Vec<u8> {
        trellis_glb::join(&trellis_glb::to_json(&self.json), Some(&self.bin)).expect("a GLB")
    }
}

/// A `side`² PNG with a gradient over `colour`, so a lossy re-encoding has
/// something to keep.
pub fn png(side: u32, colour: [u8; 3]) -> Vec<u8> {
    let image = RgbaImage::from_fn(side, side, |x, y| {
        let shade = |c: u8, by: u32| c.saturating_sub((by * 40 / side) as u8);
        image::Rgba([shade(colour[0], x), shade(colour[1], y), colour[2], 255])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(image.as_raw(), side, side, image::ExtendedColorType::Rgba8)
        .expect("PNG encoding");
    out
}
