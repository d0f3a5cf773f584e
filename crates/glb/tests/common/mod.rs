//! Test data: a deterministic generator and a quantized sphere laid out
//! the way an optimizer writes meshes for `EXT_meshopt_compression`.
// Each test file uses a different part.
#![allow(dead_code)]

/// A xorshift generator: deterministic test data without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A quantized, cache-optimized sphere, as raw little-endian streams.
pub struct QuantizedMesh {
    /// u16 x, y, z plus padding (stride 8).
    pub positions: Vec<u8>,
    /// Octahedral-filtered i8 normals (stride 4).
    pub normals: Vec<u8>,
    /// u16 u, v (stride 4).
    pub uvs: Vec<u8>,
    pub indices: Vec<u32>,
}

impl QuantizedMesh {
    pub fn vertex_count(&self) -> usize {
        self.uvs.len() / 4
    }
}

/// A latitude/longitude sphere of `around` × `along` quads, bumpy so that
/// position deltas vary, in the vertex and triangle order meshoptimizer's
/// optimizers give.
pub fn sphere(around: u32, along: u32) -> QuantizedMesh {
    let mut points = Vec::new();
    for j in 0..=along {
        let v = j as f32 / along as f32;
        let theta = v * std::f32::consts::PI;
        for i in 0..=around {
            let u = i as f32 / around as f32;
            let phi = u * std::f32::consts::TAU;
            let n = [
                theta.sin() * phi.cos(),
                theta.cos(),
                theta.sin() * phi.sin(),
            ];
            let r = 1.0 + 0.1 * (5.0 * phi).sin() * (3.0 * theta).sin();
            points.push((n.map(|c| c * r), n, [u, v]));
        }
    }
    let row = around + 1;
    let mut indices = Vec::new();
    for j in 0..along {
        for i in 0..around {
            let (a, b) = (j * row + i, (j + 1) * row + i);
            indices.extend([a, a + 1, b, a + 1, b + 1, b]);
        }
    }
    let mut indices = meshopt::optimize_vertex_cache(&indices, points.len());
    let remap = meshopt::optimize_vertex_fetch_remap(&indices, points.len());
    let mut ordered = points.clone();
    for (old, &new) in remap.iter().enumerate() {
        ordered[new as usize] = points[old];
    }
    for index in &mut indices {
        *index = remap[*index as usize];
    }

    let unorm16 = |x: f32| (x.clamp(0.0, 1.0) * 65535.0).round() as u16;
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    for (p, _, uv) in &ordered {
        for c in p {
            positions.extend(unorm16((c + 1.2) / 2.4).to_le_bytes());
        }
        positions.extend([0, 0]);
        for c in uv {
            uvs.extend(unorm16(*c).to_le_bytes());
        }
    }
    let normals: Vec<[f32; 4]> = ordered
        .iter()
        .map(|(_, n, _)| [n[0], n[1], n[2], 0.0])
        .collect();
    let normals = meshopt::encode_filter_oct::<i8>(&normals, 8)
        .into_iter()
        .flatten()
        .map(|c| c as u8)
        .collect();
    QuantizedMesh {
        positions,
        normals,
        uvs,
        indices,
    }
}
