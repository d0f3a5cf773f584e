//! Vertex normals for meshes that come without them, as three-d computes
//! them: each triangle's unnormalized face normal (so larger triangles
//! weigh more) added to its corners, then normalized.

use crate::model::Indices;

/// x, y, z per vertex of `positions` (x, y, z per vertex), for the
/// triangles `indices` lists (consecutive vertices when `None`).
pub fn vertex_normals(positions: &[f32], indices: Option<&Indices>) -> Vec<f32> {
    let vertices = positions.len() / 3;
    let mut sums = vec![[0.0f32; 3]; vertices];
    let point = |i: usize| -> Option<[f32; 3]> {
        let p = positions.get(i * 3..i * 3 + 3)?;
        Some([p[0], p[1], p[2]])
    };
    let mut add_triangle = |[a, b, c]: [usize; 3]| {
        let (Some(pa), Some(pb), Some(pc)) = (point(a), point(b), point(c)) else {
            return;
        };
        let (u, v) = (sub(pb, pa), sub(pc, pa));
        let face = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        for corner in [a, b, c] {
            for (sum, f) in sums[corner].iter_mut().zip(face) {
                *sum += f;
            }
        }
    };
    match indices {
        Some(Indices::U8(list)) => triangles(list, &mut add_triangle),
        Some(Indices::U16(list)) => triangles(list, &mut add_triangle),
        Some(Indices::U32(list)) => triangles(list, &mut add_triangle),
        None => (0..vertices / 3).for_each(|t| add_triangle([3 * t, 3 * t + 1, 3 * t + 2])),
    }
    sums.into_iter()
        .flat_map(|n| {
            let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            if length > 0.0 {
                n.map(|c| c / length)
            } else {
                // A vertex of no (or only degenerate) triangles.
                [0.0, 0.0, 1.0]
            }
        })
        .collect()
}

fn triangles<T: Copy + Into<u32>>(list: &[T], add: &mut impl FnMut([usize; 3])) {
    for corners in list.chunks_exact(3) {
        add([0, 1, 2].map(|k| corners[k].into() as usize));
    }
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_quad_faces_up_and_shared_corners_average() {
        // Two triangles of a unit square in the xy plane, counter-clockwise.
        let positions = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        let indices = Indices::U16(vec![0, 1, 2, 0, 2, 3]);
        let normals = vertex_normals(&positions, Some(&indices));
        assert_eq!(normals, [0.0, 0.0, 1.0].repeat(4));

        // A fold: the shared edge's corners lean halfway.
        let folded = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let indices = Indices::U8(vec![0, 1, 2, 0, 3, 1]);
        let normals = vertex_normals(&folded, Some(&indices));
        let half = std::f32::consts::FRAC_1_SQRT_2;
        for (got, want) in normals[..3].iter().zip([0.0, half, half]) {
            assert!((got - want).abs() < 1e-6, "{normals:?}");
        }
    }

    #[test]
    fn unindexed_triangles_and_out_of_range_corners_do_not_panic() {
        let positions = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        assert_eq!(vertex_normals(&positions, None), [0.0, 0.0, -1.0].repeat(3));
        let normals = vertex_normals(&positions, Some(&Indices::U32(vec![0, 1, 9])));
        assert_eq!(normals, [0.0, 0.0, 1.0].repeat(3));
    }
}
