//! Assembling one optimized GLB: the source document with its meshes,
//! images, textures and nodes rewritten around new buffers.

use serde_json::{Value, json};
use trellis_glb::meshopt::{EXTENSION as MESHOPT, Filter};
use trellis_glb::{ComponentType, GlbWriter, array, uint};

use crate::WebOptError;
use crate::compress::Compressor;
use crate::geometry::{QuantizationBox, octahedral_normals, unorm8_colors, unorm16_uvs};
use crate::input::Primitive;

const QUANTIZATION: &str = "KHR_mesh_quantization";
const WEBP: &str = "EXT_texture_webp";
/// Node keys that place a node; a mesh under any of them gets its
/// dequantization transform on a child node instead.
const TRANSFORM_KEYS: [&str; 4] = ["matrix", "translation", "rotation", "scale"];

/// One level of the optimized model: `meshes` (reordered or simplified,
/// in the source's mesh order), `boxes` (one per mesh), `images` (WebP).
pub struct Level<'a> {
    pub source: &'a Value,
    pub meshes: &'a [Vec<Primitive>],
    pub boxes: &'a [QuantizationBox],
    pub images: &'a [Vec<u8>],
    /// Appended to `asset.generator`.
    pub generator: &'a str,
}

impl Level<'_> {
    pub fn write(&self) -> Result<Vec<u8>, WebOptError> {
        let mut doc = self.source.clone();
        let mut writer = GlbWriter::new();
        let mut compressor = Compressor::new(&mut writer);
        let mut meshes = Vec::new();
        for ((mesh, primitives), quantization) in array(self.source, "meshes")
            .iter()
            .zip(self.meshes)
            .zip(self.boxes)
        {
            let mut mesh = mesh.clone();
            mesh["primitives"] = primitives
                .iter()
                .map(|p| write_primitive(&mut compressor, p, quantization))
                .collect();
            meshes.push(mesh);
        }
        compressor.finish();
        doc["meshes"] = Value::Array(meshes);

        let mut images = Vec::new();
        for (image, webp) in array(self.source, "images").iter().zip(self.images) {
            let mut image = image.clone();
            image["bufferView"] = json!(writer.push_view(webp, None));
            image["mimeType"] = json!("image/webp");
            images.push(image);
        }
        if !images.is_empty() {
            doc["images"] = Value::Array(images);
            doc["textures"] = array(self.source, "textures")
                .iter()
                .map(webp_texture)
                .collect();
        }
        doc["nodes"] = self.nodes();
        let mut extensions = vec![MESHOPT, QUANTIZATION];
        if !self.images.is_empty() {
            extensions.push(WEBP);
        }
        for key in ["extensionsUsed", "extensionsRequired"] {
            let mut names: Vec<Value> = array(self.source, key).to_vec();
            for name in &extensions {
                if !names.iter().any(|n| n == name) {
                    names.push(json!(name));
                }
            }
            doc[key] = Value::Array(names);
        }
        let generator = self
            .source
            .pointer("/asset/generator")
            .and_then(Value::as_str);
        doc["asset"]["generator"] = json!(match generator {
            Some(original) => format!("{original}; {}", self.generator),
            None => self.generator.to_string(),
        });
        Ok(writer.finish(doc)?)
    }

    /// The source's nodes with each mesh placed by its dequantization
    /// transform: on the node itself when it has no transform of its own,
    /// otherwise on a new child, so the node's placement is unchanged.
    fn nodes(&self) -> Value {
        let mut nodes = array(self.source, "nodes").to_vec();
        let mut children = Vec::new();
        for (index, node) in nodes.iter_mut().enumerate() {
            let Some(mesh) = uint(node, "mesh") else {
                continue;
            };
            let Some(quantization) = self.boxes.get(mesh as usize) else {
                continue;
            };
            let step = quantization.step();
            let placement = json!({
                "translation": quantization.offset,
                "scale": [step, step, step],
            });
            if TRANSFORM_KEYS.iter().any(|key| node.get(key).is_some()) {
                let child = json!({ "mesh": mesh, "translation": placement["translation"], "scale": placement["scale"] });
                if let Some(node) = node.as_object_mut() {
                    node.remove("mesh");
                }
                children.push((index, child));
            } else {
                node["translation"] = placement["translation"].clone();
                node["scale"] = placement["scale"].clone();
            }
        }
        for (parent, child) in children {
            let child_index = nodes.len();
            nodes.push(child);
            match nodes[parent]
                .get_mut("children")
                .and_then(Value::as_array_mut)
            {
                Some(list) => list.push(json!(child_index)),
                None => nodes[parent]["children"] = json!([child_index]),
            }
        }
        Value::Array(nodes)
    }
}

