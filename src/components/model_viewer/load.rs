//! One model load, shown progressively. With a coarse level, it is
//! downloaded, decoded and drawn first, while the full level downloads;
//! the full level then takes its place in one frame, camera unmoved.
//! Without one, the geometry shows in clay as soon as it is uploaded
//! (unless the textures are decoded within a moment), then textured.
//!
//! Decoding runs in the decode worker; the main thread only converts its
//! arrays, uploads them and the browser-decoded textures (in strips), and
//! draws, each step a task of its own so the page stays responsive.

use super::original::OriginalFile;
use super::scene_handle::SceneHandle;
use super::source::ModelSource;
use super::stats_panel::{LoadReport, Timings};
use crate::viewer::{
    AlphaMode, Decoder, Framing, ModelStats, ParsedGlb, StagedModel, decode, to_cpu_model,
};
use futures::future::{Either, select};
use js_sys::ArrayBuffer;

/// A model that finished loading.
pub(super) struct Loaded {
    pub report: LoadReport,
    /// The alpha mode the file declares.
    pub alpha: AlphaMode,
    /// The original file, which the viewer's downloads start from.
    pub original: OriginalFile,
}

/// How far a load has got, for the page to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Progress {
    /// The geometry is shown in clay while the textures decode.
    Clay,
    /// The coarse level is shown while the full one loads.
    Coarse,
}

/// How long textures may take to decode before the geometry is shown in
/// clay meanwhile: under 100 ms a wait reads as instant, and a clay frame
/// shown for less would only flash.
const CLAY_GRACE_MS: u32 = 100;

const NO_VIEW: &str = "The 3D view is not available in this browser.";

/// Where a load's bytes come from.
pub(super) enum Input {
    /// Downloaded first.
    Source(ModelSource),
    /// Already in memory (the benchmark hook).
    Bytes(Vec<u8>),
}

/// Downloads the model's levels as needed and shows them.
/// `Ok(None)` means a newer load took over while this one was in flight.
pub(super) async fn load(
    scene: &SceneHandle,
    input: Input,
    still_current: impl Fn() -> bool + Clone + 'static,
    on_progress: impl Fn(Progress) + Clone + 'static,
) -> Result<Option<Loaded>, String> {
    let start = js_sys::Date::now();
    // The worker starts while the model downloads.
    let decoder = Decoder::start();
    let source = match input {
        Input::Bytes(bytes) => {
            let file = js_sys::Uint8Array::from(bytes.as_slice()).buffer();
            let shown = show_level(
                scene,
                &decoder,
                file,
                Framing::Frame,
                &still_current,
                &on_progress,
            );
            return Ok(shown
                .await?
                .map(|shown| shown.finish(0.0, start, None, None)));
        }
        Input::Source(source) => source,
    };
    let full_url = source.files.full_url().to_string();
    let (full, coarse_at) = match &source.files.coarse_url {
        None => (source.fetch(&full_url).await, None),
        Some(coarse_url) => {
            let coarse = source.fetch(coarse_url).await;
            if !still_current() {
                return Ok(None);
            }
            // The full level downloads while the coarse one is decoded and
            // drawn.
            let show_coarse = async {
                let coarse = coarse?;
                show_level(
                    scene,
                    &decoder,
                    coarse,
                    Framing::Frame,
                    &still_current,
                    &on_progress,
                )
                .await
            };
            let (coarse_shown, full) = futures::join!(show_coarse, source.fetch(&full_url));
            if !still_current() {
                return Ok(None);
            }
            let coarse_at = match coarse_shown {
                Ok(Some(_)) => {
                    on_progress(Progress::Coarse);
                    Some(js_sys::Date::now())
                }
                // A coarse level that fails costs only its time: the full
                // level is shown as if it came alone.
                _ => {
                    scene.update(|v| v.clear());
                    None
                }
            };
            (full, coarse_at)
        }
    };
    let full = full?;
    let downloaded = js_sys::Date::now();
    if !still_current() {
        return Ok(None);
    }
    let framing = match coarse_at {
        Some(_) => Framing::Keep,
        None => Framing::Frame,
    };
    let shown = show_level(scene, &decoder, full, framing, &still_current, &on_progress).await?;
    // The viewer's downloads save the original.
    let remote_original = source.files.optimized_url.is_some().then_some(source);
    Ok(shown.map(|shown| shown.finish(downloaded - start, start, coarse_at, remote_original)))
}

/// One level on screen.
struct Shown {
    stats: ModelStats,
    alpha: AlphaMode,
    file: ArrayBuffer,
    timings: Timings,
    live_texture_bytes: u64,
}

impl Shown {
    /// The load's report, with times from `start`. Keeps a copy of the
    /// file unless the original is `remote_original`'s.
    fn finish(
        self,
        download_ms: f64,
        start: f64,
        coarse_at: Option<f64>,
        remote_original: Option<ModelSource>,
    ) -> Loaded {
        let file_bytes = u64::from(self.file.byte_length());
        Loaded {
            report: LoadReport {
                stats: self.stats,
                file_bytes,
                timings: Timings {
                    download_ms,
                    to_coarse_ms: coarse_at.map(|at| at - start),
                    ..self.timings
                },
                live_texture_bytes: self.live_texture_bytes,
                wasm_memory_bytes: wasm_memory_bytes(),
            },
            alpha: self.alpha,
            original: match remote_original {
                Some(source) => OriginalFile::remote(source),
                None => OriginalFile::loaded(js_sys::Uint8Array::new(&self.file).to_vec()),
            },
        }
    }
}

