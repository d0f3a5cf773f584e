//! Triangulating the inside of the outline on a regular grid, marching-squares
//! style, with the grid spacing searched so the final solid lands on the
//! requested triangle count.
//!
//! Grid corners inside the outline become surface vertices; where a grid edge
//! crosses the outline a rim vertex is placed at the interpolated zero, so the
//! rim is smooth rather than stair-stepped. Each cell's inside part is one or
//! two convex polygons (see [`crate::cell`]), fanned into triangles.

use crate::InflateError;
use crate::cell::{Item, for_each_polygon};
use crate::field::SignedField;
use crate::mask::Bounds;

/// Fewest triangles a model gets, whatever was asked: below this the
/// silhouette is no longer recognisable.
const MIN_TRIANGLES: u32 = 1_000;

/// Most triangles a model gets: the top of the range the API offers, and
/// about 64 MB of GLB, which a browser still loads comfortably.
const MAX_TRIANGLES: u32 = 2_000_000;

/// Relative miss at which the spacing search stops: well inside the ±10 %
/// promised, so the last adjustment never has to be a lucky one.
const SEARCH_TOLERANCE: f64 = 0.02;

/// Spacing adjustments tried before settling for the closest count seen; the
/// count follows 1/spacing² closely, so three or four normally suffice.
const MAX_SEARCH_ROUNDS: usize = 12;

/// Cap on grid samples, which bounds one counting pass to roughly a tenth of
/// a second. Only a sparse, spindly subject asked for the maximum triangle
/// count comes near it (its bounding box is mostly empty), and it then gets
/// fewer triangles rather than an unbounded search.
const MAX_GRID_SAMPLES: f64 = 16_000_000.0;

/// Empty space around the subject's bounding box, in pixels, before the grid
/// starts: the field is negative there, so the grid border lies outside.
const MARGIN_PX: f32 = 1.0;

/// The field value forced onto the grid's outermost ring: being outside there
/// is what closes every rim, so it is guaranteed rather than left to rounding.
const RING_VALUE: f32 = -0.5;

/// Rim vertices are kept this fraction of a cell away from grid corners, so no
/// triangle collapses to zero area (which would leave its normal undefined).
const CROSSING_MARGIN: f32 = 0.02;

/// Marks a grid corner or edge without a vertex.
const NONE: u32 = u32::MAX;

/// One side (the front) of the solid, in image coordinates.
pub(crate) struct Planar {
    /// Vertex positions in image pixels.
    pub(crate) points: Vec<[f32; 2]>,
    /// Half-thickness at each vertex; zero on the rim.
    pub(crate) heights: Vec<f32>,
    /// Whether the vertex lies on the outline (shared by front and back).
    pub(crate) rim: Vec<bool>,
    /// Triangles with positive signed area in image coordinates (clockwise
    /// on screen, where y points down).
    pub(crate) triangles: Vec<[u32; 3]>,
}

/// Triangulates the field's inside so the closed solid made from it (two
/// triangles per planar one) has close to `target` triangles.
pub(crate) fn triangulate(
    field: &SignedField,
    bounds: Bounds,
    target: u32,
) -> Result<Planar, InflateError> {
    let too_thin = || InflateError::NoSubject("the subject is too thin to inflate".into());
    if field.positive_area() == 0 {
        return Err(too_thin());
    }
    // The solid has a front and a back, so each side gets half the target.
    let per_side = f64::from(target.clamp(MIN_TRIANGLES, MAX_TRIANGLES)) / 2.0;
    // A whole cell makes two triangles per side.
    let mut step = (2.0 * field.positive_area() as f64 / per_side).sqrt();
    let mut best: Option<(f64, Grid)> = None;
    for _ in 0..MAX_SEARCH_ROUNDS {
        let grid = Grid::covering(bounds, step);
        let count = grid.count_triangles(field) as f64;
        let miss = (count - per_side).abs() / per_side;
        if best.as_ref().is_none_or(|(best_miss, _)| miss < *best_miss) {
            best = Some((miss, grid));
        }
        if miss <= SEARCH_TOLERANCE {
            break;
        }
        step = if count == 0.0 {
            grid.step / 2.0
        } else {
            grid.step * (count / per_side).sqrt()
        };
    }
    let planar = best.ok_or_else(too_thin)?.1.build(field);
    if planar.triangles.is_empty() {
        return Err(too_thin());
    }
    Ok(planar)
}

/// A regular grid of square cells over the subject's bounding box.
#[derive(Clone, Copy)]
struct Grid {
    origin: [f32; 2],
    step: f64,
    cells_x: usize,
    cells_y: usize,
}

impl Grid {
    /// The grid of spacing `step` (or the next coarser one that fits the
    /// sample cap) covering `bounds` with a margin.
    fn covering(bounds: Bounds, step: f64) -> Self {
        let mut step = step.max(f64::MIN_POSITIVE);
        loop {
            let margin = f64::from(MARGIN_PX) + step;
            let span_x = f64::from(bounds.max_x - bounds.min_x) + 2.0 * margin;
            let span_y = f64::from(bounds.max_y - bounds.min_y) + 2.0 * margin;
            let (cells_x, cells_y) = ((span_x / step).ceil(), (span_y / step).ceil());
            if (cells_x + 1.0) * (cells_y + 1.0) <= MAX_GRID_SAMPLES {
                return Self {
                    origin: [
                        (f64::from(bounds.min_x) - margin) as f32,
                        (f64::from(bounds.min_y) - margin) as f32,
                    ],
                    step,
                    cells_x: cells_x as usize,
                    cells_y: cells_y as usize,
                };
            }
            step *= 1.25;
        }
    }

