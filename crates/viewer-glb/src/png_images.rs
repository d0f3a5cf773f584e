//! A copy of a GLB whose WebP images are swapped for PNG re-encodings, for
//! DCC tools (Blender, Maya…) that refuse a file requiring
//! `EXT_texture_webp`. The browser does the re-encoding (see
//! `viewer::png_export`); this module finds the WebP images and rebuilds the
//! binary chunk around the new bytes.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use trellis_glb::{array, uint};

use crate::error::{GlbError, malformed};
use crate::image_size::{self, ImageFormat};
use crate::rewrite::WEBP_EXTENSION;

/// Every image stored in the binary chunk as WebP, with its index in
/// `images`. Images behind a URI are left as they are.
pub fn webp_images(glb: &[u8]) -> Result<Vec<(usize, &[u8])>, GlbError> {
    let chunks = trellis_glb::split(glb)?;
    let doc = trellis_glb::parse(chunks.json)?;
    let views = array(&doc, "bufferViews");
    let is_webp = |bytes: &[u8]| matches!(image_size::sniff(bytes), Some((ImageFormat::Webp, ..)));
    Ok(array(&doc, "images")
        .iter()
        .enumerate()
        .filter_map(|(index, image)| {
            let view = views.get(uint(image, "bufferView")? as usize)?;
            Some((index, view_bytes(view, chunks.bin?)?))
        })
        .filter(|(_, bytes)| is_webp(bytes))
        .collect())
}

/// A copy of `glb` where each `(image index, PNG file)` of `pngs` replaces
/// that image, and the textures showing a replaced image no longer need
/// `EXT_texture_webp`. Every other view keeps its bytes; all are laid out
/// afresh, so the chunk holds no stale WebP data. `EXT_meshopt_compression`
/// views are decoded first: DCC tools may not read that extension either,
/// and its streams would not survive the new layout.
pub fn with_png_images(glb: &[u8], pngs: &[(usize, Vec<u8>)]) -> Result<Vec<u8>, GlbError> {
    let glb = trellis_glb::meshopt::decompress(glb)?;
    let chunks = trellis_glb::split(&glb)?;
    let mut doc = trellis_glb::parse(chunks.json)?;
    let bin = chunks.bin.unwrap_or_default();
    let uses = view_uses(&doc);
    // The bytes each view holds in the new chunk; `None` for views of other
    // buffers, which stay untouched.
    let mut contents: Vec<Option<&[u8]>> = array(&doc, "bufferViews")
        .iter()
        .map(|view| view_bytes(view, bin))
        .collect();
    for (image, png) in pngs {
        let image = doc
            .pointer_mut(&format!("/images/{image}"))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| malformed("an image to replace does not exist"))?;
        let view = image.get("bufferView").and_then(Value::as_u64);
        let view = view.ok_or_else(|| malformed("an image to replace is not in the file"))?;
        // A view this image shares stays for its other users.
        let target = if uses.get(&view) == Some(&1) {
            view as usize
        } else {
            contents.push(None);
            contents.len() - 1
        };
        image.insert("bufferView".into(), target.into());
        image.insert("mimeType".into(), "image/png".into());
        *contents
            .get_mut(target)
            .ok_or_else(|| malformed("an image names a missing buffer view"))? = Some(png);
    }
    let new_bin = lay_out(&mut doc, &contents)?;
    let replaced: HashSet<u64> = pngs.iter().map(|&(image, _)| image as u64).collect();
    drop_webp_extension(&mut doc, &replaced);
    Ok(trellis_glb::join(
        &trellis_glb::to_json(&doc),
        Some(&new_bin),
    )?)
}

/// The bytes of a view into the GLB's own buffer (buffer 0), if they lie
/// inside it.
fn view_bytes<'a>(view: &Value, bin: &'a [u8]) -> Option<&'a [u8]> {
    if uint(view, "buffer")? != 0 {
        return None;
    }
    let start = uint(view, "byteOffset").unwrap_or(0) as usize;
    bin.get(start..start.checked_add(uint(view, "byteLength")? as usize)?)
}

/// How many times each buffer view is named anywhere in the document,
/// extensions included.
fn view_uses(doc: &Value) -> HashMap<u64, usize> {
    fn walk(value: &Value, uses: &mut HashMap<u64, usize>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    if key == "bufferView"
                        && let Some(view) = value.as_u64()
                    {
                        *uses.entry(view).or_default() += 1;
                    }
                    walk(value, uses);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, uses)),
            _ => {}
        }
    }
    let mut uses = HashMap::new();
    walk(doc, &mut uses);
    uses
}

/// Writes `contents` one after another into a new buffer 0, pointing each
/// view (creating the ones past the document's end) at its bytes.
fn lay_out(doc: &mut Value, contents: &[Option<&[u8]>]) -> Result<Vec<u8>, GlbError> {
    let missing = || malformed("its buffer views are not a list");
    let views = doc
        .as_object_mut()
        .ok_or_else(missing)?
        .entry("bufferViews")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(missing)?;
    views.resize_with(contents.len(), || Value::Object(Map::new()));
    let mut bin = Vec::new();
    for (view, bytes) in views.iter_mut().zip(contents) {
        let (Some(view), Some(bytes)) = (view.as_object_mut(), bytes) else {
            continue;
        };
        // glTF needs accessor data aligned to its component size.
        bin.resize(bin.len().next_multiple_of(trellis_glb::ALIGN), 0);
        view.insert("buffer".into(), 0.into());
        view.insert("byteOffset".into(), bin.len().into());
        view.insert("byteLength".into(), bytes.len().into());
        bin.extend_from_slice(bytes);
    }
    let buffer = doc
        .pointer_mut("/buffers/0")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| malformed("it has no buffer for its binary chunk"))?;
    buffer.insert("byteLength".into(), bin.len().into());
    Ok(bin)
}

/// Points each texture whose `EXT_texture_webp` image was `replaced` at it
/// through the core `source`, and drops the extension from the document
/// once no texture needs it.
fn drop_webp_extension(doc: &mut Value, replaced: &HashSet<u64>) {
    let pointer = format!("/extensions/{WEBP_EXTENSION}/source");
    let textures = doc.get_mut("textures").and_then(Value::as_array_mut);
    for texture in textures.into_iter().flatten() {
        let source = texture.pointer(&pointer).and_then(Value::as_u64);
        let (Some(source), Some(texture)) = (source, texture.as_object_mut()) else {
            continue;
        };
        if !replaced.contains(&source) {
            continue;
        }
        texture.insert("source".into(), source.into());
        remove_from_object(texture, "extensions", WEBP_EXTENSION);
    }
    let still_used = array(doc, "textures")
        .iter()
        .any(|texture| texture.pointer(&pointer).is_some());
    let Some(root) = doc.as_object_mut().filter(|_| !still_used) else {
        return;
    };
    for key in ["extensionsUsed", "extensionsRequired"] {
        if let Some(list) = root.get_mut(key).and_then(Value::as_array_mut) {
            list.retain(|name| name != WEBP_EXTENSION);
            if list.is_empty() {
                root.remove(key);
            }
        }
    }
}

/// Removes `name` from the object at `parent[key]`, and that object too
/// once it is empty, so no `"extensions": {}` is left behind.
fn remove_from_object(parent: &mut Map<String, Value>, key: &str, name: &str) {
    let Some(object) = parent.get_mut(key).and_then(Value::as_object_mut) else {
        return;
    };
    object.remove(name);
    if object.is_empty() {
        parent.remove(key);
    }
}
