//! The extension's JSON: decoding a compressed buffer view, and turning a
//! whole compressed GLB into a plain one that any loader reads.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::{Filter, Mode, decode};
use crate::container::{ALIGN, join, split};
use crate::document::{array, buffers, parse, to_json, uint};
use crate::error::{GlbError, malformed};

/// The extension's name, in `extensionsUsed` and on buffer views.
pub const EXTENSION: &str = "EXT_meshopt_compression";
/// Largest total a file's compressed views may decode to. The extension
/// expands data up to ~64×, so a small hostile file could otherwise ask
/// for gigabytes; our largest models decode to about 30 MB, and a 32-bit
/// wasm page cannot spare much more than this.
pub const MAX_DECODED_BYTES: usize = 1 << 30;

/// Whether `doc` has any buffer view compressed with the extension.
pub fn is_compressed(doc: &Value) -> bool {
    array(doc, "bufferViews")
        .iter()
        .any(|view| view.pointer(&pointer()).is_some())
}

fn pointer() -> String {
    format!("/extensions/{EXTENSION}")
}

/// The decoded bytes of buffer view `index`, which has the extension, with
/// `buffers` as [`crate::buffers`] returns them.
pub fn decode_view(
    doc: &Value,
    buffers: &[Option<&[u8]>],
    index: usize,
) -> Result<Vec<u8>, GlbError> {
    let view = array(doc, "bufferViews")
        .get(index)
        .ok_or_else(|| malformed(format!("bufferViews[{index}] does not exist")))?;
    let ext = view
        .pointer(&pointer())
        .ok_or_else(|| malformed(format!("buffer view {index} is not compressed")))?;
    let field = |key: &str| {
        uint(ext, key)
            .ok_or_else(|| malformed(format!("compressed buffer view {index} has no valid {key}")))
    };
    let text = |key: &str, default: &'static str| ext.get(key).map_or(Some(default), Value::as_str);
    let mode = text("mode", "").and_then(Mode::from_name);
    let filter = text("filter", "NONE").and_then(Filter::from_name);
    let (Some(mode), Some(filter)) = (mode, filter) else {
        return Err(GlbError::Unsupported(format!(
            "an unknown {EXTENSION} mode or filter in buffer view {index}"
        )));
    };
    let (count, stride) = (field("count")?, field("byteStride")?);
    if uint(view, "byteStride").is_some_and(|s| s != stride)
        || uint(view, "byteLength") != count.checked_mul(stride)
    {
        return Err(malformed(format!(
            "compressed buffer view {index} disagrees with its own layout"
        )));
    }
    let source = usize::try_from(field("buffer")?)
        .ok()
        .and_then(|b| buffers.get(b).copied().flatten())
        .ok_or_else(|| {
            malformed(format!(
                "compressed buffer view {index} does not point into the binary chunk"
            ))
        })?;
    let start = uint(ext, "byteOffset").unwrap_or(0);
    let data = start
        .checked_add(field("byteLength")?)
        .filter(|&end| end <= source.len() as u64)
        .map(|end| &source[start as usize..end as usize])
        .ok_or_else(|| {
            malformed(format!(
                "compressed buffer view {index} lies outside the file"
            ))
        })?;
    let too_long = || malformed(format!("compressed buffer view {index} is too long"));
    let count = usize::try_from(count).map_err(|_| too_long())?;
    let stride = usize::try_from(stride).map_err(|_| too_long())?;
    decode(mode, filter, count, stride, data)
        .map_err(|error| GlbError::Meshopt { view: index, error })
}

/// A GLB whose compressed buffer views are decoded: every view is copied
/// into one new binary chunk (decoded where compressed), the fallback
/// buffers are dropped, and the extension is no longer used or required.
/// A file without compressed views comes back as it is.
pub fn decompress(glb: &[u8]) -> Result<Cow<'_, [u8]>, GlbError> {
    let chunks = split(glb)?;
    let mut doc = parse(chunks.json)?;
    if !is_compressed(&doc) {
        return Ok(Cow::Borrowed(glb));
    }
    let buffers = buffers(&doc, chunks.bin)?;
    let mut bin = Vec::new();
    let mut views = Vec::new();
    for (index, view) in array(&doc, "bufferViews").iter().enumerate() {
        let decoded;
        let bytes = if view.pointer(&pointer()).is_some() {
            decoded = decode_view(&doc, &buffers, index)?;
            if bin.len() + decoded.len() > MAX_DECODED_BYTES {
                return Err(GlbError::Unsupported(format!(
                    "compressed data that decodes to more than {MAX_DECODED_BYTES} bytes"
                )));
            }
            decoded.as_slice()
        } else {
            crate::buffer_view(&doc, &buffers, index as u64)?.bytes
        };
        bin.resize(bin.len().next_multiple_of(ALIGN), 0);
        let mut plain = view.clone();
        plain["buffer"] = json!(0);
        plain["byteOffset"] = json!(bin.len());
        plain["byteLength"] = json!(bytes.len());
        remove_name(&mut plain, "extensions", |extensions| {
            extensions.as_object_mut().map(|e| e.remove(EXTENSION));
        });
        bin.extend_from_slice(bytes);
        views.push(plain);
    }
    bin.resize(bin.len().next_multiple_of(ALIGN), 0);
    doc["bufferViews"] = Value::Array(views);
    doc["buffers"] = json!([{ "byteLength": bin.len() }]);
    for key in ["extensionsUsed", "extensionsRequired"] {
        remove_name(&mut doc, key, |list| {
            if let Some(list) = list.as_array_mut() {
                list.retain(|name| name != EXTENSION);
            }
        });
    }
    Ok(Cow::Owned(join(&to_json(&doc), Some(&bin))?))
}

/// Applies `remove` to `object[key]`, then drops the key if that left it
/// empty (glTF forbids empty extension objects and name lists).
fn remove_name(object: &mut Value, key: &str, remove: impl FnOnce(&mut Value)) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    if let Some(value) = map.get_mut(key) {
        remove(value);
        let empty = match value {
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if empty {
            map.remove(key);
        }
    }
}
