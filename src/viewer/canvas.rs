//! The canvas side of the viewer: its WebGL2 context, a drawing buffer
//! that follows the page layout and the device pixel ratio, and what the
//! canvas says about the wireframe.

use super::parse::ViewerError;
use super::wireframe::WireframeState;
use std::sync::Arc;
use three_d::Context;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext, WebGlContextAttributes};

/// Largest drawing-buffer side in device pixels: beyond this, high-DPI
/// screens cost GPU memory without a visible gain.
const MAX_CANVAS_SIDE: u32 = 4096;

/// The three-d context on `canvas`, and the raw WebGL2 context under it.
pub fn create_context(
    canvas: &HtmlCanvasElement,
) -> Result<(Context, WebGl2RenderingContext), ViewerError> {
    let attributes = WebGlContextAttributes::new();
    attributes.set_antialias(true);
    // An opaque drawing buffer: with OPAQUE or MASK the shaders still write
    // the texture's alpha, which would otherwise let the page show through.
    attributes.set_alpha(false);
    // Keeps the last frame readable for screenshots and canvas read-backs.
    attributes.set_preserve_drawing_buffer(true);
    let gl = canvas
        .get_context_with_context_options("webgl2", &attributes)
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into::<WebGl2RenderingContext>().ok())
        .ok_or_else(|| ViewerError::NoWebGl("no webgl2 context".into()))?;
    // three-d renders to float targets for lighting; these are optional
    // extensions, so a missing one only lowers quality.
    for extension in ["EXT_color_buffer_float", "OES_texture_float_linear"] {
        let _ = gl.get_extension(extension);
    }
    let glow = three_d::context::Context::from_webgl2_context(gl.clone());
    // three-d's API takes an Arc; the context never leaves the main thread.
    #[allow(clippy::arc_with_non_send_sync)]
    let glow = Arc::new(glow);
    let context =
        Context::from_gl_context(glow).map_err(|e| ViewerError::NoWebGl(e.to_string()))?;
    Ok((context, gl))
}

/// Matches `canvas`'s drawing buffer to the canvas's CSS size × device pixels.
pub fn fit_drawing_buffer(canvas: &HtmlCanvasElement) -> (u32, u32) {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let side = |css: i32| ((css.max(1) as f64 * ratio).round() as u32).clamp(1, MAX_CANVAS_SIDE);
    set_drawing_buffer(
        canvas,
        (side(canvas.client_width()), side(canvas.client_height())),
    )
}

/// Sets `canvas`'s drawing buffer to `(width, height)` device pixels.
pub fn set_drawing_buffer(canvas: &HtmlCanvasElement, (width, height): (u32, u32)) -> (u32, u32) {
    let (width, height) = (
        width.clamp(1, MAX_CANVAS_SIDE),
        height.clamp(1, MAX_CANVAS_SIDE),
    );
    if canvas.width() != width {
        canvas.set_width(width);
    }
    if canvas.height() != height {
        canvas.set_height(height);
    }
    (width, height)
}

/// Mirrors `state` on the canvas as `data-wireframe` (its key, for tests
/// and styling); the control bar explains it to people. Touches the DOM
/// only when the state changes.
pub fn show_wireframe_state(canvas: &HtmlCanvasElement, state: WireframeState) {
    let key = state.key();
    if canvas.get_attribute("data-wireframe").as_deref() != Some(key) {
        // Failing only means the canvas keeps the old key.
        let _ = canvas.set_attribute("data-wireframe", key);
    }
}
