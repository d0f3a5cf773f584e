//! One grid cell of the marching-squares triangulation: which convex
//! polygons its inside part splits into.
//!
//! The polygons' corners lie in order on the cell's boundary, so each is
//! convex and a fan from its first corner triangulates it.

/// A polygon corner in a cell: grid corner `k` or the crossing on cell side
/// `k`, numbered around the cell from the top-left: corners 0 (i, j),
/// 1 (i+1, j), 2 (i+1, j+1), 3 (i, j+1); side k runs from corner k to k+1.
#[derive(Clone, Copy)]
pub(crate) enum Item {
    Corner(usize),
    Side(usize),
}

/// Calls `emit` with each convex polygon (in cell order) that the inside of
/// a cell with corner values `cell` splits into: none, one, or, for a saddle
/// whose centre is outside, the two corner triangles.
pub(crate) fn for_each_polygon(cell: [f32; 4], mut emit: impl FnMut(&[Item])) {
    let inside = cell.map(|value| value > 0.0);
    let mut walk = [Item::Corner(0); 8];
    let mut len = 0;
    for k in 0..4 {
        if inside[k] {
            walk[len] = Item::Corner(k);
            len += 1;
        }
        if inside[k] != inside[(k + 1) % 4] {
            walk[len] = Item::Side(k);
            len += 1;
        }
    }
    let saddle = inside[0] == inside[2] && inside[1] == inside[3] && inside[0] != inside[1];
    if saddle && cell.iter().sum::<f32>() <= 0.0 {
        // The two inside corners are separate: a wedge at each.
        for k in (0..4).filter(|&k| inside[k]) {
            emit(&[Item::Side((k + 3) % 4), Item::Corner(k), Item::Side(k)]);
        }
    } else if len >= 3 {
        emit(&walk[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polygons(cell: [f32; 4]) -> Vec<usize> {
        let mut sizes = Vec::new();
        for_each_polygon(cell, |p| sizes.push(p.len()));
        sizes
    }

    #[test]
    fn cell_cases_split_into_the_expected_polygons() {
        assert_eq!(polygons([-1.0; 4]), Vec::<usize>::new());
        assert_eq!(polygons([1.0; 4]), vec![4]);
        assert_eq!(polygons([1.0, -1.0, -1.0, -1.0]), vec![3]);
        assert_eq!(polygons([1.0, 1.0, -1.0, -1.0]), vec![4]);
        assert_eq!(polygons([1.0, 1.0, 1.0, -1.0]), vec![5]);
        // Saddle joined through a positive centre, and split by a negative one.
        assert_eq!(polygons([2.0, -1.0, 2.0, -1.0]), vec![6]);
        assert_eq!(polygons([1.0, -2.0, 1.0, -2.0]), vec![3, 3]);
    }
}
