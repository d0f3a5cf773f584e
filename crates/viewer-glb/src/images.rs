//! Takes the base colour and metallic-roughness images out of the glTF JSON
//! so the browser decodes them with `createImageBitmap` (off the main
//! thread, and in parallel) instead of three-d-asset decoding PNGs in wasm
//! on the main thread, which takes seconds for two 4096² textures.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trellis_glb::{array, buffer_view, uint};

use crate::image_size::{self, ImageFormat};

/// The material slots the browser decodes, as JSON pointers inside a
/// material. TRELLIS.2 models use exactly these two.
const SLOTS: [&str; 2] = [
    "/pbrMetallicRoughness/baseColorTexture",
    "/pbrMetallicRoughness/metallicRoughnessTexture",
];

/// One encoded image from the GLB's binary chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedImage {
    /// The PNG, JPEG or WebP file.
    pub bytes: Vec<u8>,
    /// Its format, whose MIME type the browser's decoder is given.
    pub format: ImageFormat,
}

/// Which decoded image feeds each slot of one material (indices into
/// [`BrowserImages::images`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MaterialImages {
    pub base_color: Option<usize>,
    pub metallic_roughness: Option<usize>,
}

/// The images taken out of the document, each listed once even when
/// several materials share it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowserImages {
    pub images: Vec<EncodedImage>,
    /// One entry per glTF material, in document order.
    pub materials: Vec<MaterialImages>,
}

impl BrowserImages {
    /// Whether nothing was taken out.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }
}

/// Removes every base colour and metallic-roughness texture reference whose
/// image is embedded in the GLB from the materials, and returns those
/// images. References the browser path cannot serve (a second UV set, an
/// image outside the file) stay for three-d-asset. Runs after validation,
/// so views lie inside their buffers; a failed lookup only skips the slot.
pub fn take(doc: &mut Value, buffers: &[Option<&[u8]>]) -> BrowserImages {
    let mut out = BrowserImages::default();
    let mut by_image: HashMap<u64, usize> = HashMap::new();
    let count = array(doc, "materials").len();
    for material in 0..count {
        let mut slots = [None; 2];
        for (slot, pointer) in slots.iter_mut().zip(SLOTS) {
            let path = format!("/materials/{material}{pointer}");
            let Some((image, bytes)) = embedded_image(doc, &path, buffers) else {
                continue;
            };
            let index = *by_image.entry(image).or_insert_with(|| {
                out.images.push(bytes);
                out.images.len() - 1
            });
            *slot = Some(index);
            remove_pointer(doc, &path);
        }
        let [base_color, metallic_roughness] = slots;
        out.materials.push(MaterialImages {
            base_color,
            metallic_roughness,
        });
    }
    out
}

/// The image index and bytes behind the texture reference at `path`.
fn embedded_image(
    doc: &Value,
    path: &str,
    buffers: &[Option<&[u8]>],
) -> Option<(u64, EncodedImage)> {
    let reference = doc.pointer(path)?;
    if uint(reference, "texCoord").unwrap_or(0) != 0 {
        return None;
    }
    let texture = array(doc, "textures").get(uint(reference, "index")? as usize)?;
    let image_index = uint(texture, "source")?;
    let image = array(doc, "images").get(image_index as usize)?;
    let bytes = buffer_view(doc, buffers, uint(image, "bufferView")?)
        .ok()?
        .bytes;
    let format = image_size::sniff(bytes)?.0;
    let bytes = bytes.to_vec();
    Some((image_index, EncodedImage { bytes, format }))
}

/// Deletes the object key at JSON pointer `path`.
fn remove_pointer(doc: &mut Value, path: &str) {
    let Some((parent, key)) = path.rsplit_once('/') else {
        return;
    };
    if let Some(object) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
        object.remove(key);
    }
}
