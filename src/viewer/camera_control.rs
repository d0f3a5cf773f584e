//! Orbit, pan and zoom around the model, as plain functions on the camera so
//! mouse, touch, keyboard and shared links share one behaviour. Every move
//! ends in [`OrbitBounds::keep`], which keeps the model framed: the camera
//! stays outside the model's bounding box (so it never enters the mesh) and
//! near enough that the model never shrinks to a dot, and the point it
//! turns around stays on the model.

use three_d::{AxisAlignedBoundingBox, Camera, InnerSpace, Vec3};

/// Radians of orbit per pixel of pointer movement.
const ORBIT_PER_PIXEL: f32 = 0.008;
/// Fraction of the distance to zoom per wheel "line" (browsers report ~100
/// per notch in pixel mode, so this is scaled by 1/100 below).
const ZOOM_PER_WHEEL_UNIT: f32 = 0.0015;
/// Vertical field of view of the perspective camera.
pub const FIELD_OF_VIEW_DEGREES: f32 = 40.0;
/// The framing distance over the near clipping plane's: depth precision
/// for a model seen whole, and a near plane close enough for the closest
/// zoom ([`CLOSEST_GAP`]).
const NEAR_PLANE_DIVISOR: f32 = 100.0;
/// Closest the camera comes to the model's bounding box, as a share of the
/// model's radius: beyond the near plane (1/100 of the framing distance,
/// about 3.5% of the radius, and a little more towards the view's
/// corners), so zooming all the way in never cuts into the surface.
const CLOSEST_GAP: f32 = 0.08;
/// Farthest zoom, as a multiple of the framing distance: the model shrinks
/// to half its framed size at most, never to a dot.
const FARTHEST_ZOOM_OUT: f32 = 2.0;
/// Smallest model radius framed, so a model with no extent (one point)
/// still gets a usable camera.
const MIN_RADIUS: f32 = 1e-3;
/// Largest |cos| between the view direction and +Y a restored view may
/// have: looking straight up or down leaves "up" undefined.
const MAX_VERTICAL_COS: f32 = 0.999;

/// Where the camera may go: around `target`, outside the model's box, at
/// most `max_distance` from the target.
#[derive(Debug, Clone, Copy)]
pub struct OrbitBounds {
    /// The point the camera orbits and zooms towards; always on the model's
    /// bounding box or inside it.
    pub target: Vec3,
    /// The model's bounding box.
    low: Vec3,
    high: Vec3,
    /// Closest distance to the box.
    gap: f32,
    /// Farthest distance from the target.
    max_distance: f32,
}

impl OrbitBounds {
    /// Puts the camera back within bounds after a move: the target onto the
    /// box (the camera shifted with it, so the view direction stays), then
    /// the camera along its view line to an allowed distance.
    fn keep(&mut self, camera: &mut Camera) {
        let target = clamp_to_box(self.target, self.low, self.high);
        let eye = camera.position() + (target - self.target);
        self.target = target;
        let offset = eye - target;
        let distance = offset.magnitude();
        let outwards = if distance > f32::EPSILON {
            offset / distance
        } else {
            -camera.view_direction()
        };
        let closest = exit_distance(target, outwards, self.low, self.high) + self.gap;
        let distance = distance.clamp(closest, self.max_distance.max(closest));
        let up = camera.up();
        camera.set_view(target + outwards * distance, target, up);
    }
}

/// Turns the camera around the target by a pointer movement in pixels.
pub fn orbit(camera: &mut Camera, bounds: &mut OrbitBounds, dx_px: f32, dy_px: f32) {
    camera.rotate_around_with_fixed_up(
        bounds.target,
        dx_px * ORBIT_PER_PIXEL,
        dy_px * ORBIT_PER_PIXEL,
    );
    // Close to a long side, turning to face an end moves the camera out.
    bounds.keep(camera);
}

/// Turns the camera `radians` around the vertical axis through the target.
pub fn spin(camera: &mut Camera, bounds: &mut OrbitBounds, radians: f32) {
    orbit(camera, bounds, radians / ORBIT_PER_PIXEL, 0.0);
}

