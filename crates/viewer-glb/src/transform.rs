//! Node transforms (glTF 2.0 §3.5.3): 4×4 matrices in glTF's column-major
//! order, from a node's `matrix` or its translation, rotation and scale.

use serde_json::Value;

/// A column-major 4×4 matrix, as glTF stores `node.matrix`.
pub type Matrix = [f32; 16];

pub const IDENTITY: Matrix = [
    1.0, 0.0, 0.0, 0.0, //
    0.0, 1.0, 0.0, 0.0, //
    0.0, 0.0, 1.0, 0.0, //
    0.0, 0.0, 0.0, 1.0,
];

/// `a · b`: `b` applied first.
pub fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    std::array::from_fn(|i| {
        let (column, row) = (i / 4, i % 4);
        (0..4).map(|k| a[k * 4 + row] * b[column * 4 + k]).sum()
    })
}

/// Node `node`'s local transform: its `matrix`, or T · R · S from its
/// `translation`, `rotation` (a unit quaternion x, y, z, w) and `scale`;
/// `None` when one of them is not a list of numbers of the right length.
pub fn of_node(node: &Value) -> Option<Matrix> {
    if let Some(matrix) = node.get("matrix") {
        return numbers::<16>(matrix);
    }
    let [tx, ty, tz] = field(node, "translation", [0.0; 3])?;
    let [x, y, z, w] = field(node, "rotation", [0.0, 0.0, 0.0, 1.0])?;
    let [sx, sy, sz] = field(node, "scale", [1.0; 3])?;
    let (xx, yy, zz) = (x * x, y * y, z * z);
    let (xy, xz, yz, xw, yw, zw) = (x * y, x * z, y * z, x * w, y * w, z * w);
    Some([
        (1.0 - 2.0 * (yy + zz)) * sx,
        2.0 * (xy + zw) * sx,
        2.0 * (xz - yw) * sx,
        0.0,
        2.0 * (xy - zw) * sy,
        (1.0 - 2.0 * (xx + zz)) * sy,
        2.0 * (yz + xw) * sy,
        0.0,
        2.0 * (xz + yw) * sz,
        2.0 * (yz - xw) * sz,
        (1.0 - 2.0 * (xx + yy)) * sz,
        0.0,
        tx,
        ty,
        tz,
        1.0,
    ])
}

/// `node[key]`, or `default` when it is absent.
fn field<const N: usize>(node: &Value, key: &str, default: [f32; N]) -> Option<[f32; N]> {
    node.get(key).map_or(Some(default), numbers)
}

/// A JSON list of exactly `N` finite numbers.
fn numbers<const N: usize>(value: &Value) -> Option<[f32; N]> {
    let list = value.as_array().filter(|list| list.len() == N)?;
    let mut out = [0.0; N];
    for (slot, number) in out.iter_mut().zip(list) {
        *slot = Some(number.as_f64()? as f32).filter(|n| n.is_finite())?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Where `matrix` takes the point `p`.
    fn apply(matrix: &Matrix, [x, y, z]: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|row| {
            matrix[row] * x + matrix[4 + row] * y + matrix[8 + row] * z + matrix[12 + row]
        })
    }

    fn close(a: [f32; 3], b: [f32; 3]) -> bool {
        a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5)
    }

    #[test]
    fn translation_rotation_and_scale_apply_scale_first() {
        // A quarter turn about z: x goes to y.
        let half = std::f32::consts::FRAC_1_SQRT_2;
        let node = json!({
            "translation": [10.0, 0.0, 0.0],
            "rotation": [0.0, 0.0, half, half],
            "scale": [2.0, 2.0, 2.0]
        });
        let matrix = of_node(&node).unwrap();
        assert!(close(apply(&matrix, [1.0, 0.0, 0.0]), [10.0, 2.0, 0.0]));
        assert!(close(apply(&matrix, [0.0, 0.0, 1.0]), [10.0, 0.0, 2.0]));
    }

    #[test]
    fn a_node_matrix_is_read_column_major_and_parents_apply_last() {
        let moved = json!({ "matrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1] });
        let scaled = json!({ "scale": [3.0, 3.0, 3.0] });
        let parent = of_node(&moved).unwrap();
        let child = of_node(&scaled).unwrap();
        let placed = multiply(&parent, &child);
        assert!(close(apply(&placed, [1.0, 1.0, 1.0]), [8.0, 9.0, 10.0]));
        assert_eq!(of_node(&json!({})), Some(IDENTITY));
    }

    #[test]
    fn malformed_transforms_are_refused() {
        assert_eq!(of_node(&json!({ "scale": [1.0, 2.0] })), None);
        assert_eq!(of_node(&json!({ "translation": "far" })), None);
        assert_eq!(of_node(&json!({ "matrix": [1, 0, 0] })), None);
    }
}
