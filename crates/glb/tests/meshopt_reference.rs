//! The decoder against the reference encoder (meshoptimizer, through the
//! `meshopt` crate): random and mesh-shaped data, every element size the
//! extension allows, counts either side of block and group boundaries.
//! The codecs must reproduce the input byte for byte; the filters must
//! agree with the reference decoder within the one unit the spec allows
//! (its SIMD path uses an approximate reciprocal square root).

mod common;

use common::{Rng, sphere};
use meshopt::EncodeExpMode;
use trellis_glb::meshopt::{
    Filter, Mode, decode, decode_exponential, decode_index_buffer, decode_index_sequence,
    decode_octahedral, decode_quaternion, decode_vertex_buffer,
};

/// Element counts around the codec's group (16) and block (up to 256)
/// sizes, plus one large enough for many blocks.
const COUNTS: [usize; 10] = [0, 1, 15, 16, 17, 255, 256, 257, 1000, 5003];

/// The reference encoding of `bytes` as elements of `N` bytes, in the
/// version `EXT_meshopt_compression` requires (0).
fn encode_vertices<const N: usize>(bytes: &[u8]) -> Vec<u8> {
    let elements: Vec<[u8; N]> = bytes
        .chunks_exact(N)
        .map(|c| c.try_into().unwrap())
        .collect();
    meshopt::encode_vertex_buffer_level(&elements, 2, Some(0)).unwrap()
}

/// Element bytes that exercise every delta width: smooth ramps (small
/// deltas), constants (zero deltas) and noise (full bytes).
fn attribute_bytes(rng: &mut Rng, count: usize, stride: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(count * stride);
    for i in 0..count {
        for b in 0..stride {
            bytes.push(match b % 4 {
                0 => (i / 3 + b) as u8,
                1 => (i as f32 * 0.05 + b as f32).sin().mul_add(60.0, 128.0) as u8,
                2 => 7,
                _ => rng.next() as u8,
            });
        }
    }
    bytes
}

fn round_trip<const N: usize>(rng: &mut Rng) {
    for count in COUNTS {
        let bytes = attribute_bytes(rng, count, N);
        let encoded = encode_vertices::<N>(&bytes);
        let mut decoded = vec![0u8; bytes.len()];
        decode_vertex_buffer(&mut decoded, N, &encoded)
            .unwrap_or_else(|e| panic!("stride {N}, {count} elements: {e}"));
        assert!(decoded == bytes, "stride {N}, {count} elements differ");
    }
}

#[test]
fn attributes_decode_exactly_for_every_stride() {
    let mut rng = Rng(0x5eed);
    round_trip::<4>(&mut rng);
    round_trip::<8>(&mut rng);
    round_trip::<12>(&mut rng);
    round_trip::<16>(&mut rng);
    round_trip::<20>(&mut rng);
    round_trip::<32>(&mut rng);
    round_trip::<60>(&mut rng);
    round_trip::<128>(&mut rng);
    round_trip::<256>(&mut rng);
}

#[test]
fn a_quantized_mesh_decodes_exactly() {
    let mesh = sphere(96, 48);
    let encoded_positions = encode_vertices::<8>(&mesh.positions);
    let encoded_normals = encode_vertices::<4>(&mesh.normals);
    let encoded_uvs = encode_vertices::<4>(&mesh.uvs);
    let count = mesh.vertex_count();
    let positions = decode(Mode::Attributes, Filter::None, count, 8, &encoded_positions).unwrap();
    let uvs = decode(Mode::Attributes, Filter::None, count, 4, &encoded_uvs).unwrap();
    assert_eq!(positions, mesh.positions);
    assert_eq!(uvs, mesh.uvs);
    // The normals went through the octahedral filter: the codec restores
    // the filtered bytes exactly, the filter restores unit vectors.
    let mut normals = vec![0u8; mesh.normals.len()];
    decode_vertex_buffer(&mut normals, 4, &encoded_normals).unwrap();
    assert_eq!(normals, mesh.normals);

    let encoded_indices = meshopt::encode_index_buffer(&mesh.indices, count).unwrap();
    assert!(
        encoded_indices.len() < mesh.indices.len() / 3 * 2,
        "an optimized mesh takes under two bytes per triangle"
    );
    let indices = decode_triangles_like_the_reference(&encoded_indices, &mesh.indices);
    let narrow = decode(
        Mode::Triangles,
        Filter::None,
        indices.len(),
        2,
        &encoded_indices,
    )
    .unwrap();
    let widened: Vec<u32> = narrow
        .chunks_exact(2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
        .collect();
    assert_eq!(widened, indices);
}

/// Decodes `encoded` triangles, checks the result equals the reference
/// decoder's, and that each triangle is `original`'s with the same winding
/// (the encoder may rotate a triangle's first vertex to reuse an edge).
fn decode_triangles_like_the_reference(encoded: &[u8], original: &[u32]) -> Vec<u32> {
    let mut decoded = vec![0u32; original.len()];
    decode_index_buffer(&mut decoded, encoded).unwrap();
    let reference: Vec<u32> = meshopt::decode_index_buffer(encoded, original.len()).unwrap();
    assert_eq!(decoded, reference, "{} indices", original.len());
    for (ours, theirs) in decoded.chunks_exact(3).zip(original.chunks_exact(3)) {
        let rotations = [[0, 1, 2], [1, 2, 0], [2, 0, 1]].map(|r| r.map(|i| theirs[i]));
        assert!(
            rotations.contains(&[ours[0], ours[1], ours[2]]),
            "{ours:?} is not {theirs:?}"
        );
    }
    decoded
}

#[test]
fn random_triangles_decode_exactly() {
    // No locality at all: mostly explicit indices, FIFO misses and resets.
    let mut rng = Rng(42);
    for (triangles, vertices) in [(1, 3), (7, 5), (500, 70_000), (4000, 1 << 20)] {
        let indices: Vec<u32> = (0..triangles * 3)
            .map(|_| (rng.next() % vertices) as u32)
            .collect();
        let encoded = meshopt::encode_index_buffer(&indices, vertices as usize).unwrap();
        decode_triangles_like_the_reference(&encoded, &indices);
    }
}

#[test]
fn index_sequences_decode_exactly() {
    let mut rng = Rng(7);
    let mut strip: Vec<u32> = (0..3000).map(|i| i / 2 + (i % 2) * 1500).collect();
    strip.extend((0..500).map(|_| (rng.next() % 100_000) as u32));
    for indices in [strip, vec![], vec![u32::MAX, 0, (1 << 30) - 1]] {
        let encoded = meshopt::encode_index_sequence(&indices, 1 << 20).unwrap();
        let mut decoded = vec![0u32; indices.len()];
        decode_index_sequence(&mut decoded, &encoded).unwrap();
        assert_eq!(decoded, indices);
    }
}

/// Unit vectors all over the sphere, including the axes and the folds.
fn unit_vectors(rng: &mut Rng, count: usize) -> Vec<[f32; 4]> {
    let mut out = vec![
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, -1.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, -1.0, 0.0, 0.0],
    ];
    while out.len() < count {
        let v = [0, 1, 2].map(|_| rng.unit() * 2.0 - 1.0);
        let length = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if length > 0.1 {
            out.push([v[0] / length, v[1] / length, v[2] / length, rng.unit()]);
        }
    }
    out
}

