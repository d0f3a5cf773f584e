//! The printable solid: triangles over shared vertices, welded by exact
//! position (glTF splits vertices along UV seams and hard edges, which
//! would otherwise look like cracks), and the edge facts a slicer cares
//! about.

use std::collections::HashMap;

use crate::model::math::{cross, sub};

/// An indexed triangle mesh in millimetres, Z up.
#[derive(Clone, Debug, Default)]
pub(super) struct Solid {
    pub vertices: Vec<[f32; 3]>,
    pub faces: Vec<[u32; 3]>,
}

impl Solid {
    /// Welds the vertices of `parts` (positions and triangle indices) on
    /// exact equality; `-0.0` and `0.0` are the same point. Triangles that
    /// collapse to a line or a point (two equal corners, like a UV sphere's
    /// pole triangles) are dropped: they have no surface to print.
    pub fn weld<'p>(parts: impl Iterator<Item = (Vec<[f32; 3]>, &'p [u32])>) -> Self {
        let mut solid = Solid::default();
        let mut index: HashMap<[u32; 3], u32> = HashMap::new();
        for (positions, indices) in parts {
            let welded: Vec<u32> = positions
                .iter()
                .map(|&p| {
                    let key = p.map(|c| (c + 0.0).to_bits());
                    *index.entry(key).or_insert_with(|| {
                        solid.vertices.push(p);
                        solid.vertices.len() as u32 - 1
                    })
                })
                .collect();
            for triangle in indices.chunks_exact(3) {
                let face = [0, 1, 2].map(|c| welded[triangle[c] as usize]);
                if face[0] != face[1] && face[1] != face[2] && face[2] != face[0] {
                    solid.faces.push(face);
                }
            }
        }
        solid
    }

    pub fn corners(&self, face: [u32; 3]) -> [[f32; 3]; 3] {
        face.map(|v| self.vertices[v as usize])
    }

    /// Twice the area vector (normal × 2·area) of `face`, in f64.
    pub fn area_vector(&self, face: [u32; 3]) -> [f64; 3] {
        let [a, b, c] = self.corners(face);
        cross(sub(b, a), sub(c, a)).map(f64::from)
    }

    pub fn area(&self, face: [u32; 3]) -> f64 {
        let [x, y, z] = self.area_vector(face);
        (x * x + y * y + z * z).sqrt() / 2.0
    }

    /// Signed volume enclosed by `faces` (divergence theorem, origin as
    /// apex): positive when they face outwards.
    pub fn signed_volume(&self, faces: impl Iterator<Item = [u32; 3]>) -> f64 {
        faces
            .map(|face| {
                let [a, b, c] = self.corners(face).map(|p| p.map(f64::from));
                (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                    + a[2] * (b[0] * c[1] - b[1] * c[0]))
                    / 6.0
            })
            .sum()
    }

    /// Every face's three edges, grouped by undirected edge.
    pub fn edges(&self) -> Edges {
        let mut uses: Vec<EdgeUse> = self
            .faces
            .iter()
            .enumerate()
            .flat_map(|(f, &[a, b, c])| {
                [(a, b), (b, c), (c, a)].map(|(from, to)| EdgeUse {
                    key: edge_key(from, to),
                    face: f as u32,
                    forward: from < to,
                })
            })
            .collect();
        uses.sort_unstable_by_key(|u| (u.key, u.face));
        Edges { uses }
    }
}

/// One face's use of an edge.
#[derive(Clone, Copy, Debug)]
pub(super) struct EdgeUse {
    /// The undirected edge: lower vertex in the high half.
    pub key: u64,
    pub face: u32,
    /// Whether the face runs from the lower vertex to the higher.
    pub forward: bool,
}

/// Edge uses sorted by edge.
pub(super) struct Edges {
    uses: Vec<EdgeUse>,
}

impl Edges {
    /// The uses of each undirected edge, one slice per edge.
    pub fn groups(&self) -> impl Iterator<Item = &[EdgeUse]> {
        self.uses.chunk_by(|a, b| a.key == b.key)
    }
}

pub(super) fn edge_key(a: u32, b: u32) -> u64 {
    (u64::from(a.min(b)) << 32) | u64::from(a.max(b))
}

/// What a slicer checks before printing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct EdgeCounts {
    /// Edges with one face: the borders of holes.
    pub boundary: u64,
    /// Edges with more than two faces.
    pub non_manifold: u64,
    /// Edges whose two faces run the same way along them: neighbours that
    /// disagree about which side is out.
    pub inconsistent: u64,
}

impl EdgeCounts {
    pub fn of(solid: &Solid) -> Self {
        let mut counts = Self::default();
        for group in solid.edges().groups() {
            match group {
                [_] => counts.boundary += 1,
                [a, b] => counts.inconsistent += u64::from(a.forward == b.forward),
                _ => counts.non_manifold += 1,
            }
        }
        counts
    }

    /// Every edge has exactly two faces: the surface encloses a volume.
    pub fn closed(&self) -> bool {
        self.boundary == 0 && self.non_manifold == 0
    }

    /// No edge has more than two faces and neighbours agree on the outside.
    pub fn manifold(&self) -> bool {
        self.non_manifold == 0 && self.inconsistent == 0
    }
}