/// A texture that samples its image through `EXT_texture_webp` only.
fn webp_texture(texture: &Value) -> Value {
    let source = uint(texture, "source").or_else(|| {
        texture
            .pointer(&format!("/extensions/{WEBP}/source"))?
            .as_u64()
    });
    let mut texture = texture.clone();
    if let Some(object) = texture.as_object_mut() {
        object.remove("source");
    }
    if let Some(source) = source {
        texture["extensions"][WEBP] = json!({ "source": source });
    }
    texture
}

/// Quantizes and compresses one primitive; its new JSON.
fn write_primitive(
    compressor: &mut Compressor<'_>,
    primitive: &Primitive,
    quantization: &QuantizationBox,
) -> Value {
    let count = primitive.vertex_count();
    let positions: Vec<[u16; 4]> = primitive
        .positions
        .iter()
        .map(|&p| quantization.quantize(p))
        .collect();
    let (mut min, mut max) = ([u16::MAX; 3], [0u16; 3]);
    for p in &positions {
        for axis in 0..3 {
            min[axis] = min[axis].min(p[axis]);
            max[axis] = max[axis].max(p[axis]);
        }
    }
    let view = compressor.attribute(&positions, Filter::None);
    let mut position = accessor(view, ComponentType::U16, "VEC3", false, count);
    position["min"] = json!(min);
    position["max"] = json!(max);
    let mut attributes = json!({ "POSITION": compressor.writer.add_accessor(position) });
    if let Some(normals) = &primitive.normals {
        let view = compressor.attribute(&octahedral_normals(normals), Filter::Octahedral);
        let normal = accessor(view, ComponentType::I8, "VEC3", true, count);
        attributes["NORMAL"] = json!(compressor.writer.add_accessor(normal));
    }
    if let Some(uvs) = &primitive.uvs {
        let uv = match unorm16_uvs(uvs) {
            Some(quantized) => {
                let view = compressor.attribute(&quantized, Filter::None);
                accessor(view, ComponentType::U16, "VEC2", true, count)
            }
            None => {
                let view = compressor.attribute(uvs, Filter::None);
                accessor(view, ComponentType::F32, "VEC2", false, count)
            }
        };
        attributes["TEXCOORD_0"] = json!(compressor.writer.add_accessor(uv));
    }
    if let Some(colors) = &primitive.colors {
        let kind = if primitive.color_alpha {
            "VEC4"
        } else {
            "VEC3"
        };
        let view = compressor.attribute(&unorm8_colors(colors), Filter::None);
        let color = accessor(view, ComponentType::U8, kind, true, count);
        attributes["COLOR_0"] = json!(compressor.writer.add_accessor(color));
    }
    let (view, component) = compressor.triangles(&primitive.indices, count);
    let indices = accessor(view, component, "SCALAR", false, primitive.indices.len());
    let indices = compressor.writer.add_accessor(indices);
    let mut json = primitive.json.clone();
    json["attributes"] = attributes;
    json["indices"] = json!(indices);
    json
}

/// An accessor reading `count` elements of `kind` of `component` from
/// buffer view `view`.
fn accessor(
    view: usize,
    component: ComponentType,
    kind: &str,
    normalized: bool,
    count: usize,
) -> Value {
    let mut accessor = json!({
        "bufferView": view, "componentType": component.code(), "count": count, "type": kind,
    });
    if normalized {
        accessor["normalized"] = json!(true);
    }
    accessor
}