/// Moves camera and target together across the view plane, so the model
/// slides under the pointer at the target's depth, until the target
/// reaches the edge of the model.
pub fn pan(camera: &mut Camera, bounds: &mut OrbitBounds, dx_px: f32, dy_px: f32) {
    let viewport = camera.viewport();
    let distance = (camera.position() - bounds.target).magnitude();
    let world_per_px = 2.0 * distance * (FIELD_OF_VIEW_DEGREES.to_radians() / 2.0).tan()
        / viewport.height.max(1) as f32;
    let right = camera.right_direction().normalize();
    let up = camera.up_orthogonal().normalize();
    let shift = (-dx_px * right + dy_px * up) * world_per_px;
    bounds.target += shift;
    camera.translate(shift);
    bounds.keep(camera);
}

/// Positive `wheel_delta` (wheel pulled towards the user) zooms out.
pub fn zoom(camera: &mut Camera, bounds: &mut OrbitBounds, wheel_delta: f32) {
    zoom_by(camera, bounds, (-wheel_delta * ZOOM_PER_WHEEL_UNIT).exp());
}

/// Divides the distance to the target by `factor` (above 1 moves closer),
/// as a pinch that spreads the fingers `factor` times apart does, within
/// the bounds.
pub fn zoom_by(camera: &mut Camera, bounds: &mut OrbitBounds, factor: f32) {
    if !factor.is_finite() || factor <= 0.0 {
        return;
    }
    let (offset, up) = (camera.position() - bounds.target, camera.up());
    camera.set_view(bounds.target + offset / factor, bounds.target, up);
    bounds.keep(camera);
}

/// Shows the view from `eye` towards `target` (a shared link's), moved
/// within `bounds` first: a link can say anything.
pub fn place(camera: &mut Camera, bounds: &mut OrbitBounds, eye: Vec3, target: Vec3) {
    let mut eye = eye;
    let direction = (target - eye).normalize();
    if direction.y.abs() > MAX_VERTICAL_COS {
        // Tilt by the smallest step that leaves "up" defined.
        eye.z += (target - eye).magnitude() * 2.0 * (1.0 - MAX_VERTICAL_COS).sqrt();
    }
    bounds.target = target;
    camera.set_view(eye, target, Vec3::unit_y());
    bounds.keep(camera);
}

/// Puts the camera where the bounding sphere of `model` fills the view,
/// looking slightly down on it from the front, and returns the bounds for
/// moving around it.
pub fn frame(camera: &mut Camera, model: &AxisAlignedBoundingBox) -> OrbitBounds {
    let size = model.size();
    let center = model.center();
    // The sphere around the largest side's cube: every orientation of the
    // model fits in it.
    let radius = (size.x.max(size.y).max(size.z) * 0.5 * 3f32.sqrt()).max(MIN_RADIUS);
    let half_fov = (FIELD_OF_VIEW_DEGREES / 2.0).to_radians();
    let distance = radius / half_fov.sin() * 1.1;
    let direction = Vec3::new(0.35, 0.3, 1.0).normalize();
    camera.set_view(center + direction * distance, center, Vec3::unit_y());
    camera.set_perspective_projection(
        three_d::degrees(FIELD_OF_VIEW_DEGREES),
        distance / NEAR_PLANE_DIVISOR,
        distance * NEAR_PLANE_DIVISOR,
    );
    OrbitBounds {
        target: center,
        low: model.min(),
        high: model.max(),
        gap: radius * CLOSEST_GAP,
        max_distance: distance * FARTHEST_ZOOM_OUT,
    }
}

fn clamp_to_box(point: Vec3, low: Vec3, high: Vec3) -> Vec3 {
    Vec3::new(
        point.x.clamp(low.x, high.x),
        point.y.clamp(low.y, high.y),
        point.z.clamp(low.z, high.z),
    )
}

/// How far the ray from `from` (inside the box) along the unit `direction`
/// goes before leaving the box.
fn exit_distance(from: Vec3, direction: Vec3, low: Vec3, high: Vec3) -> f32 {
    (0..3)
        .filter(|&axis| direction[axis].abs() > f32::EPSILON)
        .map(|axis| {
            let wall = if direction[axis] > 0.0 {
                high[axis]
            } else {
                low[axis]
            };
            (wall - from[axis]) / direction[axis]
        })
        .fold(f32::INFINITY, f32::min)
        .max(0.0)
}
