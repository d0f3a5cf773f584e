//! The interactive 3D view of a model: display modes, orbit/pan/zoom by
//! mouse, touch and keyboard, auto-rotation, stats and screenshots.

mod alpha_panel;
mod bench_hook;
mod control_bar;
mod dcc_download;
mod details_sheet;
mod downloads;
mod format_row;
mod formats_menu;
mod fullscreen;
mod input;
mod load;
mod original;
mod print_report;
mod scene_handle;
mod source;
mod stats_panel;
mod turntable;

use crate::components::icon::{Icon, IconName};
use crate::share::SharedView;
use crate::viewer::{AlphaMode, Viewer, WireframeState, with_alpha_mode};
use alpha_panel::AlphaPanel;
use control_bar::{ControlBar, FullscreenButton};
use dcc_download::DccDownload;
use details_sheet::DetailsSheet;
use input::CanvasInput;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use load::Progress;
use original::OriginalFile;
use scene_handle::SceneHandle;
pub use source::ModelFiles;
use source::{ModelSource, Origin};
use stats_panel::{LoadReport, Timings, describe};
use std::cell::Cell;
use std::rc::Rc;
use turntable::TurntableRecorder;

pub use formats_menu::FormatsMenu;

/// What the canvas says about itself before a model is shown.
const CANVAS_HINT: &str = "Drag or use the arrow keys to turn, wheel, pinch or +/- to zoom, \
     shift-drag or two fingers to pan, R to reset.";

/// What the viewer is showing; mirrored in `#viewer[data-state]` for tests
/// and assistive tech.
#[derive(Debug, Clone, PartialEq)]
enum ViewerState {
    Empty,
    Loading,
    /// The geometry is shown in clay while the textures decode.
    Clay,
    /// The coarse level is shown while the full one loads.
    Coarse,
    Rendered(Box<LoadReport>),
    Error(String),
}

impl ViewerState {
    fn as_attr(&self) -> &'static str {
        match self {
            ViewerState::Empty => "empty",
            ViewerState::Loading => "loading",
            ViewerState::Clay => "clay",
            ViewerState::Coarse => "coarse",
            ViewerState::Rendered(_) => "rendered",
            ViewerState::Error(_) => "error",
        }
    }
}

