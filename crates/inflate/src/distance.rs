//! Exact Euclidean distance transform with nearest-seed tracking
//! (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions").
//!
//! Linear in the pixel count, which matters at 1024² where a brute-force or
//! chamfer approach would be either too slow or visibly anisotropic.

/// Stands in for "no seed here". Finite on purpose: the parabola intersection
/// would compute `inf - inf = NaN`, while a huge finite value simply loses to
/// any real seed.
const NO_SEED: f32 = 1e20;

/// Squared distances to, and the index of, the nearest seed pixel.
pub(crate) struct FeatureTransform {
    /// Squared distance from each pixel centre to the nearest seed centre.
    pub(crate) squared: Vec<f32>,
    /// Row-major index of that nearest seed.
    pub(crate) nearest: Vec<u32>,
}

/// Scratch buffers of the 1-D pass, allocated once per transform instead of
/// once per row or column.
struct Scratch {
    input: Vec<f32>,
    output: Vec<f32>,
    arg: Vec<u32>,
    hull: Vec<usize>,
    bounds: Vec<f32>,
}

impl Scratch {
    fn new(len: usize) -> Self {
        Self {
            input: vec![0.0; len],
            output: vec![0.0; len],
            arg: vec![0; len],
            hull: vec![0; len],
            bounds: vec![0.0; len + 1],
        }
    }

    /// Lower envelope of the parabolas rooted at `(q, input[q])`, evaluated at
    /// every sample of the first `n` entries.
    fn transform_1d(&mut self, n: usize) {
        let f = &self.input[..n];
        let (hull, bounds) = (&mut self.hull, &mut self.bounds);
        let mut k = 0;
        hull[0] = 0;
        bounds[0] = f32::NEG_INFINITY;
        bounds[1] = f32::INFINITY;
        for q in 1..n {
            let fq = f[q] + sq(q);
            let intersect = |v: usize| (fq - (f[v] + sq(v))) / (2.0 * (q - v) as f32);
            let mut s = intersect(hull[k]);
            // `bounds[0]` is -inf, so the walk stops at the first parabola at
            // the latest; `k > 0` only makes that visible to the reader.
            while k > 0 && s <= bounds[k] {
                k -= 1;
                s = intersect(hull[k]);
            }
            k += 1;
            hull[k] = q;
            bounds[k] = s;
            bounds[k + 1] = f32::INFINITY;
        }
        k = 0;
        for q in 0..n {
            while bounds[k + 1] < q as f32 {
                k += 1;
            }
            let v = hull[k];
            let dq = q as f32 - v as f32;
            self.output[q] = dq * dq + f[v];
            self.arg[q] = v as u32;
        }
    }
}

fn sq(v: usize) -> f32 {
    let v = v as f32;
    v * v
}

/// Marks a column with no seed above (or below) a pixel.
const NO_ROW: u32 = u32::MAX;

/// Distance transform of a `width` × `height` grid whose seeds are the pixels
/// where `is_seed` holds. With no seed at all every distance is huge and every
/// `nearest` meaningless; callers guarantee at least one seed.
pub(crate) fn feature_transform(
    width: usize,
    height: usize,
    is_seed: impl Fn(usize) -> bool,
) -> FeatureTransform {
    let len = width * height;
    // Columns: with binary seeds the nearest seed along a column is simply the
    // closer of the last one above and the next one below, found by a
    // downward and an upward sweep over whole rows (sequential memory access,
    // unlike a column-by-column pass).
    let mut seed_row = vec![NO_ROW; len];
    let mut last = vec![NO_ROW; width];
    for y in 0..height {
        for (x, last) in last.iter_mut().enumerate() {
            let i = y * width + x;
            if is_seed(i) {
                *last = y as u32;
            }
            seed_row[i] = *last;
        }
    }
    last.fill(NO_ROW);
    for y in (0..height).rev() {
        let y32 = y as u32;
        for (x, below) in last.iter_mut().enumerate() {
            let i = y * width + x;
            let above = seed_row[i];
            // The downward sweep recorded this very row only for a seed.
            if above == y32 {
                *below = y32;
            }
            if *below != NO_ROW && (above == NO_ROW || *below - y32 < y32 - above) {
                seed_row[i] = *below;
            }
        }
    }
    // Rows: the exact lower envelope over the column distances.
    let mut scratch = Scratch::new(width);
    let mut squared = vec![0.0f32; len];
    let mut nearest = vec![0u32; len];
    for y in 0..height {
        let row = y * width..(y + 1) * width;
        for (input, &from) in scratch.input.iter_mut().zip(&seed_row[row.clone()]) {
            *input = if from == NO_ROW {
                NO_SEED
            } else {
                sq(y.abs_diff(from as usize))
            };
        }
        scratch.transform_1d(width);
        squared[row.clone()].copy_from_slice(&scratch.output[..width]);
        for (x, slot) in nearest[row].iter_mut().enumerate() {
            let seed_x = scratch.arg[x] as usize;
            let seed_y = seed_row[y * width + seed_x] as usize;
            *slot = (seed_y * width + seed_x) as u32;
        }
    }
    FeatureTransform { squared, nearest }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all seeds: the reference the fast transform must match.
    fn brute(width: usize, height: usize, seeds: &[(usize, usize)]) -> Vec<f32> {
        (0..width * height)
            .map(|i| {
                let (x, y) = ((i % width) as f32, (i / width) as f32);
                seeds
                    .iter()
                    .map(|&(sx, sy)| (x - sx as f32).powi(2) + (y - sy as f32).powi(2))
                    .fold(f32::INFINITY, f32::min)
            })
            .collect()
    }

    /// Compares the fast transform with brute force, distances and nearest
    /// seeds alike (ties may pick any of the closest seeds).
    fn check(width: usize, height: usize, seeds: &[(usize, usize)]) {
        let is_seed = |i: usize| seeds.contains(&(i % width, i / width));
        let fast = feature_transform(width, height, is_seed);
        let slow = brute(width, height, seeds);
        for (i, &expected) in slow.iter().enumerate() {
            assert_eq!(fast.squared[i], expected, "pixel {i}");
            let n = fast.nearest[i] as usize;
            assert!(is_seed(n), "pixel {i} points at non-seed {n}");
            let (dx, dy) = (
                (i % width) as f32 - (n % width) as f32,
                (i / width) as f32 - (n / width) as f32,
            );
            assert_eq!(dx * dx + dy * dy, expected, "pixel {i} nearest {n}");
        }
    }

    #[test]
    fn sparse_seeds_with_empty_rows_and_columns() {
        check(
            23,
            17,
            &[(0, 0), (22, 3), (7, 9), (8, 9), (15, 16), (3, 14)],
        );
        check(9, 1, &[(4, 0)]);
        check(1, 9, &[(0, 8)]);
    }

    #[test]
    fn dense_scattered_seeds() {
        // About one pixel in eight, scattered by a multiplicative hash.
        let (width, height) = (41, 29);
        let seeds: Vec<(usize, usize)> = (0..width * height)
            .filter(|&i: &usize| (i.wrapping_mul(2_654_435_761) >> 7).is_multiple_of(8))
            .map(|i| (i % width, i / width))
            .collect();
        assert!(seeds.len() > 50);
        check(width, height, &seeds);
    }
}
