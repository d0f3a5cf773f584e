//! Geometry for the web: triangles reordered for the vertex cache,
//! vertices in first-use order (what the meshopt codecs compress best),
//! then `KHR_mesh_quantization` types.

use crate::input::Primitive;

/// Bits of the octahedral normal encoding: about 0.5° of error, below
/// what shading on a TRELLIS mesh shows (gltfpack's default as well).
pub const NORMAL_BITS: i32 = 8;
/// Largest value of a normalized u16.
const U16_MAX: f32 = 65535.0;

/// The box positions are quantized into: `position = offset + step · q`
/// with `q` an unnormalized u16 and `step = scale / 65535`, the node
/// transform that restores them. Integers rather than normalized values:
/// 1/65535 is not exact in floats (KHR_mesh_quantization's own advice),
/// and min/max stay exact integers. One uniform scale keeps normals valid
/// under the node transform. Both levels of a model share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizationBox {
    pub offset: [f32; 3],
    pub scale: f32,
}

impl QuantizationBox {
    /// The smallest cube corner-aligned at the minimum of `primitives`.
    pub fn around<'a>(primitives: impl IntoIterator<Item = &'a Primitive>) -> Self {
        let points = primitives.into_iter().flat_map(|p| &p.positions);
        let (min, max) = points.fold(
            ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]),
            |(mut min, mut max), p| {
                for axis in 0..3 {
                    min[axis] = min[axis].min(p[axis]);
                    max[axis] = max[axis].max(p[axis]);
                }
                (min, max)
            },
        );
        let extent = (0..3).map(|a| max[a] - min[a]).fold(0.0f32, f32::max);
        Self {
            offset: if min[0].is_finite() { min } else { [0.0; 3] },
            scale: if extent > 0.0 { extent } else { 1.0 },
        }
    }

    /// The node scale that turns quantized integers back into positions.
    pub fn step(&self) -> f32 {
        self.scale / U16_MAX
    }

    /// `position` as u16s on the box's grid, padded to 8 bytes (vertex attributes
    /// must start on 4-byte boundaries).
    pub fn quantize(&self, position: [f32; 3]) -> [u16; 4] {
        let q = |axis: usize| unorm16((position[axis] - self.offset[axis]) / self.scale);
        [q(0), q(1), q(2), 0]
    }
}

/// `value` in [0, 1] as a normalized u16, rounded.
pub fn unorm16(value: f32) -> u16 {
    (value.clamp(0.0, 1.0) * U16_MAX).round() as u16
}

/// `primitive` with its triangles in vertex-cache order and its vertices
/// in first-use order; vertices no triangle uses are dropped.
pub fn reorder(primitive: &Primitive, indices: &[u32]) -> Primitive {
    let count = primitive.vertex_count();
    let indices = meshopt::optimize_vertex_cache(indices, count);
    // meshopt 0.7's `optimize_vertex_fetch_remap` truncates its table when
    // vertices go unused (as after simplification), so the first-use order
    // is built here; it is the same order.
    let mut remap = vec![u32::MAX; count];
    let mut order = Vec::with_capacity(count);
    let indices = indices
        .iter()
        .map(|&old| {
            let slot = &mut remap[old as usize];
            if *slot == u32::MAX {
                *slot = order.len() as u32;
                order.push(old as usize);
            }
            *slot
        })
        .collect();
    fn pick<T: Copy>(order: &[usize], values: &[T]) -> Vec<T> {
        order.iter().map(|&old| values[old]).collect()
    }
    Primitive {
        positions: pick(&order, &primitive.positions),
        normals: primitive.normals.as_deref().map(|v| pick(&order, v)),
        uvs: primitive.uvs.as_deref().map(|v| pick(&order, v)),
        colors: primitive.colors.as_deref().map(|v| pick(&order, v)),
        color_alpha: primitive.color_alpha,
        indices,
        json: primitive.json.clone(),
    }
}

/// Unit normals in octahedral encoding for `EXT_meshopt_compression`'s
/// OCTAHEDRAL filter (i8 x, y, the 1.0 marker, and 0).
pub fn octahedral_normals(normals: &[[f32; 3]]) -> Vec<[i8; 4]> {
    let unit: Vec<[f32; 4]> = normals
        .iter()
        .map(|n| {
            let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            if length > 0.0 && length.is_finite() {
                [n[0] / length, n[1] / length, n[2] / length, 0.0]
            } else {
                [0.0, 0.0, 1.0, 0.0]
            }
        })
        .collect();
    meshopt::encode_filter_oct::<i8>(&unit, NORMAL_BITS)
}

/// Texture coordinates as normalized u16s when they all lie in [0, 1]
/// (TRELLIS atlases do), `None` otherwise: remapping them would need
/// `KHR_texture_transform` on every material, so they stay floats.
pub fn unorm16_uvs(uvs: &[[f32; 2]]) -> Option<Vec<[u16; 2]>> {
    uvs.iter()
        .all(|uv| uv.iter().all(|c| (0.0..=1.0).contains(c)))
        .then(|| uvs.iter().map(|uv| uv.map(unorm16)).collect())
}

/// Colours as normalized u8s.
pub fn unorm8_colors(colors: &[[f32; 4]]) -> Vec<[u8; 4]> {
    colors
        .iter()
        .map(|c| c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_is_a_cube_at_the_minimum() {
        let primitive = Primitive {
            positions: vec![[-1.0, 0.0, 2.0], [3.0, 1.0, 2.5]],
            ..Primitive::default()
        };
        let quantization = QuantizationBox::around([&primitive]);
        assert_eq!(quantization.offset, [-1.0, 0.0, 2.0]);
        assert_eq!(quantization.scale, 4.0);
        assert_eq!(
            quantization.quantize([3.0, 1.0, 2.5]),
            [65535, 16384, 8192, 0]
        );
    }

    #[test]
    fn reorder_drops_unused_vertices_and_keeps_triangles() {
        let primitive = Primitive {
            positions: (0..6).map(|i| [i as f32, 0.0, 0.0]).collect(),
            uvs: Some((0..6).map(|i| [i as f32 / 10.0, 0.0]).collect()),
            ..Primitive::default()
        };
        let reordered = reorder(&primitive, &[5, 3, 1, 1, 3, 4]);
        assert_eq!(reordered.vertex_count(), 4);
        // Triangles by their original vertex (position x is its index).
        let original = |i: u32| reordered.positions[i as usize][0] as u32;
        let mut triangles: Vec<[u32; 3]> = reordered
            .indices
            .chunks_exact(3)
            .map(|t| {
                let t = [original(t[0]), original(t[1]), original(t[2])];
                let r = (0..3).min_by_key(|&k| t[k]).unwrap();
                [t[r], t[(r + 1) % 3], t[(r + 2) % 3]]
            })
            .collect();
        triangles.sort();
        assert_eq!(triangles, [[1, 3, 4], [1, 5, 3]]);
        let uvs = reordered.uvs.unwrap();
        for (p, uv) in reordered.positions.iter().zip(uvs) {
            assert_eq!(p[0] / 10.0, uv[0], "attributes move together");
        }
    }

    #[test]
    fn uvs_outside_the_unit_square_stay_floats() {
        assert_eq!(
            unorm16_uvs(&[[0.0, 1.0], [0.5, 0.25]]),
            Some(vec![[0, 65535], [32768, 16384]])
        );
        assert_eq!(unorm16_uvs(&[[0.0, 1.5]]), None);
    }
}
