//! Vertex normals: glTF viewers shade with them, and the spec wants them unit
//! length.

/// Used where a vertex has no direction of its own (all its triangles have
/// zero area, or it is in none): glTF still requires a unit vector, and any
/// is as right as another.
const FALLBACK: [f32; 3] = [0.0, 0.0, 1.0];

/// Area-weighted vertex normals: each triangle adds its cross product, whose
/// length is twice its area, so large faces dominate small slivers.
pub(super) fn area_weighted(positions: &[[f32; 3]], indices: &[u32]) -> Vec<[f32; 3]> {
    let mut sums = vec![[0.0f32; 3]; positions.len()];
    for triangle in indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| triangle[k] as usize);
        let (pa, pb, pc) = (positions[a], positions[b], positions[c]);
        let normal = cross(sub(pb, pa), sub(pc, pa));
        for vertex in [a, b, c] {
            for axis in 0..3 {
                sums[vertex][axis] += normal[axis];
            }
        }
    }
    sums.into_iter().map(unit).collect()
}

/// `v` scaled to unit length, or the fallback when it has none.
pub(super) fn unit(v: [f32; 3]) -> [f32; 3] {
    // Dividing by the largest component first keeps tiny vectors from
    // underflowing to zero when squared.
    let largest = v.iter().fold(0.0f32, |m, c| m.max(c.abs()));
    if !largest.is_normal() || !v.iter().all(|c| c.is_finite()) {
        return FALLBACK;
    }
    let scaled = v.map(|c| c / largest);
    let length = scaled.iter().map(|c| c * c).sum::<f32>().sqrt();
    scaled.map(|c| c / length)
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_vertex_normal_leans_towards_the_larger_face() {
        // Two triangles sharing vertex 0: a big one facing +Z, a small one +X.
        let positions = [
            [0.0, 0.0, 0.0],
            [4.0, 0.0, 0.0],
            [0.0, 4.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        let normals = area_weighted(&positions, &[0, 1, 2, 0, 3, 4]);
        let [x, y, z] = normals[0];
        assert!(z > 0.9 && x > 0.0 && y.abs() < 1e-6, "{:?}", normals[0]);
        assert!((x * x + y * y + z * z - 1.0).abs() < 1e-6);
        assert_eq!(normals[1], [0.0, 0.0, 1.0]);
    }

    #[test]
    fn degenerate_and_tiny_vectors_still_come_out_unit() {
        assert_eq!(unit([0.0; 3]), FALLBACK);
        assert_eq!(unit([f32::NAN, 0.0, 0.0]), FALLBACK);
        let tiny = unit([1e-30, 0.0, 1e-30]);
        assert!((tiny[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
    }
}
