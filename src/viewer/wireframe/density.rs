//! How crowded the wireframe is on screen at the current zoom, and so how
//! strongly to draw it. A 500k-triangle mesh seen whole has edges a pixel
//! or two apart: drawn at full strength they cover every pixel several
//! times and the model turns into a dark blob. Measured per frame from a
//! fixed sample of triangles projected with the current camera, so
//! zooming in brings the lines back as soon as they have room.

use three_d::{Camera, Mat4, Vec3, Vec4};

/// Triangles sampled per model: enough for a coverage estimate stable to
/// a few percent, and projecting them costs well under a millisecond.
const SAMPLED_TRIANGLES: usize = 4096;
/// Fewer sampled triangles than this facing the camera in view means the
/// view holds only a small share of the mesh: zoomed in so far that the
/// edges have plenty of room.
const MIN_TRIANGLES_IN_VIEW: usize = 16;
/// Line opacity when the edges have room.
const LINE_ALPHA: f32 = 0.45;
/// The most the lines may darken the model on average (opacity × share of
/// the surface's pixels they cover). Full-strength lines stay within it
/// down to edges about 6 px apart; denser meshes get fainter lines.
const MAX_DARKENING: f32 = 0.25;
/// Below this opacity lines only tint the model, so they are not drawn
/// (edges under about half a pixel apart).
const MIN_VISIBLE_ALPHA: f32 = 0.03;

/// How the wireframe overlay shows at the current zoom, for the page to
/// explain (e.g. in a tooltip on the wireframe control).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WireframeState {
    /// Not shown: another display mode, or no model.
    Off,
    /// The edges are still being found (a few frames on large meshes).
    Preparing,
    /// Every edge drawn at full strength.
    Clear,
    /// Drawn fainter: the edges lie only a few pixels apart on screen, so
    /// full-strength lines would turn the model into a dark blob. Zooming
    /// in makes them stronger.
    Faded,
    /// Not drawn: the edges lie under a pixel apart at this zoom. Zooming
    /// in brings them back.
    Hidden,
}

impl WireframeState {
    /// A stable identifier for tests and styling (e.g. `data-wireframe`).
    pub fn key(self) -> &'static str {
        match self {
            WireframeState::Off => "off",
            WireframeState::Preparing => "preparing",
            WireframeState::Clear => "clear",
            WireframeState::Faded => "faded",
            WireframeState::Hidden => "hidden",
        }
    }

    /// A sentence for the user when the wireframe does not show every edge
    /// at full strength; `None` when there is nothing to explain.
    pub fn explanation(self) -> Option<&'static str> {
        match self {
            WireframeState::Faded => Some(
                "This mesh is dense: at this zoom its edges are only a few pixels \
                 apart, so the wireframe is drawn faintly to keep the model readable. \
                 Zoom in to see the edges clearly.",
            ),
            WireframeState::Hidden => Some(
                "This mesh is so dense that its edges are under a pixel apart at this \
                 zoom, so the wireframe is hidden. Zoom in to see the edges.",
            ),
            WireframeState::Off | WireframeState::Preparing | WireframeState::Clear => None,
        }
    }
}

/// How many triangles to step over between samples, for a model of
/// `triangles` triangles in all.
pub(super) fn sample_stride(triangles: usize) -> usize {
    triangles.div_ceil(SAMPLED_TRIANGLES).max(1)
}

/// Every `stride`-th triangle of one part (its `positions`, triangle-list
/// `indices` and `transformation`), in world space.
pub(super) fn sample_triangles(
    positions: &[Vec3],
    indices: &[u32],
    transformation: Mat4,
    stride: usize,
) -> Vec<[Vec3; 3]> {
    let world = |index: u32| {
        let p = *positions.get(index as usize)?;
        Some((transformation * p.extend(1.0)).truncate())
    };
    indices
        .chunks_exact(3)
        .step_by(stride)
        .filter_map(|t| Some([world(t[0])?, world(t[1])?, world(t[2])?]))
        .collect()
}

/// A few thousand of the model's triangles, in world space.
pub(super) struct TriangleSample(Vec<[Vec3; 3]>);

impl TriangleSample {
    pub fn new(triangles: Vec<[Vec3; 3]>) -> Self {
        Self(triangles)
    }

    /// Pixels of 1-px line per pixel of visible surface: the sampled
    /// triangles' half perimeters (each edge is shared by two triangles)
    /// over their areas, on screen, counting those in view and facing the
    /// camera (counter-clockwise, as glTF front faces are; the far side of
    /// the model is hidden and would count its edges as crowded). `None`
    /// when too few are in view to tell.
    fn coverage(&self, camera: &Camera) -> Option<f32> {
        let view_projection = camera.projection() * camera.view();
        let viewport = camera.viewport();
        let half = (viewport.width as f32 / 2.0, viewport.height as f32 / 2.0);
        // Device pixels from the viewport's centre.
        let project = |p: Vec3| -> Option<(f32, f32)> {
            let clip: Vec4 = view_projection * p.extend(1.0);
            (clip.w > f32::EPSILON).then(|| (clip.x / clip.w * half.0, clip.y / clip.w * half.1))
        };
        let in_view = |(x, y): (f32, f32)| x.abs() <= half.0 && y.abs() <= half.1;
        let length = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
        let (mut lines, mut area, mut counted) = (0.0, 0.0, 0);
        for [a, b, c] in &self.0 {
            let (Some(a), Some(b), Some(c)) = (project(*a), project(*b), project(*c)) else {
                continue;
            };
            let facing_area = ((b.0 - a.0) * (c.1 - a.1) - (c.0 - a.0) * (b.1 - a.1)) / 2.0;
            if facing_area <= 0.0 || !(in_view(a) || in_view(b) || in_view(c)) {
                continue;
            }
            lines += (length(a, b) + length(b, c) + length(c, a)) / 2.0;
            area += facing_area;
            counted += 1;
        }
        (counted >= MIN_TRIANGLES_IN_VIEW && area > 0.0).then(|| lines / area)
    }

    /// The line opacity for the current view, and the state it puts the
    /// wireframe in.
    pub fn legibility(&self, camera: &Camera) -> (f32, WireframeState) {
        let Some(coverage) = self.coverage(camera) else {
            return (LINE_ALPHA, WireframeState::Clear);
        };
        let alpha = (MAX_DARKENING / coverage).min(LINE_ALPHA);
        let state = if alpha >= LINE_ALPHA {
            WireframeState::Clear
        } else if alpha < MIN_VISIBLE_ALPHA {
            WireframeState::Hidden
        } else {
            WireframeState::Faded
        };
        (alpha, state)
    }
}
