//! A turntable video of the model as it is shown (display mode, lighting,
//! zoom): one full turn of the camera in a chosen number of seconds, at
//! 720p or 1080p (a frame per display frame), recorded from the canvas with
//! MediaRecorder as WebM, with
//! its duration written in afterwards so players can seek.

use super::downloads;
use super::scene_handle::SceneHandle;
use crate::viewer::Viewer;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::f32::consts::TAU;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Blob, BlobEvent, BlobPropertyBag, MediaRecorder, MediaRecorderOptions};

/// The lengths offered, in seconds: a quick loop for a chat, up to a slow
/// showcase.
const LENGTHS: [u32; 3] = [4, 6, 10];
/// Bits per second per pixel of the video: enough for a detailed model on
/// a plain background at 30 fps (≈ 5 Mbit/s at 720p).
const BITS_PER_PIXEL_SECOND: f64 = 5.5;
/// The encodings tried, best first; every browser with MediaRecorder has
/// at least the last.
const MIME_TYPES: [&str; 3] = [
    "video/webm;codecs=vp9",
    "video/webm;codecs=vp8",
    "video/webm",
];

/// The video sizes offered: 720p and 1080p.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VideoSize {
    Hd,
    FullHd,
}

impl VideoSize {
    fn pixels(self) -> (u32, u32) {
        match self {
            VideoSize::Hd => (1280, 720),
            VideoSize::FullHd => (1920, 1080),
        }
    }
}

/// Where a recording stands.
#[derive(Debug, Clone, PartialEq)]
enum Recording {
    Idle,
    /// Share of the turn done, `0..=1`.
    Running(f32),
    Failed(String),
}