/// The interactive 3D view of a generated model, or of the GLB named by the
/// page's `?model=<url>` (and `&coarse=<url>`) when no generated model is
/// given.
#[component]
pub fn ModelViewer(
    /// The model to show, with its web-optimized levels when it has them
    /// (URLs relative to the API base): the coarse level is drawn first,
    /// then the optimized file replaces it; downloads save the original.
    /// `None` shows the page's `?model=` GLB, if any.
    #[prop(into)]
    model: Signal<Option<ModelFiles>>,
    /// The display mode and camera: read once at start (a shared link's),
    /// then kept up to date for new links.
    view: RwSignal<SharedView>,
    /// The start of download names, e.g. `cactus-balanced`.
    #[prop(optional, into)]
    file_stem: Option<Signal<String>>,
    /// An image shown while the model loads (the photo it was made from).
    #[prop(optional, into)]
    poster: Option<Signal<Option<String>>>,
    /// Embedded: only reset and full screen, and a link to the full page.
    #[prop(optional)]
    minimal: bool,
    /// Where "open in Trellis Studio" leads, in the minimal controls.
    #[prop(optional, into)]
    full_page_url: Option<Signal<String>>,
    /// More downloads for the details sheet (the model's other formats).
    #[prop(optional, into)]
    formats: Option<ViewFn>,
) -> impl IntoView {
    let file_stem = file_stem.unwrap_or_else(|| Signal::derive(|| "model".to_string()));
    let viewer_ref = NodeRef::<leptos::html::Div>::new();
    let sheet_open = RwSignal::new(false);
    let recording = RwSignal::new(false);
    let fullscreen = fullscreen::control(viewer_ref);
    let canvas_ref = NodeRef::<Canvas>::new();
    let state = RwSignal::new(ViewerState::Empty);
    let mode = RwSignal::new(view.get_untracked().mode);
    let reduced_motion = prefers_reduced_motion();
    let auto_rotate = RwSignal::new(false);
    let alpha = RwSignal::new(AlphaMode::Opaque);
    let file = StoredValue::new_local(None::<OriginalFile>);
    let scene = SceneHandle::default();
    let input = CanvasInput::new(scene.clone());
    // Bumped per load, so a slow download never replaces a newer model.
    let load_count = Rc::new(Cell::new(0u32));
    let query_model = source::files_from_query();
    let model_source = Signal::derive(move || {
        let from_api = model.get().map(|files| ModelSource {
            files,
            origin: Origin::Api,
        });
        from_api.or_else(|| {
            query_model.clone().map(|files| ModelSource {
                files,
                origin: Origin::Page,
            })
        })
    });

    canvas_ref.on_load({
        let scene = scene.clone();
        move |canvas| match Viewer::new(canvas) {
            Ok(mut viewer) => {
                if let Some(pose) = view.get_untracked().pose {
                    viewer.start_at(pose);
                }
                scene.attach(viewer);
            }
            Err(e) => state.set(ViewerState::Error(e.to_string())),
        }
    });

    // Starts a load that supersedes any in flight.
    let begin = {
        let (scene, load_count) = (scene.clone(), load_count.clone());
        move |input: load::Input| {
            let current = load_count.get().wrapping_add(1);
            load_count.set(current);
            state.set(ViewerState::Loading);
            let (scene, load_count) = (scene.clone(), load_count.clone());
            spawn_local(async move {
                let still_current = move || load_count.get() == current;
                let on_progress = {
                    let still_current = still_current.clone();
                    move |progress| {
                        if still_current() {
                            state.set(match progress {
                                Progress::Clay => ViewerState::Clay,
                                Progress::Coarse => ViewerState::Coarse,
                            });
                        }
                    }
                };
                match load::load(&scene, input, still_current.clone(), on_progress).await {
                    Ok(Some(loaded)) => {
                        file.set_value(Some(loaded.original));
                        alpha.set(loaded.alpha);
                        state.set(ViewerState::Rendered(Box::new(loaded.report)));
                    }
                    Ok(None) => {}
                    Err(message) if still_current() => {
                        // No stale model behind the error message.
                        scene.update(Viewer::clear);
                        state.set(ViewerState::Error(message));
                    }
                    Err(_) => {}
                }
            });
        }
    };
    bench_hook::install(begin.clone());
    // A model is loaded again only when it is another model: the one on
    // screen gaining its web-optimized copy (made a moment after the
    // extraction) would reload what is already shown.
    Effect::new({
        let scene = scene.clone();
        move |shown: Option<Option<(String, Origin)>>| {
            let source = model_source.get();
            let identity = source.as_ref().map(|s| (s.files.url.clone(), s.origin));
            if shown.as_ref() == Some(&identity) {
                return identity;
            }
            match source {
                Some(source) => begin(load::Input::Source(source)),
                None => {
                    load_count.set(load_count.get().wrapping_add(1));
                    scene.update(Viewer::clear);
                    state.set(ViewerState::Empty);
                }
            }
            identity
        }
    });

    Effect::new({
        let scene = scene.clone();
        move |_| {
            let mode = mode.get();
            scene.update(|v| v.set_mode(mode));
            view.update(|v| v.mode = mode);
        }
    });
    let wireframe = RwSignal::new(WireframeState::Off);
    scene.on_frame(move |pose, state| {
        if view.with_untracked(|v| v.pose != Some(pose)) {
            view.update(|v| v.pose = Some(pose));
        }
        if wireframe.get_untracked() != state {
            wireframe.set(state);
        }
    });
    Effect::new({
        let scene = scene.clone();
        move |_| {
            let alpha = alpha.get();
            scene.update(|v| v.set_alpha(alpha));
        }
    });
    Effect::new({
        let scene = scene.clone();
        move |_| scene.set_spinning(auto_rotate.get())
    });
    let _ = window_event_listener(leptos::ev::resize, {
        let scene = scene.clone();
        move |_| scene.redraw()
    });

    // Callbacks must be `Send`; the scene is reached through a local store.
    let stored_scene = StoredValue::new_local(scene.clone());
    // A running auto-rotation re-schedules itself every frame; stop it with
    // the component. The store may already be gone when cleanups run.
    on_cleanup(move || {
        stored_scene.try_with_value(|s| s.set_spinning(false));
    });
    let on_reset =
        Callback::new(move |()| stored_scene.with_value(|s| s.update(Viewer::reset_view)));
    let on_screenshot = Callback::new(move |()| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            downloads::save_screenshot(&canvas, &file_stem.get_untracked());
        }
    });

    let on_download = Callback::new(move |()| {
        let Some(original) = file.get_value() else {
            return;
        };
        let alpha = alpha.get_untracked();
        spawn_local(async move {
            let rewritten = match original.bytes().await {
                Ok(bytes) => with_alpha_mode(&bytes, alpha).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match rewritten {
                Ok(glb) => downloads::save_glb(&glb, &file_stem.get_untracked()),
                Err(e) => state.set(ViewerState::Error(format!(
                    "The GLB could not be rewritten: {e}."
                ))),
            }
        });
    });

    let loading = move || matches!(state.get(), ViewerState::Loading);
    let poster_url = move || poster.and_then(|p| p.get()).filter(|_| loading());
    let message = move || match state.get() {
        ViewerState::Loading => Some("Loading the model…".to_string()),
        ViewerState::Clay => Some("Decoding the textures…".to_string()),
        ViewerState::Coarse => Some("Loading full detail…".to_string()),
        ViewerState::Error(message) => Some(message),
        ViewerState::Empty | ViewerState::Rendered(_) => None,
    };
    let report = Signal::derive(move || match state.get() {
        ViewerState::Rendered(report) => Some(*report),
        _ => None,
    });
    let canvas_label = move || match report.get() {
        Some(report) => format!("{} {CANVAS_HINT}", describe(&report.stats)),
        None => format!("3D view, no model loaded. {CANVAS_HINT}"),
    };
    let has_model = move || report.with(Option::is_some);
    // Load timings for benchmarks and tests, in whole milliseconds.
    let timing = move |pick: fn(&Timings) -> f64| {
        move || report.get().map(|r| pick(&r.timings).round() as u64)
    };
    let (on_down, on_move, on_up, on_cancel, on_wheel, on_key) = (
        input.clone(),
        input.clone(),
        input.clone(),
        input.clone(),
        input.clone(),
        input,
    );

    view! {
        <div
            id="viewer"
            node_ref=viewer_ref
            class="viewer"
            class:minimal=minimal
            class:recording=move || recording.get()
            data-state=move || state.get().as_attr()
            data-camera=move || view.with(|v| v.pose.map(|pose| pose.to_param()))
            data-clay-ms=move || report.get().and_then(|r| r.timings.to_clay_ms).map(|ms| ms.round() as u64)
            data-textured-ms=timing(|t| t.to_textured_ms)
            data-decode-ms=timing(|t| t.decode_ms)
            data-parse-ms=timing(|t| t.parse_ms)
            data-upload-ms=timing(|t| t.upload_ms)
            data-live-texture-bytes=move || report.get().map(|r| r.live_texture_bytes)
            data-wasm-memory-bytes=move || report.get().map(|r| r.wasm_memory_bytes)
        >
            <canvas
                node_ref=canvas_ref
                tabindex="0"
                role="img"
                aria-label=canvas_label
                on:pointerdown=move |event| {
                    if let Some(canvas) = canvas_ref.get_untracked() {
                        let _ = canvas.set_pointer_capture(event.pointer_id());
                        let _ = canvas.focus();
                    }
                    on_down.pointer_down(&event);
                }
                on:pointermove=move |event| on_move.pointer_move(&event)
                on:pointerup=move |event| on_up.pointer_up(&event)
                on:pointercancel=move |event| on_cancel.pointer_up(&event)
                on:wheel=move |event| on_wheel.wheel(&event)
                on:keydown=move |event| on_key.key(&event)
                on:contextmenu=|event| event.prevent_default()
            ></canvas>
            {move || poster_url().map(|src| view! {
                <img class="viewer-poster" src=src alt="" aria-hidden="true" />
            })}
            <Show when=has_model>
                {if minimal {
                    view! {
                        <div class="viewer-bar minimal" role="toolbar" aria-label="Viewer">
                            <button type="button" class="viewer-button icon-button" id="viewer-reset"
                                aria-label="Reset view" title="Back to the starting view (R)"
                                on:click=move |_| on_reset.run(())>
                                <Icon name=IconName::Reset />
                            </button>
                            {fullscreen.map(|control| view! { <FullscreenButton control /> })}
                        </div>
                    }.into_any()
                } else {
                    // The sheet's children are built once per showing.
                    let formats = formats.clone();
                    view! {
                        <ControlBar mode auto_rotate reduced_motion sheet_open on_reset fullscreen wireframe />
                        <DetailsSheet open=sheet_open report on_screenshot>
                            <AlphaPanel alpha on_download><DccDownload file alpha state file_stem /></AlphaPanel>
                            <TurntableRecorder scene=stored_scene canvas=canvas_ref recording_flag=recording file_stem />
                            {formats.map(|formats| formats.run())}
                        </DetailsSheet>
                    }.into_any()
                }}
            </Show>
            {full_page_url.map(|url| view! {
                <a class="viewer-home" id="viewer-home" href=url target="_blank" rel="noopener">"Trellis Studio ↗"</a>
            })}
            <p class="viewer-message" class:error=move || matches!(state.get(), ViewerState::Error(_)) role="status">
                {message}
            </p>
        </div>
    }
}

fn prefers_reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}
