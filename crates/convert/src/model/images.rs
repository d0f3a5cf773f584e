//! Texture images: taken from the GLB's buffer views (only those a used
//! material needs), sniffed by content rather than the declared MIME type,
//! size-checked from the header before anything is decoded, decoded under
//! allocation limits, and re-encoded as PNG where an output format cannot
//! carry the original (WebP in USDZ or OBJ).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbaImage};

use super::{Model, TextureRef};
use crate::error::ConvertError;
use crate::limits::{MAX_DECODE_BYTES, MAX_TEXTURE_SIDE};

/// A texture image, borrowed from the GLB.
#[derive(Clone, Debug)]
pub(crate) struct Image<'a> {
    /// Its index in the glTF `images` array, for messages.
    pub gltf_index: usize,
    /// The encoded file.
    pub bytes: &'a [u8],
    pub format: ImageFormat,
}

impl<'a> Image<'a> {
    /// Sniffs and size-checks `bytes` without decoding the pixels.
    pub fn probe(gltf_index: usize, bytes: &'a [u8]) -> Result<Self, ConvertError> {
        let bad = |reason: String| ConvertError::BadTexture {
            image: gltf_index,
            reason,
        };
        let format = image::guess_format(bytes)
            .map_err(|_| bad("it is not an image format we recognise".into()))?;
        if !matches!(
            format,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
        ) {
            return Err(bad(format!(
                "{format:?} is not a glTF texture format (PNG, JPEG or WebP)"
            )));
        }
        // Header only, with no side limit, so an oversized texture is
        // reported as such rather than as a decoder error.
        let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
            .into_dimensions()
            .map_err(|e| bad(e.to_string()))?;
        let side = width.max(height);
        if side > MAX_TEXTURE_SIDE {
            return Err(ConvertError::TooLarge {
                what: "a texture's side in pixels",
                actual: side.into(),
                limit: MAX_TEXTURE_SIDE.into(),
            });
        }
        Ok(Self {
            gltf_index,
            bytes,
            format,
        })
    }

    /// Whether USDZ and OBJ consumers read this format as it is.
    pub fn is_portable(&self) -> bool {
        matches!(self.format, ImageFormat::Png | ImageFormat::Jpeg)
    }

    /// File extension of [`Self::portable_bytes`].
    pub fn portable_extension(&self) -> &'static str {
        match self.format {
            ImageFormat::Jpeg => "jpg",
            _ => "png",
        }
    }

    /// The file as a PNG or JPEG: the original bytes when they already are
    /// one, otherwise a lossless PNG of the decoded pixels.
    pub fn portable_bytes(&self) -> Result<Cow<'a, [u8]>, ConvertError> {
        if self.is_portable() {
            return Ok(Cow::Borrowed(self.bytes));
        }
        encode_png(&self.decode()?).map(Cow::Owned)
    }

    /// The pixels, in the file's own channel layout.
    pub fn decode(&self) -> Result<DynamicImage, ConvertError> {
        reader(self.bytes, self.format)
            .decode()
            .map_err(|e| ConvertError::BadTexture {
                image: self.gltf_index,
                reason: e.to_string(),
            })
    }
}

/// The pixels as 8-bit RGBA.
pub(crate) fn decode_rgba(image: &Image<'_>) -> Result<RgbaImage, ConvertError> {
    image.decode().map(DynamicImage::into_rgba8)
}

/// A PNG of `image`, in its own channel layout. Fast compression: the
/// file is made on demand while someone waits, and USDZ stores it
/// uncompressed anyway.
pub(crate) fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, ConvertError> {
    let mut png = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive);
    image
        .write_with_encoder(encoder)
        .map_err(|e| ConvertError::internal("PNG encoding", e))?;
    Ok(png)
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_TEXTURE_SIDE);
    limits.max_image_height = Some(MAX_TEXTURE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader
}

/// Loads the images the parts' materials use, numbered in order of first
/// use, and renumbers the materials' references to match. Images of unused
/// materials are never read.
pub(super) fn load_images<'a>(
    document: &gltf::Document,
    bin: &'a [u8],
    model: &mut Model<'a>,
) -> Result<Vec<Image<'a>>, ConvertError> {
    let mut images: Vec<Image<'a>> = Vec::new();
    let mut number: HashMap<usize, usize> = HashMap::new();
    for m in model.used_materials() {
        let material = &mut model.materials[m];
        for slot in [
            &mut material.base_color_texture,
            &mut material.metallic_roughness_texture,
            &mut material.normal_texture,
        ] {
            let Some(texture) = slot.as_mut() else {
                continue;
            };
            let gltf_index = texture.image;
            let index = match number.get(&gltf_index) {
                Some(&index) => index,
                None => {
                    images.push(load_image(document, bin, gltf_index)?);
                    number.insert(gltf_index, images.len() - 1);
                    images.len() - 1
                }
            };
            *texture = TextureRef {
                image: index,
                ..*texture
            };
        }
    }
    Ok(images)
}

fn load_image<'a>(
    document: &gltf::Document,
    bin: &'a [u8],
    index: usize,
) -> Result<Image<'a>, ConvertError> {
    // Read from the JSON: `gltf::Image::source` panics on an embedded image
    // without a MIME type, which validation lets through (and which we
    // sniff anyway).
    let json = &document.as_json().images[index];
    match (&json.buffer_view, &json.uri) {
        (Some(view), _) => {
            let view = &document.as_json().buffer_views[view.value()];
            let start = view.byte_offset.map_or(0, |o| o.0) as usize;
            let bytes = start
                .checked_add(view.byte_length.0 as usize)
                .and_then(|end| bin.get(start..end))
                .ok_or_else(|| {
                    ConvertError::InvalidGltf(format!(
                        "image {index}'s buffer view runs past the end of the BIN chunk"
                    ))
                })?;
            Image::probe(index, bytes)
        }
        (None, Some(_)) => Err(ConvertError::Unsupported(format!(
            "image {index} refers to a file outside the GLB"
        ))),
        (None, None) => Err(ConvertError::InvalidGltf(format!(
            "image {index} has neither a buffer view nor a URI"
        ))),
    }
}
