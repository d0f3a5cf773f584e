//! Reading the raw GLB an extraction produced: its triangle meshes as
//! float arrays and its embedded images, refusing what the optimizer
//! would otherwise drop or damage.

use serde_json::Value;
use trellis_glb::{Chunks, GlbError, array, uint};

use crate::WebOptError;

/// Vertex attributes the optimizer quantizes; any other would be lost.
const ATTRIBUTES: [&str; 4] = ["POSITION", "NORMAL", "TEXCOORD_0", "COLOR_0"];
/// Required extensions whose meaning survives re-encoding.
const KNOWN_REQUIRED: [&str; 1] = ["EXT_texture_webp"];
/// glTF primitive mode for triangle lists, the default.
const TRIANGLES: u64 = 4;

/// One triangle-list primitive, as floats.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Primitive {
    pub positions: Vec<[f32; 3]>,
    pub normals: Option<Vec<[f32; 3]>>,
    pub uvs: Option<Vec<[f32; 2]>>,
    /// RGB or RGBA in 0..=1, padded to four (alpha 1 for RGB).
    pub colors: Option<Vec<[f32; 4]>>,
    /// Whether COLOR_0 had an alpha component.
    pub color_alpha: bool,
    pub indices: Vec<u32>,
    /// The primitive's JSON, for its material and anything else to keep.
    pub json: Value,
}

impl Primitive {
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }
}

/// How an image is sampled, which decides its encoding quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Base colour or emissive: sRGB colour a person looks at.
    Color,
    /// Metallic-roughness, normal or occlusion: linear data.
    Data,
}

/// The parts of the source model the optimizer rewrites.
pub struct Source<'a> {
    pub doc: Value,
    /// Each mesh's primitives.
    pub meshes: Vec<Vec<Primitive>>,
    /// Each image's encoded bytes and use.
    pub images: Vec<(&'a [u8], Usage)>,
}

/// Reads `chunks` into a [`Source`].
pub fn read(chunks: Chunks<'_>) -> Result<Source<'_>, WebOptError> {
    let doc = trellis_glb::parse(chunks.json)?;
    for key in ["animations", "skins"] {
        if !array(&doc, key).is_empty() {
            return Err(WebOptError::Unsupported(key.into()));
        }
    }
    if let Some(unknown) = array(&doc, "extensionsRequired")
        .iter()
        .filter_map(Value::as_str)
        .find(|name| !KNOWN_REQUIRED.contains(name))
    {
        return Err(WebOptError::Unsupported(format!(
            "the required extension {unknown}"
        )));
    }
    let buffers = trellis_glb::buffers(&doc, chunks.bin)?;
    let meshes = array(&doc, "meshes")
        .iter()
        .map(|mesh| {
            array(mesh, "primitives")
                .iter()
                .map(|primitive| read_primitive(&doc, &buffers, primitive))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut images = Vec::new();
    for (index, image) in array(&doc, "images").iter().enumerate() {
        let view = uint(image, "bufferView").ok_or_else(|| {
            WebOptError::Unsupported("an image stored outside the GLB file".into())
        })?;
        let bytes = trellis_glb::buffer_view(&doc, &buffers, view)?.bytes;
        images.push((bytes, usage(&doc, index)));
    }
    Ok(Source {
        meshes,
        images,
        doc,
    })
}

fn read_primitive(
    doc: &Value,
    buffers: &[Option<&[u8]>],
    primitive: &Value,
) -> Result<Primitive, WebOptError> {
    if uint(primitive, "mode").unwrap_or(TRIANGLES) != TRIANGLES {
        return Err(WebOptError::Unsupported("points or lines".into()));
    }
    if primitive.get("targets").is_some() {
        return Err(WebOptError::Unsupported("morph targets".into()));
    }
    let attributes = primitive
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| GlbError::Malformed("a primitive has no attributes".into()))?;
    if let Some(other) = attributes
        .keys()
        .find(|name| !ATTRIBUTES.contains(&name.as_str()))
    {
        return Err(WebOptError::Unsupported(format!("the {other} attribute")));
    }
    let accessor = |name: &str| -> Result<Option<trellis_glb::Accessor<'_>>, GlbError> {
        attributes
            .get(name)
            .map(|index| {
                let index = index
                    .as_u64()
                    .ok_or_else(|| GlbError::Malformed(format!("{name} is not an accessor")))?;
                trellis_glb::accessor(doc, buffers, index)
            })
            .transpose()
    };
    let positions = accessor("POSITION")?
        .ok_or_else(|| GlbError::Malformed("a mesh has no positions".into()))?
        .read_f32::<3>()?;
    if positions.iter().flatten().any(|c| !c.is_finite()) {
        return Err(GlbError::Malformed("a position is not a finite number".into()).into());
    }
    let count = positions.len();
    let same_count = |name: &str, len: usize| {
        if len == count {
            Ok(())
        } else {
            Err(GlbError::Malformed(format!(
                "its {name} data does not match its {count} vertices"
            )))
        }
    };
    let normals = accessor("NORMAL")?.map(|a| a.read_f32::<3>()).transpose()?;
    let uvs = accessor("TEXCOORD_0")?
        .map(|a| a.read_f32::<2>())
        .transpose()?;
    let (colors, color_alpha) = match accessor("COLOR_0")? {
        None => (None, false),
        Some(a) if a.kind == trellis_glb::AccessorType::Vec4 => (Some(a.read_f32::<4>()?), true),
        Some(a) => {
            let rgb = a.read_f32::<3>()?;
            (
                Some(rgb.into_iter().map(|[r, g, b]| [r, g, b, 1.0]).collect()),
                false,
            )
        }
    };
    for (name, len) in [
        ("NORMAL", normals.as_ref().map(Vec::len)),
        ("TEXCOORD_0", uvs.as_ref().map(Vec::len)),
        ("COLOR_0", colors.as_ref().map(Vec::len)),
    ] {
        if let Some(len) = len {
            same_count(name, len)?;
        }
    }
    let indices = match uint(primitive, "indices") {
        Some(index) => trellis_glb::accessor(doc, buffers, index)?.read_u32()?,
        None => (0..count as u32).collect(),
    };
    if !indices.len().is_multiple_of(3) {
        return Err(GlbError::Malformed(format!(
            "{} indices do not make whole triangles",
            indices.len()
        ))
        .into());
    }
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= count) {
        return Err(GlbError::Malformed(format!(
            "a triangle uses vertex {bad}, but the mesh has only {count}"
        ))
        .into());
    }
    Ok(Primitive {
        positions,
        normals,
        uvs,
        colors,
        color_alpha,
        indices,
        json: primitive.clone(),
    })
}

/// How image `index` is used: colour if any material samples it as base
/// colour or emissive.
fn usage(doc: &Value, index: usize) -> Usage {
    let source_of = |texture: &Value| {
        uint(texture, "source").or_else(|| {
            texture
                .pointer("/extensions/EXT_texture_webp/source")?
                .as_u64()
        })
    };
    let textures = array(doc, "textures");
    let is_color = array(doc, "materials").iter().any(|material| {
        [
            "/pbrMetallicRoughness/baseColorTexture/index",
            "/emissiveTexture/index",
        ]
        .iter()
        .filter_map(|pointer| material.pointer(pointer)?.as_u64())
        .filter_map(|texture| textures.get(texture as usize))
        .any(|texture| source_of(texture) == Some(index as u64))
    });
    if is_color { Usage::Color } else { Usage::Data }
}
