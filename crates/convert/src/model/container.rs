//! The GLB container and the glTF document inside it, parsed and validated
//! by the `gltf` crate after three fixes of our own:
//! - the 12-byte header is checked here first, so a truncated or foreign
//!   file gets a message that says so (and `gltf` 1.4 would underflow on a
//!   header length below 12);
//! - `EXT_texture_webp` is resolved into the texture's plain `source`, as
//!   `gltf` 1.4 has no support for it and refuses files that require it —
//!   which is every GLB the official TRELLIS.2 exporter writes;
//! - mesh attribute indices are range-checked before validation, whose
//!   POSITION hook indexes the accessor list unchecked.

use gltf::json;

use crate::error::{ConvertError, within};
use crate::limits::MAX_INPUT_BYTES;

/// "glTF": the first four bytes of every GLB.
const MAGIC: &[u8; 4] = b"glTF";
const CHUNK_JSON: &[u8; 4] = b"JSON";
const CHUNK_BIN: &[u8; 4] = b"BIN\0";
/// Magic, version and total length.
const HEADER_LEN: usize = 12;
/// Chunk length and chunk type.
const CHUNK_HEADER_LEN: usize = 8;
/// The extension the official TRELLIS.2 exporter uses for its textures.
const EXT_TEXTURE_WEBP: &str = "EXT_texture_webp";

/// A validated glTF document and the GLB's binary chunk.
pub(crate) struct Container<'a> {
    pub document: gltf::Document,
    pub bin: Option<&'a [u8]>,
}

/// Splits `bytes` into the JSON and BIN chunks and validates the document.
pub(crate) fn parse(bytes: &[u8]) -> Result<Container<'_>, ConvertError> {
    within("the GLB size in bytes", bytes.len() as u64, MAX_INPUT_BYTES)?;
    let (json, bin) = split(bytes)?;
    let mut root = json::Root::from_slice(json)
        .map_err(|e| ConvertError::InvalidGltf(format!("the JSON chunk does not parse: {e}")))?;
    resolve_webp_textures(&mut root);
    check_attribute_indices(&root)?;
    let document = gltf::Document::from_json(root).map_err(|e| match e {
        gltf::Error::Validation(errors) => validation_error(&errors),
        other => ConvertError::InvalidGltf(other.to_string()),
    })?;
    Ok(Container { document, bin })
}

fn split(bytes: &[u8]) -> Result<(&[u8], Option<&[u8]>), ConvertError> {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
    };
    if bytes.get(..4) != Some(MAGIC) {
        return Err(ConvertError::NotGlb(
            "it does not start with the GLB signature \"glTF\"".into(),
        ));
    }
    let (Some(version), Some(length)) = (word(4), word(8)) else {
        return Err(ConvertError::NotGlb(
            "the 12-byte header is cut short".into(),
        ));
    };
    if version != 2 {
        return Err(ConvertError::Unsupported(format!(
            "GLB version {version}; only glTF 2.0 is read"
        )));
    }
    if length > bytes.len() {
        return Err(ConvertError::NotGlb(format!(
            "the header declares {length} bytes but the file has {}: it is truncated",
            bytes.len()
        )));
    }
    let chunk = |at: usize, kind: &[u8; 4]| -> Result<Option<(&[u8], usize)>, ConvertError> {
        if at >= length {
            return Ok(None);
        }
        let (Some(len), Some(found)) = (word(at), bytes.get(at + 4..at + 8)) else {
            return Err(ConvertError::NotGlb("a chunk header is cut short".into()));
        };
        if found != kind {
            let name = String::from_utf8_lossy(kind);
            return Err(ConvertError::NotGlb(format!(
                "expected the {} chunk at byte {at}",
                name.trim_end_matches('\0')
            )));
        }
        let start = at + CHUNK_HEADER_LEN;
        let data = start
            .checked_add(len)
            .filter(|&end| end <= length)
            .map(|end| &bytes[start..end])
            .ok_or_else(|| {
                ConvertError::NotGlb(format!(
                    "a chunk of {len} bytes at byte {at} runs past the end of the file"
                ))
            })?;
        Ok(Some((data, start + len)))
    };
    let Some((json, json_end)) = chunk(HEADER_LEN, CHUNK_JSON)? else {
        return Err(ConvertError::NotGlb("it has no JSON chunk".into()));
    };
    let bin = chunk(json_end.next_multiple_of(4), CHUNK_BIN)?.map(|(data, _)| data);
    Ok((json, bin))
}

/// Points every texture whose image sits behind `EXT_texture_webp` at that
/// image, and drops the extension from `extensionsRequired`: the images
/// themselves are decoded like any other.
fn resolve_webp_textures(root: &mut json::Root) {
    for texture in &mut root.textures {
        let webp_source = texture
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.others.get(EXT_TEXTURE_WEBP))
            .and_then(|webp| webp.get("source"))
            .and_then(|source| source.as_u64())
            .and_then(|source| u32::try_from(source).ok());
        if let Some(source) = webp_source {
            texture.source = json::Index::new(source);
        }
    }
    root.extensions_required.retain(|e| e != EXT_TEXTURE_WEBP);
}

fn check_attribute_indices(root: &json::Root) -> Result<(), ConvertError> {
    let accessors = root.accessors.len();
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, primitive) in mesh.primitives.iter().enumerate() {
            let indices = primitive.attributes.values().chain(&primitive.indices);
            if let Some(bad) = indices.map(|i| i.value()).find(|&i| i >= accessors) {
                return Err(ConvertError::InvalidGltf(format!(
                    "meshes[{m}].primitives[{p}] uses accessor {bad}, but there are {accessors}"
                )));
            }
        }
    }
    Ok(())
}

/// The first few validation errors, in `gltf`'s JSON-path notation.
fn validation_error(errors: &[(json::Path, json::validation::Error)]) -> ConvertError {
    let required = errors
        .iter()
        .find(|(path, error)| {
            path.as_str().starts_with("extensionsRequired")
                && *error == json::validation::Error::Unsupported
        })
        .map(|(path, _)| path.as_str());
    if let Some(extension) = required {
        return ConvertError::Unsupported(format!(
            "it requires an extension we cannot read: {extension}"
        ));
    }
    let listed: Vec<String> = errors
        .iter()
        .take(3)
        .map(|(path, error)| format!("{}: {error}", path.as_str()))
        .collect();
    let more = errors.len().saturating_sub(listed.len());
    let tail = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    ConvertError::InvalidGltf(format!("{}{tail}", listed.join("; ")))
}
