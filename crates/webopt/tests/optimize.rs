//! The optimizer end to end on TRELLIS-like models: the Khronos validator
//! on both levels, decoded geometry against the source within the
//! quantization bounds, the coarse level's budgets, the size ratio, and
//! specific errors for inputs it does not handle.

mod common;

use std::collections::{HashMap, HashSet};

use common::{blob, trellis_like_glb};
use serde_json::{Value, json};
use trellis_glb::{GlbWriter, Target, accessor, buffers, parse, split};
use trellis_testkit::assert_valid_glbs;
use trellis_webopt::{
    COARSE_TEXTURE_SIDE, COARSE_TRIANGLE_FRACTION, MAX_COARSE_BYTES, NORMAL_BITS, WebOptError,
    WebOptimized, optimize,
};

/// Triangles and texture side of the model most tests share: big enough
/// for several meshopt blocks and a real coarse level, quick in a test.
const TRIANGLES: u32 = 40_000;
const TEXTURE_SIDE: u32 = 512;

fn optimized() -> (Vec<u8>, WebOptimized) {
    let raw = trellis_like_glb(TRIANGLES, TEXTURE_SIDE);
    let optimized = optimize(&raw).unwrap_or_else(|e| panic!("optimize: {e}"));
    (raw, optimized)
}

#[test]
fn the_khronos_validator_finds_no_errors_in_either_level() {
    let (_, optimized) = optimized();
    // The validator cannot decode meshopt data, so the full level is also
    // checked decoded: that way it sees the quantized accessors' data
    // (bounds, index ranges, normal lengths) too.
    let decoded = trellis_glb::meshopt::decompress(&optimized.full)
        .unwrap()
        .into_owned();
    assert_valid_glbs(&[
        ("full.glb", &optimized.full),
        ("coarse.glb", &optimized.coarse),
        ("full-decoded.glb", &decoded),
    ]);
}

/// A decoded level: positions in model space, normals, UVs, indices.
struct Decoded {
    positions: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    uvs: Vec<[f32; 2]>,
    indices: Vec<u32>,
    /// The node's dequantization scale (one per axis, all equal).
    step: f32,
    doc: Value,
}

