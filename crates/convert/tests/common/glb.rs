//! Small GLBs built by hand, for what the CPU engine never writes: every
//! material channel, WebP textures behind `EXT_texture_webp` (as the
//! official TRELLIS.2 exporter writes them), vertex colours, open and
//! non-manifold meshes, and broken files.

use image::{ImageEncoder, RgbaImage};
use serde_json::{Value, json};

/// A triangle mesh as plain arrays (glTF conventions: Y up, v down).
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Option<Vec<[f32; 3]>>,
    pub uvs: Option<Vec<[f32; 2]>>,
    pub colors: Option<Vec<[f32; 4]>>,
    pub indices: Vec<u32>,
}

impl Mesh {
    /// A UV sphere of `around` × `along` quads and radius 1, v = 0 at the
    /// top (+Y) pole: closed once its seam and pole vertices are welded,
    /// which share positions exactly, as UV-split vertices do.
    pub fn sphere(around: u32, along: u32) -> Self {
        let mut mesh = Mesh {
            normals: Some(Vec::new()),
            uvs: Some(Vec::new()),
            ..Mesh::default()
        };
        for j in 0..=along {
            let v = j as f32 / along as f32;
            let theta = v * std::f32::consts::PI;
            let (ring, height) = match j {
                0 => (0.0, 1.0),
                _ if j == along => (0.0, -1.0),
                _ => (theta.sin(), theta.cos()),
            };
            for i in 0..=around {
                let u = i as f32 / around as f32;
                let phi = (i % around) as f32 / around as f32 * std::f32::consts::TAU;
                let n = [ring * phi.cos(), height, -ring * phi.sin()];
                mesh.positions.push(n);
                mesh.normals.get_or_insert_default().push(n);
                mesh.uvs.get_or_insert_default().push([u, v]);
            }
        }
        let row = around + 1;
        for j in 0..along {
            for i in 0..around {
                let (a, b) = (j * row + i, (j + 1) * row + i);
                // Counter-clockwise seen from outside.
                mesh.indices.extend([a, b, a + 1, a + 1, b, b + 1]);
            }
        }
        mesh
    }

    /// A closed, consistently wound cube of side 2 centred on the origin,
    /// eight shared vertices.
    pub fn cube() -> Self {
        let positions = (0..8)
            .map(|i| {
                let bit = |b: u32| if i & (1 << b) != 0 { 1.0 } else { -1.0 };
                [bit(0), bit(1), bit(2)]
            })
            .collect();
        // Outward counter-clockwise quads, split into triangles.
        let quads = [
            [0, 4, 6, 2], // -x
            [1, 3, 7, 5], // +x
            [0, 1, 5, 4], // -y
            [2, 6, 7, 3], // +y
            [0, 2, 3, 1], // -z
            [4, 5, 7, 6], // +z
        ];
        let indices = quads
            .iter()
            .flat_map(|q| [q[0], q[1], q[2], q[0], q[2], q[3]])
            .collect();
        Mesh {
            positions,
            indices,
            ..Mesh::default()
        }
    }

    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }
}

/// How textures are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Png,
    /// Lossless WebP behind a required `EXT_texture_webp`.
    Webp,
}

/// A GLB under construction: a JSON document and its BIN chunk.
pub struct Builder {
    pub json: Value,
    pub bin: Vec<u8>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            json: json!({
                "asset": { "version": "2.0", "generator": "trellis-convert tests" },
                "scene": 0,
                "scenes": [{ "nodes": [] }],
                "nodes": [], "meshes": [], "accessors": [], "bufferViews": [],
                "materials": [], "textures": [], "images": [], "samplers": [],
            }),
            bin: Vec::new(),
        }
    }
}

impl Builder {
    fn push(&mut self, key: &str, value: Value) -> usize {
        let list = self.json[key].as_array_mut().expect("a list");
        list.push(value);
        list.len() - 1
    }

    /// A 4-byte aligned buffer view of `bytes`.
    pub fn view(&mut self, bytes: &[u8]) -> usize {
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        self.bin.resize(self.bin.len().next_multiple_of(4), 0);
        self.push(
            "bufferViews",
            json!({ "buffer": 0, "byteOffset": offset, "byteLength": bytes.len() }),
        )
    }

    fn float_accessor<const N: usize>(
        &mut self,
        data: &[[f32; N]],
        kind: &str,
        bounds: bool,
    ) -> usize {
        let bytes: Vec<u8> = data
            .iter()
            .flatten()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let view = self.view(&bytes);
        let mut accessor =
            json!({ "bufferView": view, "componentType": 5126, "count": data.len(), "type": kind });
        if bounds {
            let min: Vec<f32> = (0..N)
                .map(|a| data.iter().map(|p| p[a]).fold(f32::MAX, f32::min))
                .collect();
            let max: Vec<f32> = (0..N)
                .map(|a| data.iter().map(|p| p[a]).fold(f32::MIN, f32::max))
                .collect();
            accessor["min"] = json!(min);
            accessor["max"] = json!(max);
        }
        self.push("accessors", accessor)
    }

