//! Mouse, touch and keyboard input on the canvas, turned into camera moves.
//! Mouse and pen drags use the browser's movement deltas; touch goes through
//! `Gestures` (one finger orbits, two pinch-zoom and pan).

use super::scene_handle::SceneHandle;
use crate::viewer::{Gesture, Gestures, Viewer};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{KeyboardEvent, PointerEvent, WheelEvent};

/// Pixels of orbit per arrow-key press.
const KEY_ORBIT_PX: f32 = 40.0;
/// Pixels of pan per shift+arrow press.
const KEY_PAN_PX: f32 = 30.0;
/// Wheel units per +/- key press.
const KEY_ZOOM_UNITS: f32 = 150.0;
/// `buttons` bit of the secondary (right) mouse button.
const SECONDARY_BUTTON: u16 = 2;

/// Input state shared by the canvas's event handlers.
#[derive(Clone, Default)]
pub(super) struct CanvasInput {
    scene: SceneHandle,
    touches: Rc<RefCell<Gestures>>,
}

impl CanvasInput {
    /// Input that moves the camera of `scene`.
    pub fn new(scene: SceneHandle) -> Self {
        Self {
            scene,
            touches: Rc::default(),
        }
    }

    /// A pointer went down; touches start a gesture.
    pub fn pointer_down(&self, event: &PointerEvent) {
        if is_touch(event) {
            self.touches
                .borrow_mut()
                .down(event.pointer_id(), position(event));
        }
    }

    /// A pointer lifted, left or was cancelled.
    pub fn pointer_up(&self, event: &PointerEvent) {
        self.touches.borrow_mut().up(event.pointer_id());
    }

    /// A pointer moved: drag to orbit, right- or shift-drag to pan.
    pub fn pointer_move(&self, event: &PointerEvent) {
        if is_touch(event) {
            let gesture = self
                .touches
                .borrow_mut()
                .moved(event.pointer_id(), position(event));
            match gesture {
                Some(Gesture::Orbit { dx, dy }) => self.scene.update(|v| v.orbit(dx, dy)),
                Some(Gesture::PanZoom { dx, dy, zoom }) => self.scene.update(|v| {
                    v.pan(dx, dy);
                    v.zoom_by(zoom);
                }),
                None => {}
            }
            return;
        }
        let buttons = event.buttons();
        if buttons == 0 {
            return;
        }
        let (dx, dy) = (event.movement_x() as f32, event.movement_y() as f32);
        if buttons & SECONDARY_BUTTON != 0 || event.shift_key() {
            self.scene.update(|v| v.pan(dx, dy));
        } else {
            self.scene.update(|v| v.orbit(dx, dy));
        }
    }

    /// Wheel zoom.
    pub fn wheel(&self, event: &WheelEvent) {
        event.prevent_default();
        let delta = event.delta_y() as f32;
        self.scene.update(|v| v.zoom(delta));
    }

    /// Arrows orbit (shift+arrows pan), +/- zoom, R or Home resets.
    pub fn key(&self, event: &KeyboardEvent) {
        let pan = event.shift_key();
        let step = |dx: f32, dy: f32| -> Box<dyn FnOnce(&mut Viewer)> {
            if pan {
                Box::new(move |v| v.pan(dx * KEY_PAN_PX, dy * KEY_PAN_PX))
            } else {
                Box::new(move |v| v.orbit(dx * KEY_ORBIT_PX, dy * KEY_ORBIT_PX))
            }
        };
        let action: Box<dyn FnOnce(&mut Viewer)> = match event.key().as_str() {
            "ArrowLeft" => step(-1.0, 0.0),
            "ArrowRight" => step(1.0, 0.0),
            "ArrowUp" => step(0.0, -1.0),
            "ArrowDown" => step(0.0, 1.0),
            "+" | "=" => Box::new(|v| v.zoom(-KEY_ZOOM_UNITS)),
            "-" | "_" => Box::new(|v| v.zoom(KEY_ZOOM_UNITS)),
            "r" | "R" | "Home" => Box::new(Viewer::reset_view),
            _ => return,
        };
        event.prevent_default();
        self.scene.update(action);
    }
}

/// Touch needs gesture tracking; mouse and pen report movement deltas
/// themselves (as do synthetic events with no pointer type).
fn is_touch(event: &PointerEvent) -> bool {
    event.pointer_type() == "touch"
}

fn position(event: &PointerEvent) -> [f32; 2] {
    [event.client_x() as f32, event.client_y() as f32]
}
