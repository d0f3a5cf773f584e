//! One model load, shown progressively: the geometry in clay as soon as it
//! is uploaded (unless the textures are decoded within a moment), then the
//! textures once the browser has decoded them. Every step is timed.

use super::scene_handle::SceneHandle;
use super::source::ModelSource;
use super::stats_panel::{LoadReport, Step, Timings};
use crate::viewer::{AlphaMode, ModelStats, ParsedGlb, check_glb, decode, parse_glb};
use futures::future::{Either, select};

/// A model that finished loading.
pub(super) struct Loaded {
    pub report: LoadReport,
    /// The alpha mode the file declares.
    pub alpha: AlphaMode,
    /// The file as downloaded, kept for "Download GLB" with another alpha.
    pub file: Vec<u8>,
}

/// How long textures may take to decode before the geometry is shown in
/// clay meanwhile: under 100 ms a wait reads as instant, and a clay frame
/// shown for less would only flash.
const CLAY_GRACE_MS: u32 = 100;

/// How often to check whether the GPU has finished the clay frame: about
/// one display frame.
const GPU_POLL_MS: u32 = 16;

const NO_VIEW: &str = "The 3D view is not available in this browser.";

/// Where a load's bytes come from.
pub(super) enum Input {
    /// Downloaded first.
    Source(ModelSource),
    /// Already in memory (the benchmark hook).
    Bytes(Vec<u8>),
}

/// Downloads the model if needed, then shows it as [`show`] does.
pub(super) async fn load(
    scene: &SceneHandle,
    input: Input,
    still_current: impl Fn() -> bool + 'static,
    on_clay: impl FnOnce(),
) -> Result<Option<Loaded>, String> {
    let start = js_sys::Date::now();
    let bytes = match input {
        Input::Source(source) => source.fetch().await?,
        Input::Bytes(bytes) => bytes,
    };
    if !still_current() {
        return Ok(None);
    }
    let download_ms = js_sys::Date::now() - start;
    let loaded = show(scene, bytes, still_current, on_clay).await?;
    Ok(loaded.map(|mut loaded| {
        loaded.report.timings.download_ms = download_ms;
        loaded
    }))
}

/// Parses, uploads and draws a GLB already in memory: geometry first, drawn
/// in clay if the textures are slow to decode (then `on_clay` runs),
/// textures after. `Ok(None)` means a newer
/// load took over while this one was in flight.
async fn show(
    scene: &SceneHandle,
    bytes: Vec<u8>,
    still_current: impl Fn() -> bool + 'static,
    on_clay: impl FnOnce(),
) -> Result<Option<Loaded>, String> {
    let start = js_sys::Date::now();
    let file_bytes = bytes.len() as u64;
    let checked = check_glb(&bytes).map_err(|e| e.to_string())?;
    // Every step runs in a task of its own, so input and painting get
    // their turn in between; the longest one is reported.
    let mut longest = Step::new("validation", js_sys::Date::now() - start);
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    let parse_start = js_sys::Date::now();
    let ParsedGlb {
        model,
        alpha,
        images,
    } = parse_glb(&bytes, checked).map_err(|e| e.to_string())?;
    let mut stats = ModelStats::of(&model);
    let parsed = js_sys::Date::now();
    longest.keep_longer("parse", parsed - parse_start);
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    // The browser decodes both images in parallel, off the main thread,
    // while the geometry goes up and is drawn in clay.
    let hand_off_start = js_sys::Date::now();
    let decoding = decode(&images.images);
    longest.keep_longer("texture hand-off", js_sys::Date::now() - hand_off_start);
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    let upload_start = js_sys::Date::now();
    scene
        .with(|viewer| {
            // Before the first frame, so it already shows the file's alpha.
            viewer.set_alpha(alpha);
            viewer.upload(model, !images.is_empty())
        })
        .ok_or(NO_VIEW)?
        .map_err(|e| e.to_string())?;
    let uploaded = js_sys::Date::now();
    longest.keep_longer("geometry upload", uploaded - upload_start);
    // Textures that decode within the grace period go straight on: a clay
    // frame would only flash, and costs the GPU a whole frame of work.
    let grace = gloo_timers::future::TimeoutFuture::new(CLAY_GRACE_MS);
    let (bitmaps, clay_drawn) = match select(Box::pin(decoding), grace).await {
        Either::Left((bitmaps, _)) => (bitmaps?, None),
        Either::Right(((), decoding)) => {
            let (clay_drawn, clay_render_ms) = scene.next_frame().await;
            longest.keep_longer("clay draw", clay_render_ms);
            on_clay();
            let bitmaps = decoding.await?;
            if let Some(fence) = scene.with(|v| v.gpu_fence()).flatten() {
                while !fence.passed() {
                    gloo_timers::future::TimeoutFuture::new(GPU_POLL_MS).await;
                }
            }
            (bitmaps, Some(clay_drawn))
        }
    };
    if !still_current() {
        return Ok(None);
    }
    let decoded = js_sys::Date::now();
    let mut textures = Vec::with_capacity(bitmaps.len());
    for bitmap in bitmaps {
        let (width, height) = bitmap.size();
        stats.add_texture(width, height);
        let mut upload = scene
            .with(|v| v.start_texture_upload(bitmap))
            .ok_or(NO_VIEW)?;
        // Strip by strip, each in a task of its own.
        let texture = loop {
            yield_to_browser().await;
            if !still_current() {
                return Ok(None);
            }
            let step_start = js_sys::Date::now();
            let done = scene
                .with(|v| v.continue_upload(&mut upload))
                .ok_or(NO_VIEW)?;
            longest.keep_longer("texture upload", js_sys::Date::now() - step_start);
            if let Some(texture) = done {
                break texture;
            }
        };
        textures.push(texture);
    }
    scene
        .with(|v| v.set_textures(&textures, &images.materials))
        .ok_or(NO_VIEW)?;
    drop(textures);
    let textures_uploaded = js_sys::Date::now();
    let (drawn, textured_render_ms) = scene.next_frame().await;
    longest.keep_longer("textured draw", textured_render_ms);
    let report = LoadReport {
        stats,
        file_bytes,
        timings: Timings {
            download_ms: 0.0,
            parse_ms: parsed - start,
            upload_ms: uploaded - upload_start,
            clay_frame_ms: clay_drawn.map(|at| at - uploaded),
            decode_ms: decoded - clay_drawn.unwrap_or(uploaded),
            texture_upload_ms: textures_uploaded - decoded,
            textured_frame_ms: drawn - textures_uploaded,
            to_clay_ms: clay_drawn.map(|at| at - start),
            to_textured_ms: drawn - start,
            longest_step: longest,
        },
        live_texture_bytes: scene.with(|v| v.live_texture_bytes()).unwrap_or(0),
        wasm_memory_bytes: wasm_memory_bytes(),
    };
    Ok(still_current().then_some(Loaded {
        report,
        alpha,
        file: bytes,
    }))
}

/// Size of the wasm linear memory. It never shrinks, so it growing from
/// load to load means memory is held on to (or too fragmented to reuse).
fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |memory| {
            memory
                .buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0, |buffer| u64::from(buffer.byte_length()))
        })
}

/// Ends the current task and resumes in a new one.
async fn yield_to_browser() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}
