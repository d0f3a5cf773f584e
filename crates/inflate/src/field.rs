//! The signed distance to the silhouette's edge, sampled anywhere in the
//! image plane: positive inside, zero on the outline, negative outside.
//!
//! Its zero level set is the outline the mesh follows, and its positive part
//! drives the inflated height, so one smooth field serves both.

use crate::distance::feature_transform;
use crate::mask::Mask;

/// Background frame added around the image, in pixels, so a subject cut off
/// by the image edge still gets a zero crossing (and a closed rim) there.
const PAD: usize = 1;

/// A pixel centre sits half a pixel from the pixel edge, which is where the
/// outline should run; subtracting this puts the zero on that edge.
const HALF_PIXEL: f32 = 0.5;

/// Signed distance field over the padded image grid.
pub(crate) struct SignedField {
    width: usize,
    height: usize,
    values: Vec<f32>,
    max_depth: f32,
    positive_area: usize,
}

impl SignedField {
    /// The field of `mask`, lightly smoothed so the outline and the surface
    /// do not inherit the pixel staircase.
    pub(crate) fn new(mask: &Mask) -> Self {
        let (width, height) = (mask.width + 2 * PAD, mask.height + 2 * PAD);
        let inside: Vec<bool> = (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                let (Some(mx), Some(my)) = (x.checked_sub(PAD), y.checked_sub(PAD)) else {
                    return false;
                };
                mx < mask.width && my < mask.height && mask.inside[my * mask.width + mx]
            })
            .collect();
        let to_background = feature_transform(width, height, |i| !inside[i]).squared;
        let to_subject = feature_transform(width, height, |i| inside[i]).squared;
        let signed: Vec<f32> = inside
            .iter()
            .zip(to_background.iter().zip(&to_subject))
            .map(|(&inside, (&bg, &fg))| {
                if inside {
                    bg.sqrt() - HALF_PIXEL
                } else {
                    HALF_PIXEL - fg.sqrt()
                }
            })
            .collect();
        let values = binomial_blur(&signed, width, height);
        let max_depth = values.iter().copied().fold(0.0, f32::max);
        let positive_area = values.iter().filter(|&&v| v > 0.0).count();
        Self {
            width,
            height,
            values,
            max_depth,
            positive_area,
        }
    }

    /// Pixels inside the smoothed outline.
    pub(crate) fn positive_area(&self) -> usize {
        self.positive_area
    }

    /// The field at `(x, y)` in image coordinates (pixel edges at integers),
    /// bilinearly interpolated between pixel centres and clamped at the
    /// padded frame, which is background.
    pub(crate) fn sample(&self, x: f32, y: f32) -> f32 {
        // Padded pixel `i` has its centre at image coordinate `i - PAD + 0.5`.
        let gx = (x + PAD as f32 - HALF_PIXEL).clamp(0.0, (self.width - 1) as f32);
        let gy = (y + PAD as f32 - HALF_PIXEL).clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (gx as usize, gy as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (tx, ty) = (gx - x0 as f32, gy - y0 as f32);
        let at = |x: usize, y: usize| self.values[y * self.width + x];
        let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * tx;
        let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * tx;
        top + (bottom - top) * ty
    }

    /// Half-thickness of the inflated solid where the field is `value`.
    ///
    /// `sqrt(d·(2·D − d))` is a circular arc in `d`: a disc of radius `D`
    /// becomes a sphere, and every rim meets the outline vertically, which is
    /// what makes the silhouette read as a rounded object.
    pub(crate) fn height(&self, value: f32) -> f32 {
        let d = value.clamp(0.0, self.max_depth);
        (d * (2.0 * self.max_depth - d)).sqrt()
    }
}

/// Separable [1 2 1]/4 blur with clamped edges. It leaves a straight edge's
/// linear distance ramp exactly where it was while averaging away the ±¼ px
/// wobble a pixel staircase leaves in the zero crossing.
fn binomial_blur(values: &[f32], width: usize, height: usize) -> Vec<f32> {
    let blur = |prev: f32, here: f32, next: f32| 0.25 * prev + 0.5 * here + 0.25 * next;
    let mut rows = vec![0.0; values.len()];
    for y in 0..height {
        let row = &values[y * width..(y + 1) * width];
        for x in 0..width {
            let prev = row[x.saturating_sub(1)];
            let next = row[(x + 1).min(width - 1)];
            rows[y * width + x] = blur(prev, row[x], next);
        }
    }
    let mut out = vec![0.0; values.len()];
    for y in 0..height {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(height - 1));
        for x in 0..width {
            out[y * width + x] = blur(
                rows[up * width + x],
                rows[y * width + x],
                rows[down * width + x],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disc(size: usize, radius: f32) -> Mask {
        let c = size as f32 / 2.0;
        Mask {
            width: size,
            height: size,
            inside: (0..size * size)
                .map(|i| {
                    let (x, y) = ((i % size) as f32 + 0.5, (i / size) as f32 + 0.5);
                    (x - c).hypot(y - c) < radius
                })
                .collect(),
        }
    }

    #[test]
    fn zero_crossing_follows_a_disc_outline_and_height_makes_a_sphere() {
        let field = SignedField::new(&disc(101, 40.0));
        let c = 101.0 / 2.0;
        for k in 0..16 {
            let angle = k as f32 * std::f32::consts::TAU / 16.0;
            let (dx, dy) = (angle.cos(), angle.sin());
            // Walk outwards until the field turns non-positive.
            let r = (0..2000)
                .map(|s| s as f32 * 0.05)
                .find(|&r| field.sample(c + dx * r, c + dy * r) <= 0.0);
            let r = r.unwrap_or(f32::NAN);
            assert!((r - 40.0).abs() < 0.75, "angle {k}: outline at r = {r}");
        }
        let centre = field.height(field.sample(c, c));
        assert!((centre - 40.0).abs() < 1.5, "centre height {centre}");
        let halfway = field.height(field.sample(c + 20.0, c));
        let sphere = (40.0f32 * 40.0 - 20.0 * 20.0).sqrt();
        assert!(
            (halfway - sphere).abs() < 1.5,
            "height {halfway} vs {sphere}"
        );
    }

    #[test]
    fn subject_touching_the_image_edge_still_has_an_outline_there() {
        let full = Mask {
            width: 8,
            height: 8,
            inside: vec![true; 64],
        };
        let field = SignedField::new(&full);
        assert!(field.sample(4.0, 4.0) > 0.0);
        assert!(field.sample(-0.5, 4.0) < 0.0);
        assert!(field.sample(8.5, 8.5) < 0.0);
    }
}
