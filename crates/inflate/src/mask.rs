//! A binary subject mask and the clean-up steps segmentation needs.

use image::RgbaImage;

/// Alpha at or above this counts as subject: the midpoint, so a soft
/// anti-aliased cut-out edge splits evenly between inside and outside.
pub(crate) const ALPHA_THRESHOLD: u8 = 128;

/// One flag per pixel, row-major: `true` for subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mask {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) inside: Vec<bool>,
}

/// Pixel-edge bounding box of the subject, in image coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bounds {
    pub(crate) min_x: f32,
    pub(crate) min_y: f32,
    pub(crate) max_x: f32,
    pub(crate) max_y: f32,
}

impl Mask {
    /// The subject as stored in an image's alpha channel.
    pub(crate) fn from_alpha(image: &RgbaImage) -> Self {
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            inside: image.pixels().map(|p| p[3] >= ALPHA_THRESHOLD).collect(),
        }
    }

    /// Number of subject pixels.
    pub(crate) fn area(&self) -> usize {
        self.inside.iter().filter(|&&inside| inside).count()
    }

    /// Share of the image covered by the subject, in `0..=1`.
    pub(crate) fn coverage(&self) -> f64 {
        let total = self.inside.len();
        if total == 0 {
            return 0.0;
        }
        self.area() as f64 / total as f64
    }

    /// Bounding box of the subject pixels; `None` when there are none.
    pub(crate) fn bounds(&self) -> Option<Bounds> {
        let mut bounds: Option<(usize, usize, usize, usize)> = None;
        for (i, _) in self
            .inside
            .iter()
            .enumerate()
            .filter(|(_, inside)| **inside)
        {
            let (x, y) = (i % self.width, i / self.width);
            bounds = Some(match bounds {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            });
        }
        bounds.map(|(x0, y0, x1, y1)| Bounds {
            min_x: x0 as f32,
            min_y: y0 as f32,
            max_x: (x1 + 1) as f32,
            max_y: (y1 + 1) as f32,
        })
    }

    /// Keeps only the largest 4-connected subject region: specks of noise
    /// and stray fragments would otherwise become separate floating solids.
    pub(crate) fn keep_largest_component(&mut self) {
        const UNLABELLED: u32 = 0;
        let mut labels = vec![UNLABELLED; self.inside.len()];
        let mut stack = Vec::new();
        let (mut next_label, mut best_label, mut best_size) = (1u32, UNLABELLED, 0usize);
        for start in 0..self.inside.len() {
            if !self.inside[start] || labels[start] != UNLABELLED {
                continue;
            }
            labels[start] = next_label;
            stack.push(start);
            let mut size = 0;
            while let Some(i) = stack.pop() {
                size += 1;
                for n in self.neighbours(i) {
                    if self.inside[n] && labels[n] == UNLABELLED {
                        labels[n] = next_label;
                        stack.push(n);
                    }
                }
            }
            if size > best_size {
                (best_label, best_size) = (next_label, size);
            }
            next_label += 1;
        }
        for (inside, label) in self.inside.iter_mut().zip(&labels) {
            *inside = *label == best_label && best_label != UNLABELLED;
        }
    }

    /// Marks as subject every background region that does not reach the
    /// image border: in a photo these are pinholes where the subject's own
    /// colour happened to match the background.
    pub(crate) fn fill_holes(&mut self) {
        let outside = self.border_connected(|inside| !inside);
        for (inside, outside) in self.inside.iter_mut().zip(outside) {
            *inside = !outside;
        }
    }

    /// Pixels reachable from the border through pixels whose flag passes
    /// `passable`.
    fn border_connected(&self, passable: impl Fn(bool) -> bool) -> Vec<bool> {
        let mut reached = vec![false; self.inside.len()];
        let mut stack: Vec<usize> = self
            .border_pixels()
            .filter(|&i| passable(self.inside[i]))
            .collect();
        for &i in &stack {
            reached[i] = true;
        }
        while let Some(i) = stack.pop() {
            for n in self.neighbours(i) {
                if !reached[n] && passable(self.inside[n]) {
                    reached[n] = true;
                    stack.push(n);
                }
            }
        }
        reached
    }

    /// Indices of the outermost ring of pixels (corners may repeat).
    pub(crate) fn border_pixels(&self) -> impl Iterator<Item = usize> + '_ {
        border_ring(self.width, self.height)
    }

    /// The 4-neighbours of pixel `i` that lie inside the image.
    pub(crate) fn neighbours(&self, i: usize) -> impl Iterator<Item = usize> {
        neighbours_4(self.width, self.height, i)
    }
}

/// Indices of the outermost ring of a `width` × `height` grid, walked
/// clockwise from the top-left corner, so consecutive items are adjacent
/// pixels.
pub(crate) fn border_ring(width: usize, height: usize) -> impl Iterator<Item = usize> {
    // An empty grid has no ring; zeroing both sides keeps every range empty
    // and every index expression from underflowing.
    let (w, h) = if width == 0 || height == 0 {
        (0, 0)
    } else {
        (width, height)
    };
    let top = 0..w;
    let right = (1..h).map(move |y| y * w + w - 1);
    let bottom = (0..w.saturating_sub(1)).rev().map(move |x| (h - 1) * w + x);
    let left = (1..h.saturating_sub(1)).rev().map(move |y| y * w);
    top.chain(right).chain(bottom).chain(left)
}

/// The 4-neighbours of pixel `i` in a `width` × `height` grid.
pub(crate) fn neighbours_4(width: usize, height: usize, i: usize) -> impl Iterator<Item = usize> {
    let (x, y) = (i % width, i / width);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < width).then(|| i + 1),
        (y > 0).then(|| i - width),
        (y + 1 < height).then(|| i + width),
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(rows: &[&str]) -> Mask {
        Mask {
            width: rows[0].len(),
            height: rows.len(),
            inside: rows
                .iter()
                .flat_map(|r| r.bytes().map(|b| b == b'#'))
                .collect(),
        }
    }

    #[test]
    fn largest_component_wins_and_holes_fill() {
        let mut m = mask(&[
            "#.......", //
            "..####..", //
            "..#..#..", //
            "..####.#", //
        ]);
        m.keep_largest_component();
        assert_eq!(m.area(), 10);
        m.fill_holes();
        assert_eq!(
            m,
            mask(&[
                "........", //
                "..####..", //
                "..####..", //
                "..####..", //
            ])
        );
        let b = m.bounds();
        assert_eq!(
            b,
            Some(Bounds {
                min_x: 2.0,
                min_y: 1.0,
                max_x: 6.0,
                max_y: 4.0
            })
        );
    }

    #[test]
    fn border_ring_walks_adjacent_pixels_once_around() {
        let ring: Vec<usize> = border_ring(4, 3).collect();
        assert_eq!(ring, vec![0, 1, 2, 3, 7, 11, 10, 9, 8, 4]);
        assert_eq!(border_ring(1, 1).collect::<Vec<_>>(), vec![0]);
        assert_eq!(border_ring(0, 5).count(), 0);
    }
}
