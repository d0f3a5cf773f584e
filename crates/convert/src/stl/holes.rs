//! Hole filling. Holes are traced as loops of boundary edges (edges with
//! one face) on the consistently oriented mesh, then closed with
//! triangles that run against the loop so they agree with the faces
//! around them:
//! - loops of up to [`MAX_MINIMUM_AREA_LOOP`] edges by the minimum-area
//!   triangulation of the hole polygon (the dynamic programme of Barequet
//!   and Sharir, 1995, used as the first step of Liepa's "Filling holes in
//!   meshes", 2003), which closes small, nearly flat holes as a person
//!   would, with no new vertices;
//! - longer loops by a fan around their centroid, which is linear in the
//!   loop's length and always closes it.

use std::collections::BTreeMap;

use super::mesh::{Solid, edge_key};

/// Longest loop triangulated by minimum area: the programme takes n³/6
/// steps and n² memory, a few milliseconds at this size.
const MAX_MINIMUM_AREA_LOOP: usize = 200;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Filled {
    pub holes: u64,
    pub triangles: u64,
}

/// Closes every hole of `solid`, whose faces must be consistently oriented.
pub(super) fn fill(solid: &mut Solid) -> Filled {
    let mut filled = Filled::default();
    for polygon in boundary_loops(solid) {
        let before = solid.faces.len();
        if polygon.len() <= MAX_MINIMUM_AREA_LOOP {
            minimum_area(solid, &polygon);
        } else {
            centroid_fan(solid, &polygon);
        }
        filled.holes += 1;
        filled.triangles += (solid.faces.len() - before) as u64;
    }
    filled
}

/// The holes' outlines, each in the direction its neighbouring faces run.
fn boundary_loops(solid: &Solid) -> Vec<Vec<u32>> {
    // Ordered, so the same mesh is always filled the same way.
    let mut outgoing: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for group in solid.edges().groups() {
        let [single] = group else { continue };
        let [a, b, c] = solid.faces[single.face as usize];
        if let Some((from, to)) = [(a, b), (b, c), (c, a)]
            .into_iter()
            .find(|&(from, to)| edge_key(from, to) == single.key)
        {
            outgoing.entry(from).or_default().push(to);
        }
    }
    let starts: Vec<u32> = outgoing.keys().copied().collect();
    let mut loops = Vec::new();
    for start in starts {
        // A vertex where two holes touch starts more than one loop.
        while let Some(mut at) = outgoing.get_mut(&start).and_then(Vec::pop) {
            let mut polygon = vec![start];
            while at != start {
                polygon.push(at);
                match outgoing.get_mut(&at).and_then(Vec::pop) {
                    Some(next) => at = next,
                    // An open chain: only on a surface that could not be
                    // oriented; nothing sensible closes it.
                    None => break,
                }
            }
            if at == start && polygon.len() >= 3 {
                loops.push(polygon);
            }
        }
    }
    loops
}

/// Adds triangle (p, q, r) unless it repeats a vertex (a loop that passes
/// through one vertex twice).
fn add(solid: &mut Solid, face: [u32; 3]) {
    if face[0] != face[1] && face[1] != face[2] && face[0] != face[2] {
        solid.faces.push(face);
    }
}

/// Triangulates `polygon` by least total area. `cost[i][j]` is the least
/// area closing the sub-polygon i..=j; triangle (i, k, j) splits it.
fn minimum_area(solid: &mut Solid, polygon: &[u32]) {
    let n = polygon.len();
    let at = |i: usize, j: usize| i * n + j;
    let mut cost = vec![0.0f64; n * n];
    let mut split = vec![0usize; n * n];
    let area = |i: usize, k: usize, j: usize| solid.area([polygon[i], polygon[k], polygon[j]]);
    for span in 2..n {
        for i in 0..n - span {
            let j = i + span;
            let (best, k) = (i + 1..j)
                .map(|k| (cost[at(i, k)] + cost[at(k, j)] + area(i, k, j), k))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or((0.0, i + 1));
            cost[at(i, j)] = best;
            split[at(i, j)] = k;
        }
    }
    let mut stack = vec![(0, n - 1)];
    while let Some((i, j)) = stack.pop() {
        if j - i < 2 {
            continue;
        }
        let k = split[at(i, j)];
        // Against the loop's direction, like the faces across its edges.
        add(solid, [polygon[j], polygon[k], polygon[i]]);
        stack.push((i, k));
        stack.push((k, j));
    }
}

/// Closes `polygon` with a fan around a new vertex at its centroid.
fn centroid_fan(solid: &mut Solid, polygon: &[u32]) {
    let mut sum = [0.0f64; 3];
    for &v in polygon {
        for (s, c) in sum.iter_mut().zip(solid.vertices[v as usize]) {
            *s += f64::from(c);
        }
    }
    let centroid = sum.map(|s| (s / polygon.len() as f64) as f32);
    solid.vertices.push(centroid);
    let centre = solid.vertices.len() as u32 - 1;
    for (i, &p) in polygon.iter().enumerate() {
        let next = polygon[(i + 1) % polygon.len()];
        add(solid, [centre, next, p]);
    }
}
