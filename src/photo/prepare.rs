use super::coaching::{self, CoachingNote};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions,
    ImageOrientation, Url,
};

/// The server (and TRELLIS.2 itself) works at most at 1024 px on the longest
/// side, so sending more only costs upload time.
pub const MAX_SENT_SIDE: u32 = 1024;
/// Side of the history thumbnails: big enough to recognise the subject,
/// small enough (≈10 KB) to keep hundreds in IndexedDB.
const THUMBNAIL_SIDE: u32 = 96;
/// Originals above this are refused before decoding: a phone photo is
/// 3–12 MB, and decoding hundreds of MB would freeze the tab.
const MAX_ORIGINAL_BYTES: f64 = 40.0 * 1024.0 * 1024.0;

/// A photo ready to upload, with what the page shows about it.
#[derive(Clone)]
pub struct PreparedPhoto {
    pub name: String,
    pub original_bytes: u64,
    pub original_size: (u32, u32),
    pub png: Blob,
    pub sent_bytes: u64,
    pub sent_size: (u32, u32),
    /// An object URL of the PNG, for `<img src>`.
    pub preview_url: String,
    /// A small PNG data URL, for the history list.
    pub thumbnail: String,
    /// Whether the photo is a cut-out with real transparency.
    pub has_alpha: bool,
    pub notes: Vec<CoachingNote>,
}

impl PreparedPhoto {
    /// Frees the preview's object URL.
    pub fn release(&self) {
        let _ = Url::revoke_object_url(&self.preview_url);
    }
}

/// Decodes `file` with the browser (applying EXIF orientation), scales it to
/// at most `MAX_SENT_SIDE`, encodes PNG (alpha kept) and assesses it.
pub async fn prepare(file: &Blob, name: &str) -> Result<PreparedPhoto, String> {
    let name = name.to_string();
    check_type(&name, &file.type_())?;
    if file.size() > MAX_ORIGINAL_BYTES {
        return Err(format!(
            "{name} is {:.0} MB; the limit is 40 MB. Save a smaller copy and try again.",
            file.size() / 1_048_576.0
        ));
    }
    let unreadable = || format!("{name} could not be read as an image. Try a PNG or JPEG.");
    let bitmap = decode(file).await.map_err(|_| unreadable())?;
    let original_size = (bitmap.width(), bitmap.height());
    let sent_size = fit(original_size, MAX_SENT_SIDE);
    let canvas = draw(&bitmap, sent_size).map_err(|_| unreadable())?;
    bitmap.close();
    let context = context_2d(&canvas).map_err(|_| unreadable())?;
    let pixels = context
        .get_image_data(0.0, 0.0, sent_size.0 as f64, sent_size.1 as f64)
        .map_err(|_| unreadable())?
        .data();
    if let Some(refusal) = coaching::refusal(&pixels, original_size, &name) {
        return Err(refusal);
    }
    let assessment = coaching::assess(&pixels, sent_size.0, sent_size.1, original_size);
    let png = encode_png(&canvas).await.map_err(|_| unreadable())?;
    let thumbnail_size = fit(sent_size, THUMBNAIL_SIDE);
    let thumbnail = draw_canvas(&canvas, thumbnail_size)
        .and_then(|small| small.to_data_url())
        .map_err(|_| unreadable())?;
    let preview_url = Url::create_object_url_with_blob(&png).map_err(|_| unreadable())?;
    Ok(PreparedPhoto {
        name,
        original_bytes: file.size() as u64,
        original_size,
        sent_bytes: png.size() as u64,
        png,
        sent_size,
        preview_url,
        thumbnail,
        has_alpha: assessment.has_alpha,
        notes: assessment.notes,
    })
}

/// Fetches an image by URL: an example shipped next to `index.html`, or a
/// stored input from the API.
pub async fn fetch_image(url: &str) -> Result<Blob, String> {
    let failed = || format!("The image {url} could not be loaded.");
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|_| failed())?;
    if !response.ok() {
        return Err(failed());
    }
    let blob = web_sys::Response::from(response)
        .blob()
        .map_err(|_| failed())?;
    JsFuture::from(blob)
        .await
        .map_err(|_| failed())?
        .dyn_into()
        .map_err(|_| failed())
}

/// Refuses what no browser here can decode, with a way forward.
fn check_type(name: &str, kind: &str) -> Result<(), String> {
    let lower = name.to_lowercase();
    if lower.ends_with(".heic") || lower.ends_with(".heif") || kind.contains("hei") {
        return Err(format!(
            "{name} is a HEIC photo, which browsers cannot read. On iPhone, choose \"Most Compatible\" in Settings › Camera › Formats, or share the photo as JPEG."
        ));
    }
    if !kind.is_empty() && !kind.starts_with("image/") {
        return Err(format!(
            "{name} is not an image. Choose a PNG, JPEG or WebP photo."
        ));
    }
    Ok(())
}

/// The size that fits `max_side` keeping the aspect ratio (never upscales).
fn fit((width, height): (u32, u32), max_side: u32) -> (u32, u32) {
    let longest = width.max(height).max(1);
    if longest <= max_side {
        return (width.max(1), height.max(1));
    }
    let scale = max_side as f64 / longest as f64;
    let side = |v: u32| ((v as f64 * scale).round() as u32).max(1);
    (side(width), side(height))
}

async fn decode(file: &Blob) -> Result<ImageBitmap, JsValue> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let promise = window.create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)?;
    JsFuture::from(promise).await?.dyn_into()
}

fn context_2d(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    Ok(canvas.get_context("2d")?.ok_or(JsValue::NULL)?.dyn_into()?)
}

/// A detached canvas of `width`×`height` with its 2D context.
fn blank_canvas(
    (width, height): (u32, u32),
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context = context_2d(&canvas)?;
    Ok((canvas, context))
}

fn draw(bitmap: &ImageBitmap, (width, height): (u32, u32)) -> Result<HtmlCanvasElement, JsValue> {
    let (canvas, context) = blank_canvas((width, height))?;
    context.set_image_smoothing_enabled(true);
    context.draw_image_with_image_bitmap_and_dw_and_dh(
        bitmap,
        0.0,
        0.0,
        width as f64,
        height as f64,
    )?;
    Ok(canvas)
}

/// A copy of `source` scaled to `size`.
fn draw_canvas(
    source: &HtmlCanvasElement,
    (width, height): (u32, u32),
) -> Result<HtmlCanvasElement, JsValue> {
    let (canvas, context) = blank_canvas((width, height))?;
    context.draw_image_with_html_canvas_element_and_dw_and_dh(
        source,
        0.0,
        0.0,
        width as f64,
        height as f64,
    )?;
    Ok(canvas)
}

async fn encode_png(canvas: &HtmlCanvasElement) -> Result<Blob, JsValue> {
    let mut failure = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Err(e) = canvas.to_blob_with_type(&resolve, "image/png") {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    JsFuture::from(promise).await?.dyn_into()
}