/// Decodes one level (in the worker), uploads it and draws it. As the
/// first level of a model (`Framing::Frame`) it replaces what was shown,
/// in clay while slow textures decode; as a finer level (`Framing::Keep`)
/// it stays hidden until its textures are on the GPU too, then takes the
/// coarse level's place in one frame.
async fn show_level(
    scene: &SceneHandle,
    decoder: &Decoder,
    file: ArrayBuffer,
    framing: Framing,
    still_current: &impl Fn() -> bool,
    on_progress: &impl Fn(Progress),
) -> Result<Option<Shown>, String> {
    let start = js_sys::Date::now();
    let (decoded, file) = decoder.decode(file).await;
    let decoded = decoded.map_err(|e| e.to_string())?;
    let decoded_at = js_sys::Date::now();
    // Taking the worker's arrays in and making three-d's model of them are
    // tasks of their own.
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    let ParsedGlb {
        model,
        alpha,
        images,
    } = to_cpu_model(decoded).map_err(|e| e.to_string())?;
    let mut stats = ModelStats::of(&model);
    let parsed = js_sys::Date::now();
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    // The browser decodes the images in parallel, off the main thread,
    // while the geometry goes up.
    let decoding = decode(&images.images);
    yield_to_browser().await;
    if !still_current() {
        return Ok(None);
    }
    let upload_start = js_sys::Date::now();
    if framing == Framing::Frame {
        // Two large models never need GPU memory at the same time.
        scene.update(|v| v.clear());
    }
    let staged = scene
        .with(|viewer| viewer.stage(model, !images.is_empty()))
        .ok_or(NO_VIEW)?
        .map_err(|e| e.to_string())?;
    let uploaded = js_sys::Date::now();
    let mut staged = Some(staged);
    let mut clay_drawn = None;
    let bitmaps = if framing == Framing::Frame {
        // Textures that decode within the grace period go straight on: a
        // clay frame would only flash, and costs the GPU a whole frame.
        let grace = gloo_timers::future::TimeoutFuture::new(CLAY_GRACE_MS);
        match select(Box::pin(decoding), grace).await {
            Either::Left((bitmaps, _)) => bitmaps?,
            Either::Right(((), decoding)) => {
                if let Some(staged) = staged.take() {
                    show(scene, staged, alpha, framing)?;
                }
                let (drawn, _) = scene.next_frame().await;
                clay_drawn = Some(drawn);
                on_progress(Progress::Clay);
                let bitmaps = decoding.await?;
                scene.gpu_idle().await;
                bitmaps
            }
        }
    } else {
        decoding.await?
    };
    if !still_current() {
        return Ok(None);
    }
    let textures_decoded = js_sys::Date::now();
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
            let done = scene
                .with(|v| v.continue_upload(&mut upload))
                .ok_or(NO_VIEW)?;
            if let Some(texture) = done {
                break texture;
            }
        };
        textures.push(texture);
    }
    // The first frame with the new geometry and textures then finds the
    // GPU idle: drawing behind queued uploads and mipmaps would hold the
    // main thread until they are done.
    scene.gpu_idle().await;
    if !still_current() {
        return Ok(None);
    }
    match staged.take() {
        Some(mut staged) => {
            staged.set_textures(&textures, &images.materials);
            show(scene, staged, alpha, framing)?;
        }
        None => {
            scene
                .with(|v| v.set_textures(&textures, &images.materials))
                .ok_or(NO_VIEW)?;
        }
    }
    drop(textures);
    let textures_uploaded = js_sys::Date::now();
    let (drawn, _) = scene.next_frame().await;
    Ok(still_current().then(|| Shown {
        stats,
        alpha,
        file,
        timings: Timings {
            download_ms: 0.0,
            decode_ms: decoded_at - start,
            parse_ms: parsed - start,
            upload_ms: uploaded - upload_start,
            clay_frame_ms: clay_drawn.map(|at| at - uploaded),
            texture_decode_ms: textures_decoded - clay_drawn.unwrap_or(uploaded),
            texture_upload_ms: textures_uploaded - textures_decoded,
            textured_frame_ms: drawn - textures_uploaded,
            to_clay_ms: clay_drawn.map(|at| at - start),
            to_coarse_ms: None,
            to_textured_ms: drawn - start,
        },
        live_texture_bytes: scene.with(|v| v.live_texture_bytes()).unwrap_or(0),
    }))
}

/// Shows `staged` with the file's alpha mode from its first frame on.
fn show(
    scene: &SceneHandle,
    staged: StagedModel,
    alpha: AlphaMode,
    framing: Framing,
) -> Result<(), String> {
    scene
        .with(|viewer| {
            viewer.set_alpha(alpha);
            viewer.show(staged, framing);
        })
        .ok_or_else(|| NO_VIEW.to_string())
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
