//! TRELLIS-shaped test GLBs built in memory: one bumpy, textured blob with
//! POSITION/NORMAL/TEXCOORD_0, u32 indices, and a PBR material whose base
//! colour, alpha, metallic and roughness each carry a different pattern, so
//! every display mode of the viewer draws something different. Plus the
//! malformed variants the viewer must refuse.

use image::{ImageEncoder, RgbaImage};
use serde_json::json;
use trellis_glb::{GlbWriter, Target};

/// Segments around and along the blob: about 2,300 triangles, enough to
/// look smooth while keeping the `data:` URL small.
const SEGMENTS: (u32, u32) = (48, 24);
/// Side of each texture in pixels.
const TEXTURE_SIDE: u32 = 64;
/// Buffer views in the order `blob` writes them: position, normal, UV,
/// index, base colour, metallic-roughness.
const INDEX_VIEW: usize = 3;
const BASE_COLOR_VIEW: usize = 4;

/// How the test GLB encodes its textures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Textures {
    /// Plain PNG images, as the Modal server exports.
    Png,
    /// Lossless WebP behind `EXT_texture_webp` in `extensionsRequired`, as
    /// the official TRELLIS.2 exporter writes them.
    Webp,
}

/// The parts of a test GLB, kept apart so tests can damage one of them.
pub struct TestGlb {
    /// The glTF JSON document.
    pub json: serde_json::Value,
    /// The binary chunk.
    pub bin: Vec<u8>,
}

/// A TRELLIS-shaped mesh: f32 positions, normals and UVs, u32 indices.
pub struct Mesh {
    pub positions: Vec<f32>,
    pub normals: Vec<f32>,
    pub uvs: Vec<f32>,
    pub indices: Vec<u32>,
}

impl Mesh {
    /// A latitude/longitude grid of `around` × `along` quads over a sphere
    /// whose radius at (polar angle θ, azimuth φ) is `radius(θ, φ)`; the
    /// normals are the unit sphere's, which is close enough for tests.
    pub fn sphere(around: u32, along: u32, radius: impl Fn(f32, f32) -> f32) -> Self {
        let vertices = ((around + 1) * (along + 1)) as usize;
        let mut positions = Vec::with_capacity(vertices * 3);
        let mut normals = Vec::with_capacity(vertices * 3);
        let mut uvs = Vec::with_capacity(vertices * 2);
        for j in 0..=along {
            let v = j as f32 / along as f32;
            let theta = v * std::f32::consts::PI;
            for i in 0..=around {
                let u = i as f32 / around as f32;
                let phi = u * std::f32::consts::TAU;
                let n = [
                    theta.sin() * phi.cos(),
                    theta.cos(),
                    theta.sin() * phi.sin(),
                ];
                let r = radius(theta, phi);
                positions.extend(n.map(|c| c * r));
                normals.extend(n);
                uvs.extend([u, v]);
            }
        }
        let row = around + 1;
        let mut indices = Vec::with_capacity((around * along * 6) as usize);
        for j in 0..along {
            for i in 0..around {
                let (a, b) = (j * row + i, (j + 1) * row + i);
                // Counter-clockwise seen from outside, as glTF front faces are.
                indices.extend([a, a + 1, b, a + 1, b + 1, b]);
            }
        }
        Self {
            positions,
            normals,
            uvs,
            indices,
        }
    }

    /// The exact per-axis minimum and maximum of the positions, as the
    /// POSITION accessor must declare them.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        let (mut low, mut high) = ([f32::MAX; 3], [f32::MIN; 3]);
        for (i, value) in self.positions.iter().enumerate() {
            low[i % 3] = low[i % 3].min(*value);
            high[i % 3] = high[i % 3].max(*value);
        }
        (low, high)
    }
}

impl TestGlb {
    /// The textured blob with its textures encoded as `textures`.
    pub fn blob(textures: Textures) -> Self {
        let (around, along) = SEGMENTS;
        // Bumps, so orbiting visibly changes the outline.
        let mesh = Mesh::sphere(around, along, |theta, phi| {
            1.0 + 0.2 * (3.0 * phi).sin() * theta.sin()
        });
        let base_color = encode(&base_color_texture(), textures);
        let metallic_roughness = encode(&metallic_roughness_texture(), textures);
        Self::assemble(
            &mesh,
            &base_color,
            &metallic_roughness,
            textures,
            "trellis-e2e test blob",
        )
    }

    /// Lays out `mesh` and two encoded textures the way TRELLIS.2 exports
    /// do: one primitive, one PBR material, buffer views in the order
    /// position, normal, UV, index, base colour, metallic-roughness.
    pub fn assemble(
        mesh: &Mesh,
        base_color: &[u8],
        metallic_roughness: &[u8],
        textures: Textures,
        generator: &str,
    ) -> Self {
        let mut writer = GlbWriter::new();
        let vertices = Some(Target::Vertices);
        let position = writer.float_accessor(mesh.positions.as_chunks::<3>().0, vertices, true);
        let normal = writer.float_accessor(mesh.normals.as_chunks::<3>().0, vertices, false);
        let uv = writer.float_accessor(mesh.uvs.as_chunks::<2>().0, vertices, false);
        let indices = writer.u32_indices(&mesh.indices);
        let base_color_view = writer.push_view(base_color, None);
        let metallic_roughness_view = writer.push_view(metallic_roughness, None);

        let mime = match textures {
            Textures::Png => "image/png",
            Textures::Webp => "image/webp",
        };
        let texture = |source: usize| match textures {
            Textures::Png => json!({ "source": source }),
            Textures::Webp => json!({ "extensions": { "EXT_texture_webp": { "source": source } } }),
        };
        let mut json = json!({
            "asset": { "version": "2.0", "generator": generator },
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
                },
                "alphaMode": "OPAQUE"
            }],
            "textures": [texture(0), texture(1)],
            "images": [
                { "bufferView": base_color_view, "mimeType": mime },
                { "bufferView": metallic_roughness_view, "mimeType": mime }
            ],
        });
        if textures == Textures::Webp {
            json["extensionsUsed"] = json!(["EXT_texture_webp"]);
            json["extensionsRequired"] = json!(["EXT_texture_webp"]);
        }
        let (json, bin) = writer.into_parts(json);
        Self { json, bin }
    }

    /// The GLB file: header, JSON chunk, binary chunk.
    pub fn to_bytes(&self) -> Vec<u8> {
        trellis_glb::join(&trellis_glb::to_json(&self.json), Some(&self.bin))
            .expect("a test GLB is far below 4 GiB")
    }
}