    /// Adds `mesh` as a new mesh with one primitive using `material`;
    /// returns the mesh index.
    pub fn mesh(&mut self, mesh: &Mesh, material: Option<usize>) -> usize {
        let mut attributes =
            json!({ "POSITION": self.float_accessor(&mesh.positions, "VEC3", true) });
        if let Some(normals) = &mesh.normals {
            attributes["NORMAL"] = json!(self.float_accessor(normals, "VEC3", false));
        }
        if let Some(uvs) = &mesh.uvs {
            attributes["TEXCOORD_0"] = json!(self.float_accessor(uvs, "VEC2", false));
        }
        if let Some(colors) = &mesh.colors {
            attributes["COLOR_0"] = json!(self.float_accessor(colors, "VEC4", false));
        }
        let index_bytes: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        let view = self.view(&index_bytes);
        let indices = self.push(
            "accessors",
            json!({ "bufferView": view, "componentType": 5125, "count": mesh.indices.len(), "type": "SCALAR" }),
        );
        let mut primitive = json!({ "attributes": attributes, "indices": indices });
        if let Some(material) = material {
            primitive["material"] = json!(material);
        }
        self.push("meshes", json!({ "primitives": [primitive] }))
    }

    /// A node showing `mesh`, at the scene's root, with `extra` merged in
    /// (e.g. a `matrix` or `scale`).
    pub fn node(&mut self, mesh: usize, extra: Value) -> usize {
        let mut node = json!({ "mesh": mesh });
        if let (Some(node), Some(extra)) = (node.as_object_mut(), extra.as_object()) {
            node.extend(extra.clone());
        }
        let index = self.push("nodes", node);
        self.json["scenes"][0]["nodes"]
            .as_array_mut()
            .expect("scene nodes")
            .push(json!(index));
        index
    }

    /// An embedded image and a texture using it; the texture index.
    pub fn texture(&mut self, image: &RgbaImage, encoding: Encoding) -> usize {
        let bytes = encode(image, encoding);
        let view = self.view(&bytes);
        let mime = match encoding {
            Encoding::Png => "image/png",
            Encoding::Webp => "image/webp",
        };
        let source = self.push("images", json!({ "bufferView": view, "mimeType": mime }));
        let texture = match encoding {
            Encoding::Png => json!({ "source": source }),
            Encoding::Webp => {
                for key in ["extensionsUsed", "extensionsRequired"] {
                    self.json[key] = json!(["EXT_texture_webp"]);
                }
                json!({ "extensions": { "EXT_texture_webp": { "source": source } } })
            }
        };
        self.push("textures", texture)
    }

    pub fn material(&mut self, material: Value) -> usize {
        self.push("materials", material)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut document = self.json.clone();
        if document.get("buffers").is_none() {
            document["buffers"] = json!([{ "byteLength": self.bin.len() }]);
        }
        // The `gltf` crate frames the chunks and pads them.
        gltf::binary::Glb {
            header: gltf::binary::Header {
                magic: *b"glTF",
                version: 2,
                length: 0,
            },
            json: serde_json::to_vec(&document).expect("JSON").into(),
            bin: Some(self.bin.as_slice().into()),
        }
        .to_vec()
        .expect("framing a GLB in memory")
    }
}

pub fn encode(image: &RgbaImage, encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::new();
    let (w, h) = image.dimensions();
    let color = image::ExtendedColorType::Rgba8;
    match encoding {
        Encoding::Png => {
            image::codecs::png::PngEncoder::new(&mut out).write_image(image, w, h, color)
        }
        Encoding::Webp => {
            image::codecs::webp::WebPEncoder::new_lossless(&mut out).write_image(image, w, h, color)
        }
    }
    .expect("encoding a test texture");
    out
}

/// Red in the top half of the image, blue in the bottom, with an alpha ramp
/// along x: shows which way up a texture is read.
pub fn top_red_bottom_blue(side: u32) -> RgbaImage {
    RgbaImage::from_fn(side, side, |x, y| {
        let alpha = 128 + (x * 127 / side) as u8;
        if y < side / 2 {
            image::Rgba([220, 30, 30, alpha])
        } else {
            image::Rgba([30, 30, 220, alpha])
        }
    })
}

/// Roughness (G) ramps down the image, metallic (B) in stripes.
pub fn metallic_roughness(side: u32) -> RgbaImage {
    RgbaImage::from_fn(side, side, |x, y| {
        let metallic = if (x / 8) % 2 == 0 { 255 } else { 0 };
        image::Rgba([255, (y * 255 / side) as u8, metallic, 255])
    })
}

/// A gently bumpy tangent-space normal map.
pub fn normal_map(side: u32) -> RgbaImage {
    RgbaImage::from_fn(side, side, |x, _| {
        let tilt = ((x as f32 / side as f32 * 12.0).sin() * 40.0) as i32;
        image::Rgba([(128 + tilt) as u8, 128, 250, 255])
    })
}

/// A sphere with every material channel glTF has and USDZ carries: base
/// colour with blended alpha and a factor, metallic-roughness, and a normal
/// map, all encoded as `encoding`.
pub fn full_material_sphere(encoding: Encoding) -> Vec<u8> {
    let mut glb = Builder::default();
    let base = glb.texture(&top_red_bottom_blue(64), encoding);
    let mr = glb.texture(&metallic_roughness(64), encoding);
    let normal = glb.texture(&normal_map(64), encoding);
    let material = glb.material(json!({
        "pbrMetallicRoughness": {
            "baseColorTexture": { "index": base },
            "baseColorFactor": [1.0, 0.9, 0.8, 1.0],
            "metallicRoughnessTexture": { "index": mr },
            "roughnessFactor": 0.8,
        },
        "normalTexture": { "index": normal },
        "alphaMode": "BLEND",
        "doubleSided": true,
    }));
    let mesh = glb.mesh(&Mesh::sphere(24, 12), Some(material));
    glb.node(mesh, json!({}));
    glb.to_bytes()
}
