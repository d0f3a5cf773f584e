//! The poster's viewpoint: a three-quarter view from the front right and a
//! little above, as product shots are framed, zoomed so the model fills
//! most of the frame whatever its proportions.

use crate::model::Model;
use crate::model::math::{cross, dot, normalize, sub};

/// Degrees to the right of the model's front (glTF +Z faces the viewer).
const AZIMUTH_DEGREES: f32 = 30.0;
/// Degrees above the horizon.
const ELEVATION_DEGREES: f32 = 18.0;
/// Camera distance in bounding-sphere radii: a mild perspective, like a
/// 70 mm lens.
const DISTANCE_RADII: f32 = 3.5;
/// Share of the frame the model's silhouette may take along its tighter
/// axis, leaving a margin for link-preview crops.
const FILL: f32 = 0.82;
/// Where light comes from: upper left, in front (camera space).
pub(super) const KEY_LIGHT: [f32; 3] = [-0.45, 0.65, 0.6];
/// Fill light from the right, a little below.
pub(super) const FILL_LIGHT: [f32; 3] = [0.7, -0.1, 0.7];

/// World to screen: `screen(p)` gives pixel x, pixel y and view depth.
pub(super) struct Camera {
    eye: [f32; 3],
    right: [f32; 3],
    up: [f32; 3],
    forward: [f32; 3],
    /// Pixels per unit of projected (x/z, y/z), and the projected point
    /// that lands in the frame's centre.
    scale: f32,
    centre: [f32; 2],
    frame: [f32; 2],
}

impl Camera {
    /// A camera framing every triangle of `model` in a `width` × `height`
    /// image.
    pub fn framing(model: &Model<'_>, width: u32, height: u32) -> Self {
        let (min, max) = model.bounds();
        let target: [f32; 3] = std::array::from_fn(|a| (min[a] + max[a]) / 2.0);
        let radius = (0..3)
            .map(|a| (max[a] - min[a]) / 2.0)
            .map(|h| h * h)
            .sum::<f32>()
            .sqrt()
            .max(f32::MIN_POSITIVE);
        let (azimuth, elevation) = (AZIMUTH_DEGREES.to_radians(), ELEVATION_DEGREES.to_radians());
        let towards_eye = [
            elevation.cos() * azimuth.sin(),
            elevation.sin(),
            elevation.cos() * azimuth.cos(),
        ];
        let eye: [f32; 3] =
            std::array::from_fn(|a| target[a] + towards_eye[a] * DISTANCE_RADII * radius);
        let forward = towards_eye.map(|c| -c);
        let right = normalize(cross(forward, [0.0, 1.0, 0.0])).unwrap_or([1.0, 0.0, 0.0]);
        let up = cross(right, forward);
        let mut camera = Self {
            eye,
            right,
            up,
            forward,
            scale: 1.0,
            centre: [0.0; 2],
            frame: [width as f32, height as f32],
        };
        camera.fit(model);
        camera
    }

    /// Sets scale and centre from the projected extent of the triangles.
    fn fit(&mut self, model: &Model<'_>) {
        let mut low = [f32::INFINITY; 2];
        let mut high = [f32::NEG_INFINITY; 2];
        for part in &model.parts {
            for &i in &part.indices {
                let projected = self.project(part.positions[i as usize]);
                for axis in 0..2 {
                    low[axis] = low[axis].min(projected[axis]);
                    high[axis] = high[axis].max(projected[axis]);
                }
            }
        }
        let span = [high[0] - low[0], high[1] - low[1]].map(|s| s.max(f32::MIN_POSITIVE));
        self.scale = FILL * (self.frame[0] / span[0]).min(self.frame[1] / span[1]);
        self.centre = [(low[0] + high[0]) / 2.0, (low[1] + high[1]) / 2.0];
    }

    /// (x/z, y/z, z) in camera space, y up.
    fn project(&self, p: [f32; 3]) -> [f32; 3] {
        let d = sub(p, self.eye);
        let z = dot(d, self.forward).max(f32::MIN_POSITIVE);
        [dot(d, self.right) / z, dot(d, self.up) / z, z]
    }

    /// Pixel x, pixel y (down), and depth.
    pub fn screen(&self, p: [f32; 3]) -> [f32; 3] {
        let [x, y, z] = self.project(p);
        [
            self.frame[0] / 2.0 + (x - self.centre[0]) * self.scale,
            self.frame[1] / 2.0 - (y - self.centre[1]) * self.scale,
            z,
        ]
    }

    /// A world direction in camera space (x right, y up, z towards the
    /// viewer), for lighting.
    pub fn view_direction(&self, n: [f32; 3]) -> [f32; 3] {
        [dot(n, self.right), dot(n, self.up), -dot(n, self.forward)]
    }
}
