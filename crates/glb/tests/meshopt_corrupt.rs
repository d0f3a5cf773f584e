//! Hostile and damaged streams: every truncation is an error, and random
//! corruption gives an error or some output, never a panic. Bounded
//! property runs keep this quick in the suite.

mod common;

use common::{Rng, sphere};
use proptest::prelude::*;
use trellis_glb::meshopt::{
    Filter, MAX_DECODED_BYTES, MeshoptError, Mode, decode, decode_index_buffer,
    decode_index_sequence, decode_vertex_buffer,
};

/// Small enough that every truncation of every stream runs in a moment,
/// large enough for several blocks and a full FIFO.
fn streams() -> (Vec<u8>, Vec<u8>, Vec<u8>, usize, usize) {
    let mesh = sphere(24, 12);
    let vertices: Vec<[u8; 8]> = mesh
        .positions
        .chunks_exact(8)
        .map(|c| c.try_into().unwrap())
        .collect();
    let attributes = meshopt::encode_vertex_buffer_level(&vertices, 2, Some(0)).unwrap();
    let triangles = meshopt::encode_index_buffer(&mesh.indices, vertices.len()).unwrap();
    let sequence = meshopt::encode_index_sequence(&mesh.indices, vertices.len()).unwrap();
    (
        attributes,
        triangles,
        sequence,
        vertices.len(),
        mesh.indices.len(),
    )
}

#[test]
fn every_truncation_is_an_error() {
    let (attributes, triangles, sequence, vertices, indices) = streams();
    for len in 0..attributes.len() {
        let mut out = vec![0u8; vertices * 8];
        assert!(
            decode_vertex_buffer(&mut out, 8, &attributes[..len]).is_err(),
            "attributes cut to {len} bytes"
        );
    }
    for len in 0..triangles.len() {
        let mut out = vec![0u32; indices];
        assert!(
            decode_index_buffer(&mut out, &triangles[..len]).is_err(),
            "triangles cut to {len} bytes"
        );
    }
    for len in 0..sequence.len() {
        let mut out = vec![0u32; indices];
        assert!(
            decode_index_sequence(&mut out, &sequence[..len]).is_err(),
            "sequence cut to {len} bytes"
        );
    }
}

#[test]
fn extra_bytes_and_wrong_modes_are_errors() {
    let (attributes, triangles, _, vertices, indices) = streams();
    // One byte between the data and the 32-byte tail.
    let mut longer = attributes.clone();
    longer.insert(attributes.len() - 32, 0);
    assert_eq!(
        decode(Mode::Attributes, Filter::None, vertices, 8, &longer),
        Err(MeshoptError::TrailingData { extra: 1 })
    );
    assert_eq!(
        decode(Mode::Triangles, Filter::None, indices, 4, &attributes),
        Err(MeshoptError::Header {
            expected: 0xe1,
            found: 0xa0
        })
    );
    assert!(matches!(
        decode(Mode::Indices, Filter::None, indices, 4, &triangles),
        Err(MeshoptError::Header { .. })
    ));
    // A version-1 attribute stream (meshoptimizer's default since 0.23) is
    // not allowed by EXT_meshopt_compression.
    let v1 = meshopt::encode_vertex_buffer_level(&[[1u8; 4]; 40], 2, Some(1)).unwrap();
    assert_eq!(
        decode(Mode::Attributes, Filter::None, 40, 4, &v1),
        Err(MeshoptError::Header {
            expected: 0xa0,
            found: 0xa1
        })
    );
}

#[test]
fn layouts_the_extension_forbids_are_errors_before_decoding() {
    let cases = [
        (Mode::Attributes, Filter::None, 10, 6),
        (Mode::Attributes, Filter::None, 10, 260),
        (Mode::Attributes, Filter::Octahedral, 10, 12),
        (Mode::Attributes, Filter::Quaternion, 10, 4),
        (Mode::Triangles, Filter::None, 10, 4),
        (Mode::Triangles, Filter::None, 9, 8),
        (Mode::Indices, Filter::Octahedral, 9, 4),
        (Mode::Attributes, Filter::None, MAX_DECODED_BYTES / 4 + 1, 4),
    ];
    for (mode, filter, count, stride) in cases {
        assert!(
            matches!(
                decode(mode, filter, count, stride, &[]),
                Err(MeshoptError::Layout(_))
            ),
            "{mode:?} {filter:?} {count}×{stride}"
        );
    }
}

#[test]
fn indices_past_16_bits_do_not_fit_a_2_byte_view() {
    let indices = [0u32, 70_000, 1];
    let encoded = meshopt::encode_index_buffer(&indices, 70_001).unwrap();
    assert_eq!(
        decode(Mode::Triangles, Filter::None, 3, 2, &encoded).map(drop),
        Err(MeshoptError::IndexTooLarge { index: 70_000 })
    );
}

/// Flips `flips` random bytes of `stream`.
fn corrupt(stream: &[u8], seed: u64, flips: usize) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut bytes = stream.to_vec();
    for _ in 0..flips {
        let at = (rng.next() % bytes.len() as u64) as usize;
        bytes[at] ^= rng.next() as u8 | 1;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_streams_never_panic(seed in any::<u64>(), flips in 1usize..8) {
        let (attributes, triangles, sequence, vertices, indices) = streams();
        let _ = decode(Mode::Attributes, Filter::Octahedral, vertices, 8, &corrupt(&attributes, seed, flips));
        let _ = decode(Mode::Triangles, Filter::None, indices, 2, &corrupt(&triangles, seed, flips));
        let _ = decode(Mode::Indices, Filter::None, indices, 4, &corrupt(&sequence, seed, flips));
    }

    #[test]
    fn random_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        header in prop::sample::select(vec![0xa0u8, 0xe1, 0xd1]),
        count in 0usize..400,
    ) {
        let mut stream = bytes;
        stream.insert(0, header);
        for filter in [Filter::None, Filter::Octahedral, Filter::Quaternion, Filter::Exponential] {
            let _ = decode(Mode::Attributes, filter, count, 8, &stream);
        }
        let _ = decode(Mode::Triangles, Filter::None, count / 3 * 3, 4, &stream);
        let _ = decode(Mode::Indices, Filter::None, count, 2, &stream);
    }
}
