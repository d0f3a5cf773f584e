//! Files the viewer offers for download: screenshots and rewritten GLBs.

use leptos::prelude::document;
use wasm_bindgen::JsCast;

/// How long an object URL outlives its download click: revoking it at once
/// cancels the download in some browsers, and a minute is ample to start.
const OBJECT_URL_LIFETIME_MS: u32 = 60_000;
/// The registered media type of binary glTF.
const GLB_MIME: &str = "model/gltf-binary";

/// Offers the canvas as a PNG download. The context keeps its drawing
/// buffer, so the last frame is still there outside the render loop.
/// Files are named `<stem>.png`, `<stem>.glb` and `<stem>-png.glb`, where
/// the stem names the photo and the version (`cactus-balanced`).
pub(super) fn save_screenshot(canvas: &web_sys::HtmlCanvasElement, stem: &str) {
    if let Ok(url) = canvas.to_data_url_with_type("image/png") {
        offer_download(&url, &format!("{stem}.png"));
    }
}

/// Offers a GLB file as a download.
pub(super) fn save_glb(bytes: &[u8], stem: &str) {
    save_bytes(bytes, GLB_MIME, &format!("{stem}.glb"));
}

/// Offers the GLB with PNG textures (for DCC tools) as a download.
pub(super) fn save_png_glb(bytes: &[u8], stem: &str) {
    save_bytes(bytes, GLB_MIME, &format!("{stem}-png.glb"));
}

/// Offers a turntable video (WebM) as a download.
pub(super) fn save_turntable(bytes: &[u8], stem: &str) {
    save_bytes(bytes, "video/webm", &format!("{stem}-turntable.webm"));
}

/// Offers `bytes` as a file download through a temporary object URL.
fn save_bytes(bytes: &[u8], mime: &str, name: &str) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        offer_download(&url, name);
        gloo_timers::callback::Timeout::new(OBJECT_URL_LIFETIME_MS, move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        })
        .forget();
    }
}

/// Clicks a temporary `<a download>` for `url`.
fn offer_download(url: &str, name: &str) {
    let link = document()
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(link) = link {
        link.set_href(url);
        link.set_download(name);
        link.click();
    }
}
