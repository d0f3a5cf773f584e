//! Orbit, pan and zoom around the model, as plain functions on the camera so
//! mouse, touch and keyboard input share one behaviour.

use three_d::{Camera, InnerSpace, Vec3};

/// Radians of orbit per pixel of pointer movement.
const ORBIT_PER_PIXEL: f32 = 0.008;
/// Fraction of the distance to zoom per wheel "line" (browsers report ~100
/// per notch in pixel mode, so this is scaled by 1/100 below).
const ZOOM_PER_WHEEL_UNIT: f32 = 0.0015;

/// Where the camera may orbit: around `target`, between the two distances.
#[derive(Debug, Clone, Copy)]
pub struct OrbitBounds {
    /// The point the camera orbits and zooms towards.
    pub target: Vec3,
    /// Closest zoom, so the camera never passes through the model.
    pub min_distance: f32,
    /// Farthest zoom, so the model never shrinks to nothing.
    pub max_distance: f32,
}

/// Turns the camera around the target by a pointer movement in pixels.
pub fn orbit(camera: &mut Camera, bounds: &OrbitBounds, dx_px: f32, dy_px: f32) {
    camera.rotate_around_with_fixed_up(
        bounds.target,
        dx_px * ORBIT_PER_PIXEL,
        dy_px * ORBIT_PER_PIXEL,
    );
}

/// Turns the camera `radians` around the vertical axis through the target.
pub fn spin(camera: &mut Camera, bounds: &OrbitBounds, radians: f32) {
    camera.rotate_around_with_fixed_up(bounds.target, radians, 0.0);
}

/// Moves camera and target together across the view plane, so the model
/// slides under the pointer at the target's depth.
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
}

/// Positive `wheel_delta` (wheel pulled towards the user) zooms out.
pub fn zoom(camera: &mut Camera, bounds: &OrbitBounds, wheel_delta: f32) {
    zoom_by(camera, bounds, (-wheel_delta * ZOOM_PER_WHEEL_UNIT).exp());
}

/// Divides the distance to the target by `factor` (above 1 moves closer),
/// as a pinch that spreads the fingers `factor` times apart does.
pub fn zoom_by(camera: &mut Camera, bounds: &OrbitBounds, factor: f32) {
    if !factor.is_finite() || factor <= 0.0 {
        return;
    }
    let distance = (camera.position() - bounds.target).magnitude();
    let amount = distance * (1.0 - 1.0 / factor);
    camera.zoom_towards(
        bounds.target,
        amount,
        bounds.min_distance,
        bounds.max_distance,
    );
}

/// Vertical field of view of the perspective camera.
pub const FIELD_OF_VIEW_DEGREES: f32 = 40.0;

/// Puts the camera where a sphere of `radius` around `center` fills the view,
/// looking slightly down on it from the front.
pub fn frame(camera: &mut Camera, center: Vec3, radius: f32) -> OrbitBounds {
    let half_fov = (FIELD_OF_VIEW_DEGREES / 2.0).to_radians();
    let distance = radius / half_fov.sin() * 1.1;
    let direction = Vec3::new(0.35, 0.3, 1.0).normalize();
    camera.set_view(center + direction * distance, center, Vec3::unit_y());
    camera.set_perspective_projection(
        three_d::degrees(FIELD_OF_VIEW_DEGREES),
        distance / 100.0,
        distance * 100.0,
    );
    OrbitBounds {
        target: center,
        min_distance: radius * 0.2,
        max_distance: distance * 20.0,
    }
}
