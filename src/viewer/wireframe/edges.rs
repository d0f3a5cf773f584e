//! Each undirected edge of a triangle mesh once, found in steps short
//! enough to run between frames: a 1M-triangle mesh has 3M edge keys, and
//! finding them in one go (a comparison sort) blocked the page for about
//! 240 ms. Keys are made a chunk of triangles at a time, then radix-sorted
//! one pass per step, then deduplicated.

/// Triangles turned into edge keys per step: 750k keys, a few
/// milliseconds of work.
const TRIANGLES_PER_STEP: usize = 250_000;
/// Key bits sorted per radix pass: 2048 counters stay in the CPU's first
/// cache level, and four passes cover meshes up to 4M vertices.
const RADIX_BITS: u32 = 11;

/// The edge search for one mesh, advanced by [`EdgeFinder::step`].
pub(super) struct EdgeFinder {
    indices: Vec<u32>,
    /// Bits a vertex index needs; a key is `low << vertex_bits | high`.
    vertex_bits: u32,
    keys: Vec<u64>,
    scratch: Vec<u64>,
    stage: Stage,
}

enum Stage {
    /// Turning triangles into keys, from this triangle on.
    Keys { next_triangle: usize },
    /// Sorting the keys by the digit at this bit.
    Sort { shift: u32 },
    /// Deduplicating the sorted keys into line pairs.
    Collect,
}

impl EdgeFinder {
    /// The search for the edges of the triangles in `indices`, whose vertex
    /// indices are all below `vertex_count`.
    pub fn new(indices: Vec<u32>, vertex_count: u32) -> Self {
        let vertex_bits = u32::BITS - vertex_count.saturating_sub(1).max(1).leading_zeros();
        Self {
            keys: Vec::with_capacity(indices.len()),
            indices,
            vertex_bits,
            scratch: Vec::new(),
            stage: Stage::Keys { next_triangle: 0 },
        }
    }

    /// Does one bounded step of the search; after the last, the edges as
    /// vertex pairs for `LINES`.
    pub fn step(&mut self) -> Option<Vec<u32>> {
        match self.stage {
            Stage::Keys { next_triangle } => {
                let triangles = self.indices.chunks_exact(3).skip(next_triangle);
                for t in triangles.take(TRIANGLES_PER_STEP) {
                    for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                        if a != b {
                            self.keys.push(
                                u64::from(a.min(b)) << self.vertex_bits | u64::from(a.max(b)),
                            );
                        }
                    }
                }
                let next_triangle = next_triangle + TRIANGLES_PER_STEP;
                self.stage = if next_triangle * 3 < self.indices.len() {
                    Stage::Keys { next_triangle }
                } else {
                    self.indices = Vec::new();
                    Stage::Sort { shift: 0 }
                };
                None
            }
            Stage::Sort { shift } => {
                self.radix_pass(shift);
                let shift = shift + RADIX_BITS;
                self.stage = if shift < 2 * self.vertex_bits {
                    Stage::Sort { shift }
                } else {
                    Stage::Collect
                };
                None
            }
            Stage::Collect => {
                let mask = (1u64 << self.vertex_bits) - 1;
                let mut lines = Vec::with_capacity(self.keys.len());
                let mut previous = None;
                for &key in &self.keys {
                    if previous != Some(key) {
                        lines.extend([(key >> self.vertex_bits) as u32, (key & mask) as u32]);
                        previous = Some(key);
                    }
                }
                self.keys = Vec::new();
                self.scratch = Vec::new();
                Some(lines)
            }
        }
    }

    /// One stable counting-sort pass on the digit at `shift`.
    fn radix_pass(&mut self, shift: u32) {
        let digit = |key: u64| ((key >> shift) & ((1 << RADIX_BITS) - 1)) as usize;
        let mut starts = vec![0usize; 1 << RADIX_BITS];
        for &key in &self.keys {
            starts[digit(key)] += 1;
        }
        let mut total = 0;
        for start in &mut starts {
            let count = *start;
            *start = total;
            total += count;
        }
        self.scratch.resize(self.keys.len(), 0);
        for &key in &self.keys {
            let slot = &mut starts[digit(key)];
            self.scratch[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(&mut self.keys, &mut self.scratch);
    }
}
