//! The component's handle on the non-reactive three-d scene: the `Viewer`
//! itself, and frame scheduling that draws only when something changed or
//! while auto-rotation runs.

use crate::viewer::{CameraPose, Viewer, WireframeState};
use leptos::prelude::request_animation_frame;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Auto-rotation speed: one turn in about 25 s, slow enough to read detail.
const SPIN_RADIANS_PER_SECOND: f32 = 0.25;
/// Longest frame gap auto-rotation integrates over, so a background tab
/// coming back does not jump the model round.
const MAX_SPIN_STEP_MS: f64 = 100.0;

/// How often to check whether the GPU has finished its work: about one
/// display frame.
const GPU_POLL_MS: u32 = 16;

type AfterFrame = Box<dyn FnOnce()>;
type FrameListener = Box<dyn Fn(CameraPose, WireframeState)>;
/// Moves the view before a frame is drawn; returns false once it is done.
type Animation = Box<dyn FnMut(&mut Viewer, f64) -> bool>;

/// Shared by every event handler. Kept out of signals: WebGL objects are
/// neither `Send` nor meaningful to diff.
#[derive(Clone, Default)]
pub(super) struct SceneHandle {
    viewer: Rc<RefCell<Option<Viewer>>>,
    frame_pending: Rc<Cell<bool>>,
    after_frame: Rc<RefCell<Vec<AfterFrame>>>,
    spinning: Rc<Cell<bool>>,
    last_frame_ms: Rc<Cell<f64>>,
    /// How long the last `Viewer::render` call took on the main thread.
    last_render_ms: Rc<Cell<f64>>,
    /// Told the camera pose and the wireframe's state after each drawn
    /// frame, except mid-spin.
    frame_listener: Rc<RefCell<Option<FrameListener>>>,
    /// Drives the camera frame by frame (a turntable recording), given
    /// `Date.now()`; drawing continues every frame while it runs.
    animation: Rc<RefCell<Option<Animation>>>,
}

impl SceneHandle {
    /// Takes ownership of a freshly created viewer and draws it once the
    /// GPU has made its lighting environment: a frame drawn behind that
    /// work would hold the main thread until it is done.
    pub fn attach(&self, viewer: Viewer) {
        *self.viewer.borrow_mut() = Some(viewer);
        let handle = self.clone();
        leptos::task::spawn_local(async move {
            handle.gpu_idle().await;
            handle.redraw();
        });
    }

    /// Waits, without blocking the page, until the GPU has done what was
    /// queued: uploading a big texture or drawing while the GPU is still
    /// busy (making the environment, drawing a 1M-triangle clay frame)
    /// makes the WebGL call wait on the main thread instead.
    pub async fn gpu_idle(&self) {
        if let Some(fence) = self.with(|v| v.gpu_fence()).flatten() {
            while !fence.passed() {
                gloo_timers::future::TimeoutFuture::new(GPU_POLL_MS).await;
            }
        }
    }

    /// Runs `f` on the viewer, if one exists.
    pub fn with<R>(&self, f: impl FnOnce(&mut Viewer) -> R) -> Option<R> {
        self.viewer.borrow_mut().as_mut().map(f)
    }

    /// Runs `f` on the viewer and draws the result on the next frame.
    pub fn update(&self, f: impl FnOnce(&mut Viewer)) {
        self.with(f);
        self.redraw();
    }

    /// Draws on the next animation frame.
    pub fn redraw(&self) {
        self.request_frame(|| ());
    }

    /// Draws on the next animation frame, then runs `after`. Several requests
    /// share one frame, and nothing runs while the view is idle.
    pub fn request_frame(&self, after: impl FnOnce() + 'static) {
        self.after_frame.borrow_mut().push(Box::new(after));
        if self.frame_pending.replace(true) {
            return;
        }
        let scene = self.clone();
        request_animation_frame(move || scene.frame());
    }

    /// Draws on the next animation frame; resolves to when it was drawn
    /// (`Date.now()` ms) and how long the draw call took.
    pub async fn next_frame(&self) -> (f64, f64) {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let render_ms = self.last_render_ms.clone();
        self.request_frame(move || {
            let _ = sender.send((js_sys::Date::now(), render_ms.get()));
        });
        receiver
            .await
            .unwrap_or_else(|_| (js_sys::Date::now(), 0.0))
    }

    /// Starts or stops auto-rotation.
    pub fn set_spinning(&self, on: bool) {
        self.last_frame_ms.set(js_sys::Date::now());
        if !self.spinning.replace(on) && on {
            self.redraw();
        }
    }

    /// Calls `listener` with the camera pose and the wireframe's state
    /// whenever a frame is drawn while the model stands still, so a share
    /// link can carry the view without following every frame of an
    /// auto-rotation.
    pub fn on_frame(&self, listener: impl Fn(CameraPose, WireframeState) + 'static) {
        *self.frame_listener.borrow_mut() = Some(Box::new(listener));
    }

    /// Runs `step` before every frame until it returns false.
    pub fn animate(&self, step: impl FnMut(&mut Viewer, f64) -> bool + 'static) {
        *self.animation.borrow_mut() = Some(Box::new(step));
        self.redraw();
    }

    /// Stops an animation started with [`SceneHandle::animate`].
    pub fn stop_animation(&self) {
        self.animation.borrow_mut().take();
    }

    fn frame(&self) {
        self.frame_pending.set(false);
        let now = js_sys::Date::now();
        let elapsed = (now - self.last_frame_ms.replace(now)).clamp(0.0, MAX_SPIN_STEP_MS);
        let spinning = self.spinning.get();
        let mut animation = self.animation.borrow_mut().take();
        let (unfinished, pose, wireframe) = self
            .with(|viewer| {
                if let Some(step) = &mut animation
                    && !step(viewer, now)
                {
                    animation = None;
                }
                if spinning {
                    viewer.spin(SPIN_RADIANS_PER_SECOND * (elapsed / 1000.0) as f32);
                }
                (viewer.render(), viewer.pose(), viewer.wireframe_state())
            })
            .unwrap_or((false, None, WireframeState::Off));
        self.last_render_ms.set(js_sys::Date::now() - now);
        if !spinning
            && let Some(pose) = pose
            && let Some(listener) = &*self.frame_listener.borrow()
        {
            listener(pose, wireframe);
        }
        let animating = animation.is_some();
        if animating && self.animation.borrow().is_none() {
            *self.animation.borrow_mut() = animation;
        }
        let callbacks = std::mem::take(&mut *self.after_frame.borrow_mut());
        for callback in callbacks {
            callback();
        }
        if spinning || unfinished || animating {
            self.redraw();
        }
    }
}
