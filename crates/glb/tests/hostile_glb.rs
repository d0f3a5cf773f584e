//! What the viewer (and the proxy) read from untrusted GLBs: random bytes,
//! and valid files with bytes changed, cut or extended, give a specific
//! error or a readable file, never a panic — a panic aborts the whole page
//! in the wasm app. Bounded case counts keep the suite quick;
//! `PROPTEST_CASES` raises them (`scripts/proptest-long`).

use proptest::prelude::*;
use serde_json::json;
use trellis_glb::{GlbError, GlbWriter, Target, accessor, buffers, mesh_counts, parse, split};

/// A small valid textured-mesh-shaped GLB: positions, UVs and indices.
fn valid_glb() -> Vec<u8> {
    let positions: Vec<[f32; 3]> = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let uvs: Vec<[f32; 2]> = vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
    let mut writer = GlbWriter::new();
    let position = writer.float_accessor(&positions, Some(Target::Vertices), true);
    let uv = writer.float_accessor(&uvs, Some(Target::Vertices), false);
    let indices = writer.u32_indices(&[0, 1, 2]);
    writer
        .finish(json!({
            "asset": { "version": "2.0" },
            "meshes": [{ "primitives": [{
                "attributes": { "POSITION": position, "TEXCOORD_0": uv },
                "indices": indices
            }] }],
            "nodes": [{ "mesh": 0 }],
            "scenes": [{ "nodes": [0] }],
        }))
        .expect("a valid GLB")
}

/// Reads `bytes` the way the viewer does before handing anything to WebGL:
/// container, document, buffers, every accessor, the mesh counts.
fn read_all(bytes: &[u8]) -> Result<(), GlbError> {
    let chunks = split(bytes)?;
    let doc = parse(chunks.json)?;
    let buffers = buffers(&doc, chunks.bin)?;
    let count = doc["accessors"].as_array().map_or(0, Vec::len);
    for index in 0..count as u64 {
        let accessor = accessor(&doc, &buffers, index)?;
        let _ = accessor.elements();
    }
    mesh_counts(&doc)?;
    Ok(())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

#[test]
fn the_valid_file_reads() {
    read_all(&valid_glb()).expect("the untouched file reads");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_all(&bytes);
    }

    #[test]
    fn changed_bytes_never_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut glb = valid_glb();
        for (at, value) in changes {
            let len = glb.len();
            glb[at % len] = value;
        }
        // Either an error with its own words, or a file that reads.
        if let Err(error) = read_all(&glb) {
            prop_assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn cut_or_padded_files_never_panic(cut in 0usize..400, extra in proptest::collection::vec(any::<u8>(), 0..16)) {
        let mut glb = valid_glb();
        glb.truncate(cut.min(glb.len()));
        glb.extend(extra);
        let _ = read_all(&glb);
    }
}
