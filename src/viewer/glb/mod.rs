//! Everything the viewer does to GLB bytes before three-d-asset parses them:
//! structural validation (a malformed file must become an error message, not
//! a wasm abort), the `EXT_texture_webp` rewrite, and the downloads: the
//! alpha-mode rewrite (JSON only) and the copy with PNG textures.

mod accessor;
mod browser_images;
mod container;
mod geometry;
mod image_size;
mod png_textures;
mod validate;

use serde_json::Value;

pub use browser_images::{BrowserImages, EncodedImage, MaterialImages};
pub use png_textures::{webp_images, with_png_images};
pub use validate::MAX_TEXTURE_SIDE;

/// Why a GLB file cannot be shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GlbError {
    /// The bytes do not start with the GLB magic.
    #[error("this is not a GLB file (it does not start with \"glTF\")")]
    NotGlb,
    /// A container version other than 2.
    #[error("GLB version {0} is not supported; only glTF 2.0 is")]
    Version(u32),
    /// The file is shorter than its header or a chunk claims.
    #[error("the file is cut off: it needs {expected} bytes but has {actual}")]
    Truncated { expected: usize, actual: usize },
    /// The JSON or a reference in it is inconsistent.
    #[error("the file is damaged: {0}")]
    Malformed(String),
    /// A valid glTF feature this viewer does not handle.
    #[error("the file uses {0}, which this viewer does not support")]
    Unsupported(String),
    /// An embedded image larger than [`MAX_TEXTURE_SIDE`].
    #[error(
        "a texture is {width}×{height} pixels; the viewer shows at most \
         {MAX_TEXTURE_SIDE}×{MAX_TEXTURE_SIDE}"
    )]
    TextureTooLarge { width: u32, height: u32 },
}

/// What the viewer's own reader could not read yet.
pub enum Geometry {
    /// Read directly from the binary chunk.
    Read(three_d::CpuModel),
    /// For three-d-asset: a copy of the file whose JSON no longer names the
    /// browser-decoded textures nor requires `EXT_texture_webp`.
    Glb(Vec<u8>),
}

/// A validated GLB: its JSON (browser-decoded textures taken out), and
/// what it says about alpha.
pub struct Prepared {
    doc: Value,
    /// Whether the JSON differs from the file's.
    rewritten: bool,
    /// The first material's alpha mode (all of a TRELLIS model's parts share
    /// one material).
    pub alpha: AlphaMode,
    /// The textures taken out of the JSON for the browser to decode.
    pub images: BrowserImages,
}

/// Validates `bytes` and takes the textures out for the browser. Reading
/// the geometry ([`geometry`]) is a separate step, so the two can run in
/// separate tasks.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, GlbError> {
    let chunks = container::split(bytes)?;
    let mut doc = parse_json(chunks.json)?;
    let webp = unwrap_webp_textures(&mut doc);
    validate::check(&doc, chunks.bin)?;
    let alpha = validate::array(&doc, "materials")
        .first()
        .map_or(AlphaMode::Opaque, AlphaMode::of_material);
    let images = browser_images::take(&mut doc, chunks.bin);
    Ok(Prepared {
        rewritten: webp || !images.is_empty(),
        doc,
        alpha,
        images,
    })
}

/// The geometry of the file `prepared` came from: read directly, or a GLB
/// three-d-asset 0.10 can load.
pub fn geometry(bytes: &[u8], prepared: &Prepared) -> Result<Geometry, GlbError> {
    let chunks = container::split(bytes)?;
    Ok(match geometry::read(&prepared.doc, chunks.bin) {
        Some(model) => Geometry::Read(model),
        None if prepared.rewritten => {
            Geometry::Glb(container::join(&to_json(&prepared.doc), chunks.bin))
        }
        None => Geometry::Glb(bytes.to_vec()),
    })
}

/// How a material's alpha is used (glTF `material.alphaMode`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlphaMode {
    /// Alpha is ignored.
    Opaque,
    /// Fragments below the cutoff are discarded, the rest are opaque.
    Mask { cutoff: f32 },
    /// Alpha blends with what is behind.
    Blend,
}

/// glTF's default `alphaCutoff` (§5.19.2).
pub const DEFAULT_ALPHA_CUTOFF: f32 = 0.5;

impl AlphaMode {
    /// The mode a glTF material declares (OPAQUE when absent).
    fn of_material(material: &Value) -> Self {
        match material.get("alphaMode").and_then(Value::as_str) {
            Some("MASK") => AlphaMode::Mask {
                cutoff: material
                    .get("alphaCutoff")
                    .and_then(Value::as_f64)
                    .map_or(DEFAULT_ALPHA_CUTOFF, |c| c as f32),
            },
            Some("BLEND") => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        }
    }
}

/// A copy of the GLB in `bytes` where every material uses `mode`; only the
/// JSON chunk changes.
pub fn with_alpha_mode(bytes: &[u8], mode: AlphaMode) -> Result<Vec<u8>, GlbError> {
    let chunks = container::split(bytes)?;
    let mut doc = parse_json(chunks.json)?;
    let materials = doc.get_mut("materials").and_then(Value::as_array_mut);
    for material in materials.into_iter().flatten() {
        let Some(material) = material.as_object_mut() else {
            continue;
        };
        let (name, cutoff) = match mode {
            AlphaMode::Opaque => ("OPAQUE", None),
            AlphaMode::Mask { cutoff } => ("MASK", Some(cutoff)),
            AlphaMode::Blend => ("BLEND", None),
        };
        material.insert("alphaMode".into(), name.into());
        match cutoff {
            Some(cutoff) => material.insert("alphaCutoff".into(), f64::from(cutoff).into()),
            None => material.remove("alphaCutoff"),
        };
    }
    Ok(container::join(&to_json(&doc), chunks.bin))
}

/// Moves each `EXT_texture_webp` source into the texture's plain `source`
/// and drops the extension from `extensionsRequired`, as the official
/// TRELLIS.2 exporter's files need (gltf 1.4 refuses the extension, while
/// the image decoder handles WebP). Returns whether anything changed.
fn unwrap_webp_textures(doc: &mut Value) -> bool {
    const WEBP: &str = "EXT_texture_webp";
    let mut changed = false;
    let textures = doc.get_mut("textures").and_then(Value::as_array_mut);
    for texture in textures.into_iter().flatten() {
        let source = texture
            .pointer(&format!("/extensions/{WEBP}/source"))
            .cloned();
        if let (Some(source), Some(texture)) = (source, texture.as_object_mut()) {
            texture.insert("source".into(), source);
            if let Some(extensions) = texture.get_mut("extensions").and_then(Value::as_object_mut) {
                extensions.remove(WEBP);
            }
            changed = true;
        }
    }
    for key in ["extensionsRequired", "extensionsUsed"] {
        if let Some(list) = doc.get_mut(key).and_then(Value::as_array_mut) {
            let before = list.len();
            list.retain(|name| name != WEBP);
            changed |= list.len() != before;
        }
    }
    changed
}

fn parse_json(json: &[u8]) -> Result<Value, GlbError> {
    let doc: Value = serde_json::from_slice(json)
        .map_err(|e| GlbError::Malformed(format!("its JSON does not parse ({e})")))?;
    if doc.is_object() {
        Ok(doc)
    } else {
        Err(GlbError::Malformed("its JSON is not an object".into()))
    }
}

fn to_json(doc: &Value) -> Vec<u8> {
    // Serialising a `Value` only fails for non-string map keys, which a
    // `Value` parsed from JSON cannot have.
    serde_json::to_vec(doc).unwrap_or_default()
}
