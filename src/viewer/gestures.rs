//! Turns touch pointers into camera moves: one finger orbits, two fingers
//! pinch to zoom and move together to pan. Pure bookkeeping over pointer ids
//! and positions, so the rules are testable without a browser.

/// Most pointers tracked at once; a third finger is ignored rather than
/// turning the pinch into something unpredictable.
const MAX_POINTERS: usize = 2;

/// A camera move derived from pointer motion, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gesture {
    /// Turn around the target.
    Orbit { dx: f32, dy: f32 },
    /// Slide the view and scale the distance (`zoom` above 1 moves closer).
    PanZoom { dx: f32, dy: f32, zoom: f32 },
}

/// The pointers currently down on the canvas.
#[derive(Debug, Default)]
pub struct Gestures {
    pointers: Vec<(i32, [f32; 2])>,
}

impl Gestures {
    /// A pointer touched down at `at`.
    pub fn down(&mut self, id: i32, at: [f32; 2]) {
        if self.pointers.len() < MAX_POINTERS && !self.pointers.iter().any(|(p, _)| *p == id) {
            self.pointers.push((id, at));
        }
    }

    /// A pointer lifted or was cancelled.
    pub fn up(&mut self, id: i32) {
        self.pointers.retain(|(p, _)| *p != id);
    }

    /// A tracked pointer moved to `at`; returns the resulting camera move.
    pub fn moved(&mut self, id: i32, at: [f32; 2]) -> Option<Gesture> {
        let before = self.pointers.clone();
        let slot = self.pointers.iter_mut().find(|(p, _)| *p == id)?;
        slot.1 = at;
        match (before.as_slice(), self.pointers.as_slice()) {
            ([(_, old)], [(_, new)]) => Some(Gesture::Orbit {
                dx: new[0] - old[0],
                dy: new[1] - old[1],
            }),
            ([(_, a0), (_, b0)], [(_, a1), (_, b1)]) => {
                let (m0, m1) = (midpoint(*a0, *b0), midpoint(*a1, *b1));
                let (d0, d1) = (distance(*a0, *b0), distance(*a1, *b1));
                Some(Gesture::PanZoom {
                    dx: m1[0] - m0[0],
                    dy: m1[1] - m0[1],
                    // Fingers that start on the same spot give no scale.
                    zoom: if d0 > 1.0 { d1 / d0 } else { 1.0 },
                })
            }
            _ => None,
        }
    }
}

fn midpoint(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}