fn decode(glb: &[u8]) -> Decoded {
    let plain = trellis_glb::meshopt::decompress(glb).unwrap().into_owned();
    let chunks = split(&plain).unwrap();
    let doc = parse(chunks.json).unwrap();
    let buffers = buffers(&doc, chunks.bin).unwrap();
    let primitive = &doc["meshes"][0]["primitives"][0];
    let read = |name: &str| {
        accessor(
            &doc,
            &buffers,
            primitive["attributes"][name].as_u64().unwrap(),
        )
        .unwrap()
    };
    let node = &doc["nodes"][0];
    let offset: Vec<f32> = serde_json::from_value(node["translation"].clone()).unwrap();
    let scale: Vec<f32> = serde_json::from_value(node["scale"].clone()).unwrap();
    assert!(
        scale.iter().all(|&s| s == scale[0]),
        "uniform dequantization scale"
    );
    let positions = read("POSITION")
        .read_f32::<3>()
        .unwrap()
        .into_iter()
        .map(|q| [0, 1, 2].map(|a| offset[a] + scale[a] * q[a]))
        .collect();
    let indices = accessor(&doc, &buffers, primitive["indices"].as_u64().unwrap())
        .unwrap()
        .read_u32()
        .unwrap();
    Decoded {
        positions,
        normals: read("NORMAL").read_f32::<3>().unwrap(),
        uvs: read("TEXCOORD_0").read_f32::<2>().unwrap(),
        indices,
        step: scale[0],
        doc: doc.clone(),
    }
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[test]
fn decoded_geometry_is_within_the_quantization_bounds() {
    let mesh = blob(TRIANGLES);
    let (_, optimized) = optimized();
    let decoded = decode(&optimized.full);
    assert_eq!(
        decoded.indices.len(),
        mesh.indices.len(),
        "every triangle is kept"
    );
    assert_eq!(
        decoded.positions.len(),
        mesh.positions.len(),
        "every vertex is kept"
    );

    // Half a quantization step on each axis, plus f32 rounding.
    let position_bound = decoded.step * 0.5 * 3f32.sqrt() * 1.001;
    // An 8-bit octahedral encoding plus the i8 output rounding.
    let normal_bound = (4.0 / ((1 << (NORMAL_BITS - 1)) - 1) as f32).asin() + 1.0 / 127.0;
    let uv_bound = 0.5 / 65535.0 + 1e-7;
    let key = |p: [f32; 3]| p.map(|c| (c / decoded.step).round() as i64);
    let mut by_position: HashMap<[i64; 3], Vec<usize>> = HashMap::new();
    for (index, &p) in mesh.positions.iter().enumerate() {
        by_position.entry(key(p)).or_default().push(index);
    }
    let mut source_of = Vec::new();
    for (i, &p) in decoded.positions.iter().enumerate() {
        let candidates = [-1i64, 0, 1]
            .iter()
            .flat_map(|&dx| [-1i64, 0, 1].map(|dy| (dx, dy)))
            .flat_map(|(dx, dy)| [-1i64, 0, 1].map(|dz| [dx, dy, dz]))
            .filter_map(|d| {
                let k = key(p);
                by_position.get(&[k[0] + d[0], k[1] + d[1], k[2] + d[2]])
            })
            .flatten();
        let matching = candidates.copied().find(|&s| {
            let n = mesh.normals[s];
            let dot = (0..3).map(|a| n[a] * decoded.normals[i][a]).sum::<f32>()
                / (0..3)
                    .map(|a| decoded.normals[i][a].powi(2))
                    .sum::<f32>()
                    .sqrt();
            distance(mesh.positions[s], p) <= position_bound
                && dot.clamp(-1.0, 1.0).acos() <= normal_bound
                && (0..2).all(|a| (mesh.uvs[s][a] - decoded.uvs[i][a]).abs() <= uv_bound)
        });
        let source = matching.unwrap_or_else(|| {
            panic!("decoded vertex {i} at {p:?} matches no source vertex within bounds")
        });
        source_of.push(source);
    }
    // Same triangles, same winding (rotations aside).
    let canonical = |t: [usize; 3]| {
        let r = (0..3).min_by_key(|&k| t[k]).unwrap();
        [t[r], t[(r + 1) % 3], t[(r + 2) % 3]]
    };
    let source: HashSet<[usize; 3]> = mesh
        .indices
        .chunks_exact(3)
        .map(|t| canonical([t[0] as usize, t[1] as usize, t[2] as usize]))
        .collect();
    for t in decoded.indices.chunks_exact(3) {
        let mapped = canonical([0, 1, 2].map(|k| source_of[t[k] as usize]));
        assert!(
            source.contains(&mapped),
            "decoded triangle {t:?} is not in the source"
        );
    }
}

#[test]
fn the_coarse_level_meets_its_budgets_and_shares_the_full_placement() {
    let (_, optimized) = optimized();
    let (full, coarse) = optimized.triangles;
    assert_eq!(full, blob(TRIANGLES).indices.len() / 3);
    assert!(
        coarse as f32 <= full as f32 * COARSE_TRIANGLE_FRACTION * 1.1 && coarse > 0,
        "{coarse} of {full} triangles"
    );
    assert!(
        optimized.coarse.len() <= MAX_COARSE_BYTES,
        "{} bytes",
        optimized.coarse.len()
    );
    let decoded = decode(&optimized.coarse);
    assert_eq!(decoded.indices.len() / 3, coarse);
    assert_eq!(
        decoded.doc["nodes"],
        decode(&optimized.full).doc["nodes"],
        "both levels place the mesh identically, so swapping them does not move it"
    );
    let chunks = split(&optimized.coarse).unwrap();
    let doc = parse(chunks.json).unwrap();
    let buffers = buffers(&doc, chunks.bin).unwrap();
    for image in trellis_glb::array(&doc, "images") {
        let bytes = trellis_glb::buffer_view(&doc, &buffers, image["bufferView"].as_u64().unwrap())
            .unwrap()
            .bytes;
        let texture = image::load_from_memory_with_format(bytes, image::ImageFormat::WebP).unwrap();
        assert!(texture.width().max(texture.height()) <= COARSE_TEXTURE_SIDE);
    }
}

#[test]
fn the_full_level_is_a_quarter_of_the_raw_glb_or_less() {
    let (raw, optimized) = optimized();
    let ratio = optimized.full.len() as f64 / raw.len() as f64;
    println!(
        "raw {} B, full {} B ({ratio:.3}), coarse {} B",
        raw.len(),
        optimized.full.len(),
        optimized.coarse.len()
    );
    assert!(ratio <= 0.25, "the full level is {ratio:.3} of the raw GLB");
    let doc = parse(split(&optimized.full).unwrap().json).unwrap();
    for extension in [
        "KHR_mesh_quantization",
        "EXT_meshopt_compression",
        "EXT_texture_webp",
    ] {
        assert!(
            trellis_glb::array(&doc, "extensionsRequired").contains(&json!(extension)),
            "{extension} is required"
        );
    }
}

/// A small valid GLB whose JSON `tamper` changes.
fn tampered(tamper: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut writer = GlbWriter::new();
    let position = writer.float_accessor(
        &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        Some(Target::Vertices),
        true,
    );
    let mut doc = json!({
        "asset": { "version": "2.0" },
        "scenes": [{ "nodes": [0] }],
        "nodes": [{ "mesh": 0 }],
        "meshes": [{ "primitives": [{ "attributes": { "POSITION": position } }] }],
    });
    tamper(&mut doc);
    writer.finish(doc).unwrap()
}

#[test]
fn unsupported_inputs_give_specific_errors() {
    let plain = optimize(&tampered(|_| {})).expect("a bare triangle optimizes");
    assert_eq!(plain.triangles, (1, 1));
    let cases: [(Vec<u8>, &str); 7] = [
        (b"PK\x03\x04 not a model".to_vec(), "not a GLB file"),
        (
            tampered(|d| d["skins"] = json!([{ "joints": [0] }])),
            "uses skins",
        ),
        (
            tampered(|d| d["animations"] = json!([{}])),
            "uses animations",
        ),
        (
            tampered(|d| d["meshes"][0]["primitives"][0]["targets"] = json!([{}])),
            "uses morph targets",
        ),
        (
            tampered(|d| d["meshes"][0]["primitives"][0]["attributes"]["TANGENT"] = json!(0)),
            "the TANGENT attribute",
        ),
        (
            tampered(|d| d["extensionsRequired"] = json!(["KHR_draco_mesh_compression"])),
            "KHR_draco_mesh_compression",
        ),
        (
            tampered(|d| d["meshes"] = json!([])),
            "a file without meshes",
        ),
    ];
    for (glb, message) in cases {
        let error = optimize(&glb).unwrap_err();
        assert!(
            error.to_string().contains(message),
            "{error} should mention {message:?}"
        );
    }
    let broken_texture = tampered(|d| {
        d["images"] = json!([{ "bufferView": 0, "mimeType": "image/png" }]);
    });
    assert!(matches!(
        optimize(&broken_texture),
        Err(WebOptError::Texture { image: 0, .. })
    ));
}
