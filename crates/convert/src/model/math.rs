//! The little matrix algebra node transforms need, on glTF's column-major
//! `[[f32; 4]; 4]` (`m[column][row]`).

pub(crate) type Mat4 = [[f32; 4]; 4];

pub(crate) const IDENTITY: Mat4 = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

/// `a · b`: `b` applied first.
pub(crate) fn multiply(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut out = [[0.0; 4]; 4];
    for (column, b_column) in out.iter_mut().zip(b) {
        for (row, value) in column.iter_mut().enumerate() {
            *value = (0..4).map(|k| a[k][row] * b_column[k]).sum();
        }
    }
    out
}

/// `m · (p, 1)`, dropping w (node transforms are affine).
pub(crate) fn transform_point(m: &Mat4, p: [f32; 3]) -> [f32; 3] {
    std::array::from_fn(|row| m[0][row] * p[0] + m[1][row] * p[1] + m[2][row] * p[2] + m[3][row])
}

/// How normals transform under `m`: the cofactor matrix of its linear part
/// (the inverse transpose times the determinant, defined even when `m` is
/// singular), signed so that mirrored transforms keep normals outward.
/// Results must be re-normalised.
pub(crate) struct NormalTransform {
    cofactor: [[f32; 3]; 3],
    /// Whether `m` mirrors (negative determinant): triangle winding must be
    /// reversed to keep faces pointing out.
    pub mirrors: bool,
}

impl NormalTransform {
    pub fn new(m: &Mat4) -> Self {
        let a = |column: usize, row: usize| m[column][row];
        let cofactor: [[f32; 3]; 3] = std::array::from_fn(|column| {
            std::array::from_fn(|row| {
                let (c1, c2) = ((column + 1) % 3, (column + 2) % 3);
                let (r1, r2) = ((row + 1) % 3, (row + 2) % 3);
                a(c1, r1) * a(c2, r2) - a(c2, r1) * a(c1, r2)
            })
        });
        let determinant: f32 = (0..3).map(|row| a(0, row) * cofactor[0][row]).sum();
        let mirrors = determinant < 0.0;
        let sign = if mirrors { -1.0 } else { 1.0 };
        Self {
            cofactor: cofactor.map(|column| column.map(|v| v * sign)),
            mirrors,
        }
    }

    /// The transformed unit normal; `fallback` when `n` degenerates.
    pub fn apply(&self, n: [f32; 3], fallback: [f32; 3]) -> [f32; 3] {
        let c = &self.cofactor;
        let out: [f32; 3] =
            std::array::from_fn(|row| c[0][row] * n[0] + c[1][row] * n[1] + c[2][row] * n[2]);
        normalize(out).unwrap_or(fallback)
    }
}

/// `v` scaled to unit length, unless it is zero or not finite.
pub(crate) fn normalize(v: [f32; 3]) -> Option<[f32; 3]> {
    let length = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    (length.is_finite() && length > 0.0).then(|| v.map(|c| c / length))
}

pub(crate) fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cofactor_of_a_scale_points_normals_the_right_way() {
        let mut m = IDENTITY;
        m[0][0] = 2.0;
        m[1][1] = 4.0;
        let t = NormalTransform::new(&m);
        assert!(!t.mirrors);
        // The plane x + y = 0 stretched more along y than x leans towards
        // the y axis, so its normal leans towards x.
        let n = t.apply([1.0, 1.0, 0.0], [0.0; 3]);
        assert!(n[0] > n[1] && n[1] > 0.0, "{n:?}");
    }

    #[test]
    fn mirroring_is_detected_and_keeps_normals_outward() {
        let mut m = IDENTITY;
        m[0][0] = -1.0;
        let t = NormalTransform::new(&m);
        assert!(t.mirrors);
        assert_eq!(t.apply([1.0, 0.0, 0.0], [0.0; 3]), [-1.0, 0.0, 0.0]);
    }

    #[test]
    fn multiply_applies_the_right_matrix_first() {
        let mut translate = IDENTITY;
        translate[3] = [1.0, 0.0, 0.0, 1.0];
        let mut scale = IDENTITY;
        scale[0][0] = 3.0;
        let m = multiply(&translate, &scale);
        assert_eq!(transform_point(&m, [1.0, 0.0, 0.0]), [4.0, 0.0, 0.0]);
    }
}
