//! Textures decoded by the browser and uploaded from the decoded bitmap
//! straight to WebGL: the pixels never pass through wasm memory, and the
//! decoding runs on the browser's image threads, both images at once.

use super::stats::texture_gpu_bytes;
use futures::future::try_join_all;
use std::sync::{Arc, Weak};
use three_d::{Context, Interpolation, Mipmap, Texture2D, Texture2DRef, Wrapping};
use trellis_viewer_glb::EncodedImage;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, ColorSpaceConversion, ImageBitmap, ImageBitmapOptions, ImageOrientation,
    PremultiplyAlpha, WebGl2RenderingContext, WebGlSync, WebGlTexture,
};

/// Mipmaps as three-d-asset builds them for glTF textures: trilinear and
/// isotropic, down to 1×1 for every size the validator admits (8192² has
/// 14 levels).
const MIPMAP: Mipmap = Mipmap {
    filter: Interpolation::Linear,
    max_levels: 14,
    max_ratio: 1,
};

/// A decoded image, closed (its memory freed at once rather than at the
/// next garbage collection) when dropped.
pub struct Bitmap(ImageBitmap);

impl Bitmap {
    /// `(width, height)` in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.0.width(), self.0.height())
    }
}

impl Drop for Bitmap {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Starts decoding every image with `createImageBitmap`, all in parallel,
/// at once rather than when the result is first awaited: the browser then
/// decodes while the main thread uploads and draws the geometry.
pub fn decode(images: &[EncodedImage]) -> impl Future<Output = Result<Vec<Bitmap>, String>> {
    let started = web_sys::window()
        .ok_or_else(|| "no window to decode textures in".to_string())
        .and_then(|window| {
            images
                .iter()
                .map(|image| start_decode(&window, image))
                .collect::<Result<Vec<_>, _>>()
        });
    async move {
        let pending = started?.into_iter().map(|promise| async move {
            let value = JsFuture::from(promise)
                .await
                .map_err(|e| format!("a texture could not be decoded ({e:?})"))?;
            value
                .dyn_into::<ImageBitmap>()
                .map(Bitmap)
                .map_err(|_| "a texture decoded to something other than an image".to_string())
        });
        try_join_all(pending).await
    }
}

fn start_decode(window: &web_sys::Window, image: &EncodedImage) -> Result<js_sys::Promise, String> {
    // three-d stores textures bottom row first (its `fill` flips rows);
    // WebGL ignores UNPACK_FLIP_Y for bitmaps, so the decoder flips.
    decode_texels(
        window,
        &image.bytes,
        image.format.mime(),
        ImageOrientation::FlipY,
    )
    .map_err(|e| format!("a texture could not be decoded ({e:?})"))
}

/// Starts the browser decoding an encoded image of type `mime` into a
/// bitmap holding its texels exactly as stored: glTF colours are straight
/// (not premultiplied) sRGB, and metallic/roughness are data, not colour,
/// so neither premultiplication nor colour management may touch them.
pub(super) fn decode_texels(
    window: &web_sys::Window,
    bytes: &[u8],
    mime: &str,
    orientation: ImageOrientation,
) -> Result<js_sys::Promise, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let kind = BlobPropertyBag::new();
    kind.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &kind)?;
    let options = ImageBitmapOptions::new();
    options.set_premultiply_alpha(PremultiplyAlpha::None);
    options.set_color_space_conversion(ColorSpaceConversion::None);
    options.set_image_orientation(orientation);
    window.create_image_bitmap_with_blob_and_image_bitmap_options(&blob, &options)
}

/// A marker after all GPU work queued so far. Uploading a big texture
/// while the GPU is still busy (drawing a 1M-triangle clay frame, say) makes
/// the upload call wait for it on the main thread; polling this between
/// tasks waits without blocking the page.
pub struct GpuFence {
    gl: WebGl2RenderingContext,
    sync: WebGlSync,
}

impl GpuFence {
    /// A fence after the work queued on `gl` so far, if the context gives one.
    pub fn new(gl: &WebGl2RenderingContext) -> Option<Self> {
        let sync = gl.fence_sync(WebGl2RenderingContext::SYNC_GPU_COMMANDS_COMPLETE, 0)?;
        // A fence that is never flushed to the GPU never signals.
        gl.flush();
        Some(Self {
            gl: gl.clone(),
            sync,
        })
    }

    /// Whether the GPU has got past the fence (or the context was lost).
    pub fn passed(&self) -> bool {
        self.gl.client_wait_sync_with_u32(&self.sync, 0, 0)
            != WebGl2RenderingContext::TIMEOUT_EXPIRED
    }
}

impl Drop for GpuFence {
    fn drop(&mut self) {
        self.gl.delete_sync(Some(&self.sync));
    }
}

