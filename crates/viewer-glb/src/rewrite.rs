//! Rewrites of a GLB's JSON that leave its binary chunk as it is.

use serde_json::Value;

use crate::AlphaMode;
use crate::error::GlbError;

/// The glTF extension that lets textures name WebP images.
pub(crate) const WEBP_EXTENSION: &str = "EXT_texture_webp";

/// A copy of the GLB in `bytes` where every material uses `mode`; only the
/// JSON chunk changes.
pub fn with_alpha_mode(bytes: &[u8], mode: AlphaMode) -> Result<Vec<u8>, GlbError> {
    let chunks = trellis_glb::split(bytes)?;
    let mut doc = trellis_glb::parse(chunks.json)?;
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
    Ok(trellis_glb::join(&trellis_glb::to_json(&doc), chunks.bin)?)
}

/// Moves each `EXT_texture_webp` source into the texture's plain `source`
/// and drops the extension from `extensionsRequired`, as the official
/// TRELLIS.2 exporter's files need (gltf 1.4 refuses the extension, while
/// the browser's image decoder handles WebP). Returns whether anything
/// changed.
pub(crate) fn unwrap_webp_textures(doc: &mut Value) -> bool {
    let mut changed = false;
    let textures = doc.get_mut("textures").and_then(Value::as_array_mut);
    for texture in textures.into_iter().flatten() {
        let source = texture
            .pointer(&format!("/extensions/{WEBP_EXTENSION}/source"))
            .cloned();
        if let (Some(source), Some(texture)) = (source, texture.as_object_mut()) {
            texture.insert("source".into(), source);
            if let Some(extensions) = texture.get_mut("extensions").and_then(Value::as_object_mut) {
                extensions.remove(WEBP_EXTENSION);
            }
            changed = true;
        }
    }
    for key in ["extensionsRequired", "extensionsUsed"] {
        if let Some(list) = doc.get_mut(key).and_then(Value::as_array_mut) {
            let before = list.len();
            list.retain(|name| name != WEBP_EXTENSION);
            changed |= list.len() != before;
        }
    }
    changed
}