/// The turntable section of the details sheet: length, size, Record,
/// then a progress bar and Cancel while it records.
#[component]
pub(super) fn TurntableRecorder(
    scene: StoredValue<SceneHandle, LocalStorage>,
    canvas: NodeRef<Canvas>,
    /// Set while recording: the page shows the canvas letterboxed.
    recording_flag: RwSignal<bool>,
    /// The start of the video's file name.
    file_stem: Signal<String>,
) -> impl IntoView {
    let seconds = RwSignal::new(LENGTHS[1]);
    let size = RwSignal::new(VideoSize::Hd);
    let state = RwSignal::new(Recording::Idle);
    let cancelled = RwSignal::new(false);
    let supported = js_sys::Reflect::has(&window(), &"MediaRecorder".into()).unwrap_or(false);
    let start = {
        move |_| {
            let (Some(canvas), Some(scene)) = (canvas.get_untracked(), scene.try_get_value())
            else {
                return;
            };
            cancelled.set(false);
            let spec = (seconds.get_untracked(), size.get_untracked().pixels());
            let stem = file_stem.get_untracked();
            spawn_local(async move {
                recording_flag.set(true);
                state.set(Recording::Running(0.0));
                let result = record(&scene, &canvas, spec, state, cancelled).await;
                recording_flag.set(false);
                match result {
                    Ok(Some(video)) => {
                        downloads::save_turntable(&video, &stem);
                        state.set(Recording::Idle);
                    }
                    Ok(None) => state.set(Recording::Idle),
                    Err(message) => state.set(Recording::Failed(message)),
                }
            });
        }
    };
    let running = move || matches!(state.get(), Recording::Running(_));
    let progress = move || match state.get() {
        Recording::Running(done) => done,
        _ => 0.0,
    };
    let failure = move || match state.get() {
        Recording::Failed(message) => Some(message),
        _ => None,
    };
    view! {
        <section class="turntable" id="turntable" aria-label="Turntable video">
            <h4>"Turntable video"</h4>
            {(!supported).then(|| view! {
                <p class="muted">"This browser cannot record video from the page."</p>
            })}
            <div class="turntable-options">
                <label>"Length "
                    <select id="turntable-seconds" disabled=move || running() || !supported
                        on:change=move |ev| if let Ok(s) = event_target_value(&ev).parse() { seconds.set(s) }>
                        {LENGTHS.map(|s| view! {
                            <option value=s.to_string() prop:selected=move || seconds.get() == s>{format!("{s} s")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Size "
                    <select id="turntable-size" disabled=move || running() || !supported
                        on:change=move |ev| size.set(if event_target_value(&ev) == "1080" { VideoSize::FullHd } else { VideoSize::Hd })>
                        <option value="720" prop:selected=move || size.get() == VideoSize::Hd>"720p"</option>
                        <option value="1080" prop:selected=move || size.get() == VideoSize::FullHd>"1080p"</option>
                    </select>
                </label>
            </div>
            <Show when=running fallback=move || view! {
                <button type="button" class="viewer-button" id="turntable-record"
                    disabled=!supported on:click=start>"Record a turntable"</button>
            }>
                <progress id="turntable-progress" max="1" prop:value=progress></progress>
                <button type="button" class="viewer-button" id="turntable-cancel"
                    on:click=move |_| cancelled.set(true)>"Cancel"</button>
            </Show>
            {move || failure().map(|message| view! { <p class="field-problem" role="alert">{message}</p> })}
        </section>
    }
}

/// Records one turn; `None` when cancelled.
async fn record(
    scene: &SceneHandle,
    canvas: &web_sys::HtmlCanvasElement,
    (seconds, (width, height)): (u32, (u32, u32)),
    state: RwSignal<Recording>,
    cancelled: RwSignal<bool>,
) -> Result<Option<Vec<u8>>, String> {
    let failed = |what: &str| format!("The video could not be recorded: {what}.");
    let Some(start_pose) = scene.with(|v| v.pose()).flatten() else {
        return Err(failed("no model is shown"));
    };
    // At the video's size before the stream starts: a recorder stops when
    // its source changes size mid-way.
    scene.update(|v| v.set_fixed_size(Some((width, height))));
    scene.next_frame().await;
    // Each drawn frame is copied to a canvas of the video's own and taken
    // from there on request: a WebGL canvas is captured only when the page
    // is composited, which a background tab or a headless browser skips.
    let (film, film_context) =
        film_canvas(width, height).ok_or_else(|| failed("no canvas to film on"))?;
    let stream = film
        .capture_stream_with_frame_request_rate(0.0)
        .map_err(|_| failed("the page cannot be captured"))?;
    let track = stream.get_video_tracks().get(0);
    let request_frame = js_sys::Reflect::get(&track, &"requestFrame".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| failed("the browser cannot capture the page frame by frame"))?;
    let options = MediaRecorderOptions::new();
    if let Some(mime) = MIME_TYPES
        .into_iter()
        .find(|mime| MediaRecorder::is_type_supported(mime))
    {
        options.set_mime_type(mime);
    }
    let bitrate = BITS_PER_PIXEL_SECOND * f64::from(width) * f64::from(height);
    options.set_video_bits_per_second(bitrate as u32);
    let recorder =
        MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
            .map_err(|_| failed("the browser has no video encoder for it"))?;

    let chunks = Rc::new(RefCell::new(Vec::<Blob>::new()));
    let on_data = {
        let chunks = chunks.clone();
        Closure::<dyn FnMut(BlobEvent)>::new(move |event: BlobEvent| {
            if let Some(data) = event.data() {
                chunks.borrow_mut().push(data);
            }
        })
    };
    recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
    let (stopped_tx, stopped_rx) = futures::channel::oneshot::channel::<()>();
    let stopped_tx = RefCell::new(Some(stopped_tx));
    let on_stop = Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = stopped_tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
    recorder
        .start()
        .map_err(|_| failed("recording did not start"))?;

    let duration_ms = f64::from(seconds) * 1000.0;
    let started = js_sys::Date::now();
    let turning = recorder.clone();
    let drawn = canvas.clone();
    scene.animate(move |viewer: &mut Viewer, now: f64| {
        // The frame drawn last time round, into the video.
        let _ = film_context.draw_image_with_html_canvas_element_and_dw_and_dh(
            &drawn,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        );
        let _ = request_frame.call0(&track);
        let done = ((now - started) / duration_ms).clamp(0.0, 1.0);
        viewer.place_at(start_pose);
        viewer.spin(TAU * done as f32);
        let _ = state.try_set(Recording::Running(done as f32));
        if done >= 1.0 || cancelled.try_get_untracked().unwrap_or(true) {
            let _ = turning.stop();
            return false;
        }
        true
    });
    let _ = stopped_rx.await;
    recorder.set_ondataavailable(None);
    recorder.set_onstop(None);
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
    scene.stop_animation();
    scene.update(|v| {
        v.set_fixed_size(None);
        v.place_at(start_pose);
    });
    if cancelled.get_untracked() {
        return Ok(None);
    }
    let parts = js_sys::Array::new();
    for chunk in chunks.borrow().iter() {
        parts.push(chunk);
    }
    let properties = BlobPropertyBag::new();
    properties.set_type("video/webm");
    let video = Blob::new_with_blob_sequence_and_options(&parts, &properties)
        .map_err(|_| failed("the video could not be put together"))?;
    let buffer = wasm_bindgen_futures::JsFuture::from(video.array_buffer())
        .await
        .map_err(|_| failed("the video could not be read"))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    // Without a duration players cannot seek; an unpatched file still plays.
    Ok(Some(
        crate::webm::with_duration(&bytes, duration_ms).unwrap_or(bytes),
    ))
}

/// A detached 2D canvas of `width`×`height` and its context.
fn film_canvas(
    width: u32,
    height: u32,
) -> Option<(
    web_sys::HtmlCanvasElement,
    web_sys::CanvasRenderingContext2d,
)> {
    let canvas: web_sys::HtmlCanvasElement =
        document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    Some((canvas, context))
}
