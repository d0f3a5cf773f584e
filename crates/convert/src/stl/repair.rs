//! "Make printable": the standard repair sequence of mesh-repair tools
//! (admesh, MeshLab's cleaning filters), written out because no maintained
//! Rust crate offers it:
//! 0. merge vertices closer than [`MERGE_TOLERANCE`] of the model's size,
//!    closing the hairline cracks exporters leave where they recompute a
//!    position (admesh's `--tolerance`);
//! 1. drop degenerate and duplicate triangles;
//! 2. resolve non-manifold edges by removing faces until two remain
//!    (MeshLab's "remove faces from non-manifold edges"), keeping the pair
//!    best joined to the rest of the surface;
//! 3. orient every face consistently with its neighbours, by a breadth-
//!    first walk over shared edges;
//! 4. fill every hole ([`super::holes`]);
//! 5. turn each closed shell outward, by the sign of its volume.
//!
//! Self-intersections are left alone: slicers union them anyway.

use trellis_api::RepairReport;

use super::holes;
use std::collections::HashMap;

use super::mesh::{EdgeUse, Solid, edge_key};

/// Vertices nearer each other than this share of the bounding box's
/// diagonal are merged: 1 µm on a 10 cm print, far below any printer's
/// resolution, far above float rounding.
const MERGE_TOLERANCE: f64 = 1e-5;

pub(super) fn make_printable(solid: &mut Solid) -> RepairReport {
    let mut report = RepairReport {
        vertices_merged: merge_close_vertices(solid),
        degenerate_removed: remove_degenerate(solid),
        non_manifold_removed: remove_non_manifold(solid),
        ..RepairReport::default()
    };
    report.flipped = orient_consistently(solid);
    let filled = holes::fill(solid);
    report.holes_filled = filled.holes;
    report.triangles_added = filled.triangles;
    report.flipped += orient_outward(solid);
    report
}

/// End of a cell's list.
const NONE: u32 = u32::MAX;

/// Grid cells are this many tolerances wide, so a vertex's neighbourhood
/// usually lies in its own cell and rarely spans more than two per axis.
const CELL_TOLERANCES: f64 = 4.0;

/// Points every face at one vertex of each cluster closer than
/// [`MERGE_TOLERANCE`], found through a grid: a near neighbour lies in a
/// cell the tolerance ball around the vertex overlaps. How many vertices
/// were merged away.
fn merge_close_vertices(solid: &mut Solid) -> u64 {
    let (min, max) = crate::model::bounds(&solid.vertices);
    let diagonal = (0..3)
        .map(|a| f64::from(max[a] - min[a]).powi(2))
        .sum::<f64>()
        .sqrt();
    let tolerance = diagonal * MERGE_TOLERANCE;
    if tolerance <= 0.0 || !tolerance.is_finite() {
        return 0;
    }
    let size = tolerance * CELL_TOLERANCES;
    let cell = |c: f64| (c / size).floor() as i64;
    // Each cell's kept vertices as a linked list: the newest in `first`,
    // each one's predecessor in `next` (no allocation per cell).
    let mut first: HashMap<[i64; 3], u32> = HashMap::with_capacity(solid.vertices.len());
    let mut next: Vec<u32> = vec![NONE; solid.vertices.len()];
    let mut target: Vec<u32> = Vec::with_capacity(solid.vertices.len());
    let mut merged = 0;
    for (index, &p) in solid.vertices.iter().enumerate() {
        let p64 = p.map(f64::from);
        let ranges = p64.map(|c| cell(c - tolerance)..=cell(c + tolerance));
        let near = ranges[0]
            .clone()
            .flat_map(|x| ranges[1].clone().map(move |y| (x, y)))
            .flat_map(|(x, y)| ranges[2].clone().map(move |z| [x, y, z]))
            .filter_map(|key| first.get(&key).copied())
            .flat_map(|head| {
                std::iter::successors(Some(head), |&v| {
                    Some(next[v as usize]).filter(|&n| n != NONE)
                })
            })
            .find(|&other| {
                let q = solid.vertices[other as usize].map(f64::from);
                (0..3).map(|a| (p64[a] - q[a]).powi(2)).sum::<f64>() <= tolerance * tolerance
            });
        match near {
            Some(other) => {
                target.push(other);
                merged += 1;
            }
            None => {
                target.push(index as u32);
                if let Some(previous) = first.insert(p64.map(cell), index as u32) {
                    next[index] = previous;
                }
            }
        }
    }
    for face in &mut solid.faces {
        *face = face.map(|v| target[v as usize]);
    }
    merged
}

/// Removes faces with a repeated vertex or no area, and repeats of a face
/// already present (whichever way round); how many went.
fn remove_degenerate(solid: &mut Solid) -> u64 {
    let before = solid.faces.len();
    let mut seen = std::collections::HashSet::new();
    let faces = std::mem::take(&mut solid.faces);
    solid.faces = faces
        .into_iter()
        .filter(|&face| {
            let mut sorted = face;
            sorted.sort_unstable();
            sorted[0] != sorted[1]
                && sorted[1] != sorted[2]
                && solid.area(face) > 0.0
                && seen.insert(sorted)
        })
        .collect();
    (before - solid.faces.len()) as u64
}

