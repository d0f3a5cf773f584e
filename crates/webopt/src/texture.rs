//! Textures for the web: lossy WebP behind `EXT_texture_webp`.
//!
//! Why WebP rather than KTX2/Basis Universal:
//! - Decoding: every browser we target decodes WebP natively and off the
//!   main thread (`createImageBitmap`, which the viewer already uses for
//!   the official exporter's WebP textures). KTX2/Basis needs a transcoder
//!   in the page; the reference one is C++, which does not build for
//!   wasm32-unknown-unknown here, so it would mean shipping a separate
//!   JavaScript/wasm transcoder next to our app.
//! - Size against quality: for photo-like base colours, WebP at quality
//!   80–85 is about a tenth of the PNG with differences below what the
//!   viewer shows at screen size; Basis ETC1S is smaller still but visibly
//!   blockier on smooth gradients, and UASTC is larger than WebP on the
//!   wire. Basis wins on GPU memory (it stays compressed in VRAM), which
//!   matters for many models in one scene, not for our single-model page.
//! - Encoders for rustc 1.95: `webp` (libwebp built from source by
//!   `libwebp-sys`) is mature and fast; the Basis encoder crates wrap C++
//!   as well and encode several times slower.

use image::RgbaImage;
use image::imageops::FilterType;

use crate::WebOptError;
use crate::input::Usage;

/// libwebp's `method`: 0 is fastest, 6 smallest; 4 is its default
/// balance, about 1.5 s for a 4096² texture on one core.
const WEBP_METHOD: i32 = 4;
/// Quality of the alpha plane (lossless-compressed when it is opaque).
const ALPHA_QUALITY: i32 = 90;

/// WebP qualities (0–100), by how a texture is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Qualities {
    /// Base colour and emissive: what a person sees directly.
    pub color: f32,
    /// Metallic-roughness, normal and occlusion data: errors are seen only
    /// through lighting, and chroma subsampling would blur the metallic
    /// channel (blue) across edges, so a little more quality goes here.
    pub data: f32,
}

impl Default for Qualities {
    fn default() -> Self {
        Self {
            color: 80.0,
            data: 85.0,
        }
    }
}

/// Decodes embedded image `index` (PNG, JPEG or WebP).
pub fn decode(index: usize, bytes: &[u8]) -> Result<RgbaImage, WebOptError> {
    image::load_from_memory(bytes)
        .map(|image| image.into_rgba8())
        .map_err(|e| WebOptError::Texture {
            image: index,
            reason: e.to_string(),
        })
}

/// `image` scaled down so neither side exceeds `max_side`.
pub fn fit(image: &RgbaImage, max_side: u32) -> RgbaImage {
    let (width, height) = image.dimensions();
    let largest = width.max(height);
    if largest <= max_side {
        return image.clone();
    }
    let scale =
        |side: u32| ((u64::from(side) * u64::from(max_side)) / u64::from(largest)).max(1) as u32;
    // Triangle (bilinear) filtering: a box-like average is right for a
    // large downscale and much faster than Lanczos at 4096².
    image::imageops::resize(image, scale(width), scale(height), FilterType::Triangle)
}

/// `image` as lossy WebP at the quality its `usage` calls for.
pub fn encode(
    index: usize,
    image: &RgbaImage,
    usage: Usage,
    qualities: Qualities,
) -> Result<Vec<u8>, WebOptError> {
    let failed = |reason: String| WebOptError::Encode {
        image: index,
        reason,
    };
    let mut config = webp::WebPConfig::new()
        .map_err(|()| failed("libwebp has no default configuration".into()))?;
    config.quality = match usage {
        Usage::Color => qualities.color,
        Usage::Data => qualities.data,
    };
    config.method = WEBP_METHOD;
    config.alpha_quality = ALPHA_QUALITY;
    let encoder = webp::Encoder::from_rgba(image.as_raw(), image.width(), image.height());
    encoder
        .encode_advanced(&config)
        .map(|memory| memory.to_vec())
        .map_err(|e| failed(format!("{e:?}")))
}
