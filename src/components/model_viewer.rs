use crate::api;
use crate::viewer::{ModelStats, Viewer};
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::{KeyboardEvent, PointerEvent, WheelEvent};

/// Pixels of orbit per arrow-key press.
const KEY_ORBIT_PX: f32 = 40.0;
/// Wheel units per +/- key press.
const KEY_ZOOM_UNITS: f32 = 150.0;

/// What the viewer is showing; mirrored in `#viewer[data-state]` for tests
/// and assistive tech.
#[derive(Debug, Clone, PartialEq)]
enum ViewerState {
    Empty,
    Loading,
    Rendered(ModelStats),
    Error(String),
}

impl ViewerState {
    fn as_attr(&self) -> &'static str {
        match self {
            ViewerState::Empty => "empty",
            ViewerState::Loading => "loading",
            ViewerState::Rendered(_) => "rendered",
            ViewerState::Error(_) => "error",
        }
    }
}

/// The non-reactive three-d scene plus the one-frame-pending flag, shared by
/// the event handlers. Kept out of signals: WebGL objects are neither `Send`
/// nor meaningful to diff.
#[derive(Clone, Default)]
struct Scene {
    viewer: Rc<RefCell<Option<Viewer>>>,
    frame_pending: Rc<Cell<bool>>,
}

impl Scene {
    fn with(&self, f: impl FnOnce(&mut Viewer)) {
        if let Some(viewer) = self.viewer.borrow_mut().as_mut() {
            f(viewer);
        }
    }

    /// Draws on the next animation frame; several requests share one frame,
    /// and nothing runs while the view is idle.
    fn request_frame(&self, after: impl FnOnce() + 'static) {
        if self.frame_pending.replace(true) {
            return;
        }
        let scene = self.clone();
        request_animation_frame(move || {
            scene.frame_pending.set(false);
            scene.with(Viewer::render);
            after();
        });
    }
}

/// The interactive 3D view of a generated model: drag to orbit, right-drag or
/// shift-drag to pan, wheel to zoom, arrows/+/-/R from the keyboard.
#[component]
pub fn ModelViewer(
    /// The model to show (URL relative to the API base), if any.
    #[prop(into)]
    model_url: Signal<Option<String>>,
) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    let state = RwSignal::new(ViewerState::Empty);
    let scene = Scene::default();

    let redraw = {
        let scene = scene.clone();
        move || scene.request_frame(|| ())
    };

    canvas_ref.on_load({
        let scene = scene.clone();
        move |canvas| match Viewer::new(canvas) {
            Ok(viewer) => {
                *scene.viewer.borrow_mut() = Some(viewer);
                scene.request_frame(|| ());
            }
            Err(e) => state.set(ViewerState::Error(e.to_string())),
        }
    });

    Effect::new({
        let scene = scene.clone();
        move |_| {
            let Some(url) = model_url.get() else {
                scene.with(Viewer::clear);
                state.set(ViewerState::Empty);
                return;
            };
            state.set(ViewerState::Loading);
            let scene = scene.clone();
            spawn_local(async move {
                match load(&scene, &url).await {
                    Ok(stats) => {
                        scene.request_frame(move || state.set(ViewerState::Rendered(stats)))
                    }
                    Err(message) => state.set(ViewerState::Error(message)),
                }
            });
        }
    });

    let _ = window_event_listener(leptos::ev::resize, {
        let redraw = redraw.clone();
        move |_| redraw()
    });

    let on_pointer_down = move |event: PointerEvent| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            let _ = canvas.set_pointer_capture(event.pointer_id());
            let _ = canvas.focus();
        }
    };
    let on_pointer_move = {
        let scene = scene.clone();
        let redraw = redraw.clone();
        move |event: PointerEvent| {
            let buttons = event.buttons();
            if buttons == 0 {
                return;
            }
            let (dx, dy) = (event.movement_x() as f32, event.movement_y() as f32);
            let panning = buttons & 2 != 0 || event.shift_key();
            scene.with(|viewer| {
                if panning {
                    viewer.pan(dx, dy)
                } else {
                    viewer.orbit(dx, dy)
                }
            });
            redraw();
        }
    };
    let on_wheel = {
        let scene = scene.clone();
        let redraw = redraw.clone();
        move |event: WheelEvent| {
            event.prevent_default();
            let delta = event.delta_y() as f32;
            scene.with(|viewer| viewer.zoom(delta));
            redraw();
        }
    };
    let on_key = {
        let scene = scene.clone();
        move |event: KeyboardEvent| {
            let handled = match event.key().as_str() {
                "ArrowLeft" => with_viewer(&scene, |v| v.orbit(-KEY_ORBIT_PX, 0.0)),
                "ArrowRight" => with_viewer(&scene, |v| v.orbit(KEY_ORBIT_PX, 0.0)),
                "ArrowUp" => with_viewer(&scene, |v| v.orbit(0.0, -KEY_ORBIT_PX)),
                "ArrowDown" => with_viewer(&scene, |v| v.orbit(0.0, KEY_ORBIT_PX)),
                "+" | "=" => with_viewer(&scene, |v| v.zoom(-KEY_ZOOM_UNITS)),
                "-" | "_" => with_viewer(&scene, |v| v.zoom(KEY_ZOOM_UNITS)),
                "r" | "R" | "Home" => with_viewer(&scene, Viewer::reset_view),
                _ => false,
            };
            if handled {
                event.prevent_default();
                redraw();
            }
        }
    };

    let message = move || match state.get() {
        ViewerState::Empty => None,
        ViewerState::Loading => Some("Loading the model…".to_string()),
        ViewerState::Rendered(_) => None,
        ViewerState::Error(message) => Some(message),
    };
    let stats = move || match state.get() {
        ViewerState::Rendered(s) => Some(format!(
            "{} triangles · {} vertices",
            group_thousands(s.triangles),
            group_thousands(s.vertices)
        )),
        _ => None,
    };

    view! {
        <div id="viewer" class="viewer" data-state=move || state.get().as_attr()>
            <canvas
                node_ref=canvas_ref
                tabindex="0"
                role="img"
                aria-label="3D view of the generated model. Drag to orbit, wheel to zoom, arrow keys to turn, R to reset."
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:wheel=on_wheel
                on:keydown=on_key
                on:contextmenu=|event| event.prevent_default()
            ></canvas>
            <p class="viewer-message" class:error=move || matches!(state.get(), ViewerState::Error(_)) role="status">
                {message}
            </p>
            <p class="viewer-stats">{stats}</p>
        </div>
    }
}

fn with_viewer(scene: &Scene, f: impl FnOnce(&mut Viewer)) -> bool {
    scene.with(f);
    true
}

async fn load(scene: &Scene, url: &str) -> Result<ModelStats, String> {
    let bytes = api::download(url).await.map_err(|e| e.to_string())?;
    let mut viewer = scene.viewer.borrow_mut();
    let viewer = viewer
        .as_mut()
        .ok_or_else(|| "The 3D view is not available in this browser.".to_string())?;
    viewer.load_glb(bytes).map_err(|e| e.to_string())
}

/// 1234567 → "1 234 567" (thin spaces read well in every locale).
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}