/// Rows of a texture sent to WebGL per call. A 4096² RGBA texture in one
/// call blocked the main thread for 150–280 ms, and a quarter of it still
/// 40–70 ms; a sixteenth at a time (4 MB) keeps every call well under the
/// 50 ms long-task budget, with the page free to paint and take input in
/// between.
const STRIP_ROWS: u32 = 256;

/// A texture being filled strip by strip from a decoded bitmap; see
/// [`TextureUpload::step`].
pub struct TextureUpload {
    texture: Texture2DRef,
    /// The same texture as WebGL knows it, to bind it again between steps.
    handle: Option<WebGlTexture>,
    bitmap: Bitmap,
    next_row: u32,
}

impl TextureUpload {
    /// Sends the next strip of rows, or once all are there, builds the
    /// mipmaps. Returns the finished texture after that last step.
    pub fn step(&mut self, gl: &WebGl2RenderingContext) -> Option<Texture2DRef> {
        let target = WebGl2RenderingContext::TEXTURE_2D;
        let (width, height) = self.bitmap.size();
        // three-d binds what it draws with before each use, but keeps the
        // binding it found, so it is put back.
        let previous = bound_texture(gl);
        gl.bind_texture(target, self.handle.as_ref());
        let finished = if self.next_row < height {
            let rows = STRIP_ROWS.min(height - self.next_row);
            // WebGL2 takes a sub-rectangle of an image source through the
            // unpack skip parameters.
            gl.pixel_storei(
                WebGl2RenderingContext::UNPACK_SKIP_ROWS,
                self.next_row as i32,
            );
            // Only fails for a closed bitmap or a lost context; the texture
            // then stays black, and a lost context shows its own error.
            let _ = gl.tex_sub_image_2d_with_i32_and_i32_and_u32_and_type_and_image_bitmap(
                target,
                0,
                0,
                self.next_row as i32,
                width as i32,
                rows as i32,
                WebGl2RenderingContext::RGBA,
                WebGl2RenderingContext::UNSIGNED_BYTE,
                &self.bitmap.0,
            );
            gl.pixel_storei(WebGl2RenderingContext::UNPACK_SKIP_ROWS, 0);
            self.next_row += rows;
            None
        } else {
            gl.generate_mipmap(target);
            Some(self.texture.clone())
        };
        gl.bind_texture(target, previous.as_ref());
        finished
    }
}

/// Every texture the viewer uploaded, weakly held: a texture counts as long
/// as anything (a model part, a stray clone) keeps it on the GPU, which is
/// how tests check that replacing a model frees the old textures.
#[derive(Default)]
pub struct TextureLedger(Vec<Weak<Texture2D>>);

impl TextureLedger {
    /// Starts uploading `bitmap` (see [`start_upload`]) and records the
    /// texture.
    pub fn start_upload(
        &mut self,
        context: &Context,
        gl: &WebGl2RenderingContext,
        bitmap: Bitmap,
    ) -> TextureUpload {
        let upload = start_upload(context, gl, bitmap);
        self.0.retain(|weak| weak.strong_count() > 0);
        self.0.push(Arc::downgrade(&upload.texture.texture));
        upload
    }

    /// Estimated GPU bytes of the recorded textures still alive.
    pub fn live_bytes(&self) -> u64 {
        self.0
            .iter()
            .filter_map(Weak::upgrade)
            .map(|texture| texture_gpu_bytes(texture.width(), texture.height()))
            .sum()
    }
}

/// Creates an empty RGBA8 texture with room for mipmaps, to be filled from
/// `bitmap`. three-d has no safe way to fill a texture from a bitmap, so
/// the raw context fills the texture three-d creates: `new_empty` leaves it
/// bound to `TEXTURE_2D`, which is how its WebGL handle is found.
fn start_upload(context: &Context, gl: &WebGl2RenderingContext, bitmap: Bitmap) -> TextureUpload {
    let (width, height) = bitmap.size();
    let texture = Texture2D::new_empty::<[u8; 4]>(
        context,
        width,
        height,
        Interpolation::Linear,
        Interpolation::Linear,
        Some(MIPMAP),
        Wrapping::Repeat,
        Wrapping::Repeat,
    );
    let handle = bound_texture(gl);
    TextureUpload {
        texture: Texture2DRef::from_texture(texture),
        handle,
        bitmap,
        next_row: 0,
    }
}

/// The texture bound to `TEXTURE_2D` on the active unit, if any.
fn bound_texture(gl: &WebGl2RenderingContext) -> Option<WebGlTexture> {
    gl.get_parameter(WebGl2RenderingContext::TEXTURE_BINDING_2D)
        .ok()
        .and_then(|t| t.dyn_into::<WebGlTexture>().ok())
}
