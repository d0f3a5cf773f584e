//! The GLB for DCC tools: WebP textures re-encoded as PNG by the browser's
//! own codecs (the app ships no image encoder, and the browser decodes on
//! its image threads), then put back by [`with_png_images`].

use super::textures::decode_texels;
use futures::future::try_join_all;
use trellis_viewer_glb::{GlbError, webp_images, with_png_images};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ImageBitmap, ImageEncodeOptions, ImageOrientation, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d,
};

/// Whether `glb` has WebP images a DCC tool may not read.
pub fn has_webp_images(glb: &[u8]) -> bool {
    webp_images(glb).is_ok_and(|images| !images.is_empty())
}

/// A copy of `glb` with every embedded WebP image re-encoded as PNG and
/// `EXT_texture_webp` no longer required; an error message on failure.
pub async fn with_png_textures(glb: &[u8]) -> Result<Vec<u8>, String> {
    let glb_error = |e: GlbError| e.to_string();
    let webp = webp_images(glb).map_err(glb_error)?;
    let pngs = try_join_all(webp.into_iter().map(|(image, bytes)| async move {
        let png = to_png(bytes)
            .await
            .map_err(|e| format!("a WebP texture could not be re-encoded as PNG ({e:?})"))?;
        Ok::<_, String>((image, png))
    }))
    .await?;
    with_png_images(glb, &pngs).map_err(glb_error)
}

/// Decodes a WebP file and encodes its pixels as a PNG file.
async fn to_png(webp: &[u8]) -> Result<Vec<u8>, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    // The 2D canvas stores premultiplied pixels, so alpha survives exactly,
    // while the colour of a translucent texel may round (and is lost where
    // alpha is 0).
    let bitmap: ImageBitmap = JsFuture::from(decode_texels(
        &window,
        webp,
        "image/webp",
        ImageOrientation::FromImage,
    )?)
    .await?
    .dyn_into()?;
    let canvas = OffscreenCanvas::new(bitmap.width(), bitmap.height())?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2D canvas"))?
        .dyn_into()?;
    let drawn = context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0);
    // Frees the decoded pixels now rather than at the next collection.
    bitmap.close();
    drawn?;
    let encode = ImageEncodeOptions::new();
    encode.set_type("image/png");
    let png: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&encode)?)
        .await?
        .dyn_into()?;
    let buffer = JsFuture::from(png.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