/// Ways to break the test blob, one per check the viewer makes.
#[derive(Debug, Clone, Copy)]
pub enum Damage {
    /// Not a GLB at all (a ZIP's magic).
    BadMagic,
    /// Cut off a third of the way before the end.
    Truncated,
    /// The first triangle uses vertex 1,000,000.
    IndexOutOfRange,
    /// The base colour PNG's header claims 100,000×100,000 pixels.
    HugeTexture,
}

impl Damage {
    /// The damaged GLB file.
    pub fn apply(self) -> Vec<u8> {
        let mut glb = TestGlb::blob(Textures::Png);
        let view_offset = |glb: &TestGlb, view: usize| {
            glb.json["bufferViews"][view]["byteOffset"]
                .as_u64()
                .expect("view offset") as usize
        };
        match self {
            Damage::BadMagic => {
                let mut bytes = glb.to_bytes();
                bytes[..4].copy_from_slice(b"PK\x03\x04");
                return bytes;
            }
            Damage::Truncated => {
                let mut bytes = glb.to_bytes();
                bytes.truncate(bytes.len() * 2 / 3);
                return bytes;
            }
            Damage::IndexOutOfRange => {
                let at = view_offset(&glb, INDEX_VIEW);
                glb.bin[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
            }
            Damage::HugeTexture => {
                let at = view_offset(&glb, BASE_COLOR_VIEW);
                let header = png_header(100_000);
                glb.bin[at..at + header.len()].copy_from_slice(&header);
            }
        }
        glb.to_bytes()
    }
}

/// A PNG that is only a header claiming `side`×`side` pixels.
fn png_header(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

/// `text` percent-encoded to sit in a query parameter.
pub fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Warm colour bands with an alpha ramp along U.
fn base_color_texture() -> RgbaImage {
    RgbaImage::from_fn(TEXTURE_SIDE, TEXTURE_SIDE, |x, y| {
        let band = ((x / 8 + y / 16) % 3) as u8;
        image::Rgba([
            200 - band * 50,
            80 + band * 60,
            40 + band * 30,
            (x * 4).min(255) as u8,
        ])
    })
}

/// Roughness (G) ramps along V, metallic (B) in vertical stripes.
fn metallic_roughness_texture() -> RgbaImage {
    RgbaImage::from_fn(TEXTURE_SIDE, TEXTURE_SIDE, |x, y| {
        let metallic = if (x / 8) % 2 == 0 { 255 } else { 0 };
        image::Rgba([255, (y * 4).min(255) as u8, metallic, 255])
    })
}

fn encode(image: &RgbaImage, textures: Textures) -> Vec<u8> {
    let mut out = Vec::new();
    let (w, h, pixels) = (image.width(), image.height(), image.as_raw());
    let color = image::ExtendedColorType::Rgba8;
    match textures {
        Textures::Png => {
            image::codecs::png::PngEncoder::new(&mut out).write_image(pixels, w, h, color)
        }
        Textures::Webp => image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .write_image(pixels, w, h, color),
    }
    .expect("encode texture");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blob as a GLB reader sees it: every accessor in bounds, the
    /// indices within the vertices, both images present.
    #[test]
    fn the_blob_reads_back_and_each_damage_breaks_it() {
        let bytes = TestGlb::blob(Textures::Webp).to_bytes();
        let chunks = trellis_glb::split(&bytes).unwrap();
        let doc = trellis_glb::parse(chunks.json).unwrap();
        let buffers = trellis_glb::buffers(&doc, chunks.bin).unwrap();
        // Accessors in `assemble`'s order: position, normal, UV, indices.
        let vertices = trellis_glb::accessor(&doc, &buffers, 0).unwrap().count;
        let indices = trellis_glb::accessor(&doc, &buffers, 3).unwrap();
        assert!((indices.max_index().unwrap() as usize) < vertices);
        for view in [BASE_COLOR_VIEW, BASE_COLOR_VIEW + 1] {
            let image = trellis_glb::buffer_view(&doc, &buffers, view as u64).unwrap();
            assert_eq!(&image.bytes[8..12], b"WEBP");
        }

        assert_eq!(
            trellis_glb::split(&Damage::BadMagic.apply()),
            Err(trellis_glb::GlbError::NotGlb)
        );
        assert!(matches!(
            trellis_glb::split(&Damage::Truncated.apply()),
            Err(trellis_glb::GlbError::Truncated { .. })
        ));
        let damaged = Damage::IndexOutOfRange.apply();
        let chunks = trellis_glb::split(&damaged).unwrap();
        let doc = trellis_glb::parse(chunks.json).unwrap();
        let buffers = trellis_glb::buffers(&doc, chunks.bin).unwrap();
        let indices = trellis_glb::accessor(&doc, &buffers, 3).unwrap();
        assert_eq!(indices.max_index().unwrap(), 1_000_000);
    }
}
