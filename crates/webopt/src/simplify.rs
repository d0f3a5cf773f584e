//! The coarse level's geometry: meshoptimizer's simplifier, which keeps
//! UV seams and borders intact, with its sloppy variant as a last resort
//! when topology stops it short of the target.

use meshopt::SimplifyOptions;

use crate::geometry::reorder;
use crate::input::Primitive;

/// No error limit (relative to the mesh's extent): the coarse level is a
/// placeholder shown for a second, so the triangle budget decides.
const ANY_ERROR: f32 = 1.0;
/// How far over its target the careful simplifier may land before the
/// sloppy one is used instead.
const TARGET_SLACK: f32 = 1.1;
/// Fewest triangles a simplified primitive keeps, so small parts of a
/// model do not vanish.
const MIN_TRIANGLES: usize = 16;

/// `primitive` with about `fraction` of its triangles, reordered for
/// compression.
pub fn simplify(primitive: &Primitive, fraction: f32) -> Primitive {
    let triangles = primitive.indices.len() / 3;
    let target = ((triangles as f32 * fraction) as usize).max(MIN_TRIANGLES);
    if target >= triangles {
        return reorder(primitive, &primitive.indices);
    }
    let positions = &primitive.positions;
    let mut indices = meshopt::simplify_decoder(
        &primitive.indices,
        positions,
        target * 3,
        ANY_ERROR,
        SimplifyOptions::None,
        None,
    );
    if indices.len() as f32 > target as f32 * 3.0 * TARGET_SLACK {
        let adapter_bytes: Vec<u8> = positions
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        // Only fails for a stride that does not divide the data; 12 does.
        if let Ok(adapter) = meshopt::VertexDataAdapter::new(&adapter_bytes, 12, 0) {
            indices =
                meshopt::simplify_sloppy(&primitive.indices, &adapter, target * 3, ANY_ERROR, None);
        }
    }
    reorder(primitive, &indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flat grid of `side`² quads.
    fn grid(side: u32) -> Primitive {
        let row = side + 1;
        let positions = (0..row * row)
            .map(|i| {
                [
                    (i % row) as f32,
                    ((i / row) as f32 * 0.3).sin(),
                    (i / row) as f32,
                ]
            })
            .collect();
        let mut indices = Vec::new();
        for y in 0..side {
            for x in 0..side {
                let a = y * row + x;
                indices.extend([a, a + row, a + 1, a + 1, a + row, a + row + 1]);
            }
        }
        Primitive {
            positions,
            indices,
            ..Primitive::default()
        }
    }

    #[test]
    fn simplification_reaches_its_budget() {
        let source = grid(100);
        let coarse = simplify(&source, 0.05);
        let triangles = coarse.indices.len() / 3;
        assert!(
            triangles > 0 && triangles as f32 <= 20_000.0 * 0.05 * TARGET_SLACK,
            "{triangles}"
        );
        assert!(coarse.vertex_count() < source.vertex_count() / 5);
        assert!(
            coarse
                .indices
                .iter()
                .all(|&i| (i as usize) < coarse.vertex_count())
        );
    }
}