/// Removes faces until no edge has more than two. On each such edge it
/// keeps the face best joined to the rest of the surface (most of its other
/// edges shared with exactly one neighbour; a dangling fin has none), then
/// the best joined face running the other way along the edge (else the
/// next best); larger faces win ties. One pass suffices: removing faces
/// never adds uses to another edge.
fn remove_non_manifold(solid: &mut Solid) -> u64 {
    let edges = solid.edges();
    if edges.groups().all(|g| g.len() <= 2) {
        return 0;
    }
    let uses: HashMap<u64, usize> = edges.groups().map(|g| (g[0].key, g.len())).collect();
    let joined = |face: [u32; 3]| {
        let [a, b, c] = face;
        [(a, b), (b, c), (c, a)]
            .into_iter()
            .filter(|&(x, y)| uses.get(&edge_key(x, y)) == Some(&2))
            .count()
    };
    let mut removed = vec![false; solid.faces.len()];
    for group in edges.groups().filter(|g| g.len() > 2) {
        let mut alive: Vec<EdgeUse> = group
            .iter()
            .copied()
            .filter(|u| !removed[u.face as usize])
            .collect();
        if alive.len() <= 2 {
            continue;
        }
        let rank = |u: &EdgeUse| {
            let face = solid.faces[u.face as usize];
            (joined(face), solid.area(face))
        };
        alive.sort_by(|a, b| {
            let ((joined_a, area_a), (joined_b, area_b)) = (rank(a), rank(b));
            joined_b
                .cmp(&joined_a)
                .then(area_b.total_cmp(&area_a))
                .then(a.face.cmp(&b.face))
        });
        let first = alive[0];
        let partner = alive[1..]
            .iter()
            .find(|u| u.forward != first.forward)
            .unwrap_or(&alive[1])
            .face;
        for u in &alive[1..] {
            if u.face != partner {
                removed[u.face as usize] = true;
            }
        }
    }
    let count = removed.iter().filter(|&&r| r).count() as u64;
    let mut index = 0;
    solid.faces.retain(|_| {
        index += 1;
        !removed[index - 1]
    });
    count
}

/// For each face, its neighbours across edges shared by exactly two faces,
/// with whether they run the same way along that edge.
fn neighbours(solid: &Solid) -> Vec<Vec<(u32, bool)>> {
    let mut neighbours = vec![Vec::new(); solid.faces.len()];
    for group in solid.edges().groups() {
        if let [a, b] = group {
            let same_way = a.forward == b.forward;
            neighbours[a.face as usize].push((b.face, same_way));
            neighbours[b.face as usize].push((a.face, same_way));
        }
    }
    neighbours
}

/// Flips faces so every pair of neighbours runs opposite ways along their
/// shared edge (where the surface is orientable at all); how many flipped.
fn orient_consistently(solid: &mut Solid) -> u64 {
    let neighbours = neighbours(solid);
    let mut flipped = vec![false; solid.faces.len()];
    let mut visited = vec![false; solid.faces.len()];
    let mut queue = std::collections::VecDeque::new();
    for start in 0..solid.faces.len() {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        queue.push_back(start);
        while let Some(face) = queue.pop_front() {
            for &(other, same_way) in &neighbours[face] {
                let other = other as usize;
                if !visited[other] {
                    visited[other] = true;
                    // Same way along the edge means one of the two must turn.
                    flipped[other] = flipped[face] ^ same_way;
                    queue.push_back(other);
                }
            }
        }
    }
    let mut count = 0;
    for (face, &flip) in solid.faces.iter_mut().zip(&flipped) {
        if flip {
            face.swap(1, 2);
            count += 1;
        }
    }
    count
}

/// Turns every shell (set of faces connected by edges) whose volume is
/// negative inside out; how many faces flipped.
fn orient_outward(solid: &mut Solid) -> u64 {
    let shells = shells(solid);
    let mut volume = vec![0.0; solid.faces.len()];
    for (face, &shell) in solid.faces.iter().zip(&shells) {
        volume[shell] += solid.signed_volume(std::iter::once(*face));
    }
    let mut count = 0;
    for (face, &shell) in solid.faces.iter_mut().zip(&shells) {
        if volume[shell] < 0.0 {
            face.swap(1, 2);
            count += 1;
        }
    }
    count
}

/// Each face's shell, as the index of a representative face.
pub(super) fn shells(solid: &Solid) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..solid.faces.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for group in solid.edges().groups() {
        for pair in group.windows(2) {
            let (a, b) = (
                root(&mut parent, pair[0].face as usize),
                root(&mut parent, pair[1].face as usize),
            );
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..solid.faces.len())
        .map(|i| root(&mut parent, i))
        .collect()
}