fn assert_within_one<T: Into<i32> + Copy>(ours: &[T], reference: &[T], what: &str) {
    for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
        let (a, b) = ((*a).into(), (*b).into());
        assert!(
            (a - b).abs() <= 1,
            "{what} component {i}: {a} vs reference {b}"
        );
    }
}

#[test]
fn octahedral_normals_match_the_reference_decoder() {
    let mut rng = Rng(3);
    let vectors = unit_vectors(&mut rng, 2000);
    for bits in [4, 7, 8] {
        let mut reference = meshopt::encode_filter_oct::<i8>(&vectors, bits);
        let mut ours: Vec<u8> = reference.iter().flatten().map(|c| *c as u8).collect();
        decode_octahedral(&mut ours, 4);
        meshopt::decode_filter_oct(&mut reference);
        let ours: Vec<i8> = ours.into_iter().map(|b| b as i8).collect();
        let reference: Vec<i8> = reference.into_iter().flatten().collect();
        assert_within_one(
            &ours,
            &reference,
            &format!("8-bit octahedral at {bits} bits"),
        );
    }
    for bits in [10, 12, 16] {
        let mut reference = meshopt::encode_filter_oct::<i16>(&vectors, bits);
        let mut ours: Vec<u8> = reference
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        decode_octahedral(&mut ours, 8);
        meshopt::decode_filter_oct(&mut reference);
        let ours: Vec<i16> = ours
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let reference: Vec<i16> = reference.into_iter().flatten().collect();
        assert_within_one(
            &ours,
            &reference,
            &format!("16-bit octahedral at {bits} bits"),
        );
    }
}

#[test]
fn quaternions_match_the_reference_decoder() {
    let mut rng = Rng(11);
    let quaternions: Vec<[f32; 4]> = (0..2000)
        .map(|_| {
            let q = [0, 1, 2, 3].map(|_| rng.unit() * 2.0 - 1.0);
            let length = q.iter().map(|c| c * c).sum::<f32>().sqrt().max(1e-3);
            q.map(|c| c / length)
        })
        .collect();
    for bits in [8, 12, 16] {
        let mut reference = meshopt::encode_filter_quat(&quaternions, bits);
        let mut ours: Vec<u8> = reference
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        decode_quaternion(&mut ours);
        meshopt::decode_filter_quat(&mut reference);
        let ours: Vec<i16> = ours
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let reference: Vec<i16> = reference.into_iter().flatten().collect();
        assert_within_one(&ours, &reference, &format!("quaternion at {bits} bits"));
    }
}

#[test]
fn exponential_floats_match_the_reference_decoder_exactly() {
    let mut rng = Rng(5);
    let values: Vec<[f32; 3]> = (0..1000)
        .map(|i| [0, 1, 2].map(|c| (rng.unit() - 0.5) * 10f32.powi(i % 7 + c - 3)))
        .collect();
    for mode in [EncodeExpMode::Separate, EncodeExpMode::SharedVector] {
        let mut reference = meshopt::encode_filter_exp(&values, 15, mode);
        let mut ours: Vec<u8> = reference
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        decode_exponential(&mut ours);
        meshopt::decode_filter_exp(&mut reference);
        let reference: Vec<u8> = reference
            .iter()
            .flatten()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        assert_eq!(ours, reference, "{mode:?}");
    }
}