    fn point(&self, i: usize, j: usize) -> [f32; 2] {
        [
            self.origin[0] + (i as f64 * self.step) as f32,
            self.origin[1] + (j as f64 * self.step) as f32,
        ]
    }

    /// Field values along grid row `j`, with the outermost ring forced outside.
    fn sample_row(&self, field: &SignedField, j: usize, out: &mut Vec<f32>) {
        out.clear();
        let border_row = j == 0 || j == self.cells_y;
        out.extend((0..=self.cells_x).map(|i| {
            let [x, y] = self.point(i, j);
            let value = field.sample(x, y);
            if border_row || i == 0 || i == self.cells_x {
                value.min(RING_VALUE)
            } else {
                value
            }
        }));
    }

    /// Triangles one side would get, without building anything.
    fn count_triangles(&self, field: &SignedField) -> u64 {
        let (mut above, mut below) = (Vec::new(), Vec::new());
        self.sample_row(field, 0, &mut above);
        let mut count = 0u64;
        for j in 0..self.cells_y {
            self.sample_row(field, j + 1, &mut below);
            for i in 0..self.cells_x {
                let cell = [above[i], above[i + 1], below[i + 1], below[i]];
                for_each_polygon(cell, |polygon| count += polygon.len() as u64 - 2);
            }
            std::mem::swap(&mut above, &mut below);
        }
        count
    }

    /// The front-side triangulation, built a row of cells at a time so only
    /// two rows of lookup tables are ever held.
    fn build(&self, field: &SignedField) -> Planar {
        let mut planar = Planar {
            points: Vec::new(),
            heights: Vec::new(),
            rim: Vec::new(),
            triangles: Vec::new(),
        };
        let mut above = RowVertices::default();
        let mut below = RowVertices::default();
        above.fill(self, field, 0, &mut planar);
        // Rim vertices on the vertical grid edges between the two rows.
        let mut verticals = Vec::new();
        for j in 0..self.cells_y {
            below.fill(self, field, j + 1, &mut planar);
            verticals.clear();
            for i in 0..=self.cells_x {
                let (a, b) = (above.values[i], below.values[i]);
                verticals.push(crossing(
                    &mut planar,
                    self.point(i, j),
                    self.point(i, j + 1),
                    a,
                    b,
                ));
            }
            for i in 0..self.cells_x {
                let cell = [
                    above.values[i],
                    above.values[i + 1],
                    below.values[i + 1],
                    below.values[i],
                ];
                let vertex = |item: Item| match item {
                    Item::Corner(0) => above.corners[i],
                    Item::Corner(1) => above.corners[i + 1],
                    Item::Corner(2) => below.corners[i + 1],
                    Item::Corner(_) => below.corners[i],
                    Item::Side(0) => above.sides[i],
                    Item::Side(1) => verticals[i + 1],
                    Item::Side(2) => below.sides[i],
                    Item::Side(_) => verticals[i],
                };
                for_each_polygon(cell, |polygon| {
                    let first = vertex(polygon[0]);
                    for pair in polygon[1..].windows(2) {
                        planar
                            .triangles
                            .push([first, vertex(pair[0]), vertex(pair[1])]);
                    }
                });
            }
            std::mem::swap(&mut above, &mut below);
        }
        planar
    }
}

/// Field values and vertex indices along one grid row.
#[derive(Default)]
struct RowVertices {
    values: Vec<f32>,
    /// Vertex at each grid corner, or `NONE` outside.
    corners: Vec<u32>,
    /// Rim vertex on each horizontal edge, or `NONE` where it does not cross.
    sides: Vec<u32>,
}

impl RowVertices {
    fn fill(&mut self, grid: &Grid, field: &SignedField, j: usize, planar: &mut Planar) {
        grid.sample_row(field, j, &mut self.values);
        self.corners.clear();
        for (i, &value) in self.values.iter().enumerate() {
            let index = if value > 0.0 {
                push_vertex(planar, grid.point(i, j), field.height(value), false)
            } else {
                NONE
            };
            self.corners.push(index);
        }
        self.sides.clear();
        for i in 0..grid.cells_x {
            let (a, b) = (self.values[i], self.values[i + 1]);
            let side = crossing(planar, grid.point(i, j), grid.point(i + 1, j), a, b);
            self.sides.push(side);
        }
    }
}

/// The rim vertex where the field changes sign between `p` (value `a`) and
/// `q` (value `b`), or `NONE` when it does not.
fn crossing(planar: &mut Planar, p: [f32; 2], q: [f32; 2], a: f32, b: f32) -> u32 {
    if (a > 0.0) == (b > 0.0) {
        return NONE;
    }
    // Signs differ, so `a - b` is non-zero and `t` lies in [0, 1].
    let t = (a / (a - b)).clamp(CROSSING_MARGIN, 1.0 - CROSSING_MARGIN);
    let point = [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
    push_vertex(planar, point, 0.0, true)
}

fn push_vertex(planar: &mut Planar, point: [f32; 2], height: f32, rim: bool) -> u32 {
    // At most (cells + 1)² corners plus two crossings each, and the sample
    // cap keeps that far below u32::MAX.
    let index = planar.points.len() as u32;
    planar.points.push(point);
    planar.heights.push(height);
    planar.rim.push(rim);
    index
}
