//! Small hand-built GLBs whose pictures are known in advance: a flat quad
//! coloured by a texture, a factor or vertex colours, and a box hiding a
//! differently coloured core (seen only if the camera gets inside).

use crate::glb::{Mesh, TestGlb};
use image::{ImageEncoder, RgbaImage};
use serde_json::{Value, json};

/// One mesh primitive and the material it is drawn with.
pub struct Part {
    pub mesh: Mesh,
    /// `COLOR_0`: linear RGB per vertex, as float VEC3 (what the crossworld
    /// FastAPI backend's meshes carry).
    pub vertex_colors: Option<Vec<[f32; 3]>>,
    pub material: Material,
}

/// A glTF metallic-roughness material.
pub struct Material {
    /// Linear RGBA, as glTF's `baseColorFactor` is.
    pub base_color_factor: [f32; 4],
    pub metallic: f32,
    pub roughness: f32,
    /// An encoded PNG for `baseColorTexture` (sRGB, as glTF's is).
    pub base_color_png: Option<Vec<u8>>,
}

impl Material {
    /// A white, fully rough dielectric: what a colour is tested under.
    pub fn matte() -> Self {
        Self {
            base_color_factor: [1.0; 4],
            metallic: 0.0,
            roughness: 1.0,
            base_color_png: None,
        }
    }
}

/// The sRGB transfer function's inverse: an 8-bit sRGB level (0–255, not
/// necessarily whole) as a linear intensity in `0..=1`.
pub fn srgb_to_linear(level: f64) -> f64 {
    let encoded = level / 255.0;
    if encoded <= 0.04045 {
        encoded / 12.92
    } else {
        ((encoded + 0.055) / 1.055).powf(2.4)
    }
}

/// The sRGB transfer function: a linear intensity as an 8-bit sRGB level
/// (0–255, unrounded).
pub fn linear_to_srgb(linear: f64) -> f64 {
    let encoded = if linear <= 0.003_130_8 {
        linear * 12.92
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    };
    encoded.clamp(0.0, 1.0) * 255.0
}

/// A `side`² PNG of one colour.
pub fn uniform_png(rgb: [u8; 3], side: u32) -> Vec<u8> {
    let image = RgbaImage::from_pixel(side, side, image::Rgba([rgb[0], rgb[1], rgb[2], 255]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(image.as_raw(), side, side, image::ExtendedColorType::Rgba8)
        .expect("encode PNG");
    out
}

/// A flat `side`×`side` square in the XY plane, centred on the origin and
/// facing +Z (the viewer's framing looks at it from the front, a little
/// from above and the right), with UVs over the whole texture.
pub fn quad(side: f32) -> Mesh {
    let h = side / 2.0;
    Mesh {
        positions: vec![-h, -h, 0.0, h, -h, 0.0, h, h, 0.0, -h, h, 0.0],
        normals: [0.0, 0.0, 1.0].repeat(4),
        uvs: vec![0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        indices: vec![0, 1, 2, 0, 2, 3],
    }
}

/// A closed axis-aligned cube of side `side` centred on the origin, faces
/// wound counter-clockwise seen from outside, with flat normals.
pub fn cube(side: f32) -> Mesh {
    let h = side / 2.0;
    let mut mesh = Mesh {
        positions: Vec::new(),
        normals: Vec::new(),
        uvs: Vec::new(),
        indices: Vec::new(),
    };
    // Each face: its normal axis and sign; the other two axes span it.
    for axis in 0..3 {
        for sign in [1.0f32, -1.0] {
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
            let base = (mesh.positions.len() / 3) as u32;
            for (a, b) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                let mut p = [0.0f32; 3];
                p[axis] = sign * h;
                p[u] = a * h * sign;
                p[v] = b * h;
                let mut n = [0.0f32; 3];
                n[axis] = sign;
                mesh.positions.extend(p);
                mesh.normals.extend(n);
                mesh.uvs.extend([(a + 1.0) / 2.0, (b + 1.0) / 2.0]);
            }
            mesh.indices
                .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }
    mesh
}

/// The GLB with `parts`, one node per part.
pub fn scene_glb(parts: &[Part]) -> Vec<u8> {
    let mut bin = Vec::new();
    let (mut views, mut accessors) = (Vec::new(), Vec::new());
    let mut add = |bytes: &[u8], accessor: Option<Value>| -> usize {
        views.push(json!({ "buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len() }));
        bin.extend_from_slice(bytes);
        bin.resize(bin.len().next_multiple_of(4), 0);
        let view = views.len() - 1;
        match accessor {
            Some(mut accessor) => {
                accessor["bufferView"] = json!(view);
                accessors.push(accessor);
                accessors.len() - 1
            }
            None => view,
        }
    };
    let floats = |v: &[f32]| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<_>>();
    let (mut meshes, mut materials, mut textures, mut images) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for part in parts {
        let mesh = &part.mesh;
        let count = mesh.positions.len() / 3;
        let (low, high) = mesh.bounds();
        let float_accessor = |kind: &str, extra: Value| {
            let mut accessor = json!({ "componentType": 5126, "count": count, "type": kind });
            if let (Some(a), Some(e)) = (accessor.as_object_mut(), extra.as_object()) {
                a.extend(e.clone());
            }
            accessor
        };
        let mut attributes = json!({
            "POSITION": add(&floats(&mesh.positions), Some(float_accessor("VEC3", json!({ "min": low, "max": high })))),
            "NORMAL": add(&floats(&mesh.normals), Some(float_accessor("VEC3", json!({})))),
            "TEXCOORD_0": add(&floats(&mesh.uvs), Some(float_accessor("VEC2", json!({})))),
        });
        if let Some(colors) = &part.vertex_colors {
            let flat: Vec<f32> = colors.iter().flatten().copied().collect();
            attributes["COLOR_0"] =
                json!(add(&floats(&flat), Some(float_accessor("VEC3", json!({})))));
        }
        let index_bytes: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        let indices = add(
            &index_bytes,
            Some(json!({ "componentType": 5125, "count": mesh.indices.len(), "type": "SCALAR" })),
        );
        let material = &part.material;
        let mut pbr = json!({
            "baseColorFactor": material.base_color_factor,
            "metallicFactor": material.metallic,
            "roughnessFactor": material.roughness,
        });
        if let Some(png) = &material.base_color_png {
            let view = add(png, None);
            images.push(json!({ "bufferView": view, "mimeType": "image/png" }));
            textures.push(json!({ "source": images.len() - 1 }));
            pbr["baseColorTexture"] = json!({ "index": textures.len() - 1 });
        }
        materials.push(json!({ "pbrMetallicRoughness": pbr }));
        meshes.push(json!({ "primitives": [{
            "attributes": attributes, "indices": indices, "material": materials.len() - 1
        }] }));
    }
    let nodes: Vec<Value> = (0..parts.len()).map(|i| json!({ "mesh": i })).collect();
    let mut json = json!({
        "asset": { "version": "2.0", "generator": "trellis-e2e scene" },
        "scene": 0,
        "scenes": [{ "nodes": (0..parts.len()).collect::<Vec<_>>() }],
        "nodes": nodes,
        "meshes": meshes,
        "materials": materials,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{ "byteLength": bin.len() }]
    });
    if !images.is_empty() {
        json["textures"] = json!(textures);
        json["images"] = json!(images);
    }
    TestGlb { json, bin }.to_bytes()
}
