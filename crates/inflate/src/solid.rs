//! Turning the one-sided triangulation into a closed solid: a front sheet at
//! +height, a mirrored back sheet at −height, joined along the rim whose
//! vertices both sheets share.

use crate::triangulate::Planar;

/// Half the side of the cube the model is fitted into, centred on the origin:
/// TRELLIS.2 delivers its meshes in the same [-0.5, 0.5]³ box, so viewers and
/// downstream tools treat both engines' models alike.
const HALF_EXTENT: f32 = 0.5;

/// Vertex data of the finished solid, in glTF conventions.
pub(crate) struct Solid {
    /// Y-up positions inside [-0.5, 0.5]³, longest extent exactly 1.
    pub(crate) positions: Vec<[f32; 3]>,
    /// Texture coordinates: the image position, front and back alike.
    pub(crate) uvs: Vec<[f32; 2]>,
    /// Triangle list, counter-clockwise seen from outside.
    pub(crate) indices: Vec<u32>,
}

/// Builds the closed solid for `planar`, triangulated over an image of
/// `width` × `height` pixels.
pub(crate) fn solidify(planar: &Planar, width: u32, height: u32) -> Solid {
    let (width, height) = (width.max(1) as f32, height.max(1) as f32);
    let front_len = planar.points.len();
    let back_len = planar.rim.iter().filter(|&&rim| !rim).count();
    let mut positions = Vec::with_capacity(front_len + back_len);
    let mut uvs = Vec::with_capacity(front_len + back_len);
    // Image y points down and glTF's Y up, hence the sign flip on y.
    for (&[x, y], &h) in planar.points.iter().zip(&planar.heights) {
        positions.push([x, -y, h]);
        uvs.push([(x / width).clamp(0.0, 1.0), (y / height).clamp(0.0, 1.0)]);
    }
    // The back reuses rim vertices and duplicates the rest at −height.
    let mut back = Vec::with_capacity(front_len);
    for (index, &rim) in planar.rim.iter().enumerate() {
        if rim {
            back.push(index as u32);
        } else {
            back.push(positions.len() as u32);
            let [x, y, h] = positions[index];
            positions.push([x, y, -h]);
            uvs.push(uvs[index]);
        }
    }
    let mut indices = Vec::with_capacity(planar.triangles.len() * 6);
    for &[a, b, c] in &planar.triangles {
        // Positive area in image coordinates is clockwise once y is flipped,
        // so the front (seen from +Z) swaps two corners and the back (seen
        // from −Z) keeps the order.
        indices.extend([a, c, b]);
        indices.extend([a, b, c].map(|v| back[v as usize]));
    }
    fit_unit_cube(&mut positions);
    Solid {
        positions,
        uvs,
        indices,
    }
}

/// Centres the positions on the origin and scales the longest extent to 1.
fn fit_unit_cube(positions: &mut [[f32; 3]]) {
    let mut min = [f32::INFINITY; 3];
    let mut max = [f32::NEG_INFINITY; 3];
    for p in positions.iter() {
        for axis in 0..3 {
            min[axis] = min[axis].min(p[axis]);
            max[axis] = max[axis].max(p[axis]);
        }
    }
    let extent = (0..3).map(|a| max[a] - min[a]).fold(0.0, f32::max);
    // Zero only for no positions at all; nothing to fit then.
    if extent <= 0.0 {
        return;
    }
    let scale = 2.0 * HALF_EXTENT / extent;
    let centre = [0, 1, 2].map(|a| 0.5 * (min[a] + max[a]));
    for p in positions.iter_mut() {
        for axis in 0..3 {
            // Rounding can land a hair outside the box; the clamp keeps the
            // documented bound exact.
            p[axis] = ((p[axis] - centre[axis]) * scale).clamp(-HALF_EXTENT, HALF_EXTENT);
        }
    }
}
