//! `decode` on whole files: a plain TRELLIS-shaped GLB, both levels the
//! web optimizer writes (quantized, meshopt-compressed, WebP), node
//! transforms, and the files it must refuse or leave to the general loader.

mod common;

use common::{Grid, TestGlb};
use proptest::prelude::*;
use serde_json::json;
use std::sync::LazyLock;
use trellis_viewer_glb::message::{from_message, to_message};
use trellis_viewer_glb::{
    AlphaMode, Decoded, Geometry, GlbError, ImageFormat, Indices, MAX_TEXTURE_SIDE, MeshModel,
    Part, decode, webp_images, with_alpha_mode, with_png_images,
};

fn read(decoded: &Decoded) -> &MeshModel {
    match &decoded.geometry {
        Geometry::Read(model) => model,
        Geometry::Glb(_) => panic!("the viewer's reader declined the file"),
    }
}

/// Each vertex of `part`, placed by its transform.
fn placed(part: &Part) -> Vec<[f32; 3]> {
    let t = &part.transform;
    part.positions
        .chunks_exact(3)
        .map(|p| {
            std::array::from_fn(|r| t[r] * p[0] + t[4 + r] * p[1] + t[8 + r] * p[2] + t[12 + r])
        })
        .collect()
}

fn triangle_indices(part: &Part) -> Vec<u32> {
    match part.indices.as_ref().expect("indexed") {
        Indices::U8(i) => i.iter().map(|&i| u32::from(i)).collect(),
        Indices::U16(i) => i.iter().map(|&i| u32::from(i)).collect(),
        Indices::U32(i) => i.clone(),
    }
}

/// Checks that every vertex of `part` lies on the test grid's surface with
/// the UV the grid gives that spot, within `tolerance`.
fn assert_on_the_grid(part: &Part, tolerance: f32) {
    let uvs = part.uvs.as_ref().expect("UVs");
    for (p, uv) in placed(part).iter().zip(uvs.chunks_exact(2)) {
        let (u, v) = (p[0] + 0.5, p[1] + 0.5);
        let height = 0.1 * (6.0 * u).sin() * (4.0 * v).cos();
        assert!(
            (uv[0] - u).abs() < tolerance && (uv[1] - v).abs() < tolerance,
            "UV {uv:?} at {p:?}"
        );
        assert!(
            (p[2] - height).abs() < tolerance,
            "{p:?} is off the surface"
        );
    }
}

#[test]
fn a_plain_model_reads_into_arrays_and_hands_its_textures_to_the_browser() {
    let grid = Grid::new(8);
    let decoded = decode(&TestGlb::textured(&grid, 16).bytes()).unwrap();

    assert_eq!(decoded.alpha, AlphaMode::Mask { cutoff: 0.3 });
    let formats: Vec<_> = decoded.images.images.iter().map(|i| i.format).collect();
    assert_eq!(formats, [ImageFormat::Png, ImageFormat::Png]);
    let slots = decoded.images.materials[0];
    assert_eq!(
        (slots.base_color, slots.metallic_roughness),
        (Some(0), Some(1))
    );

    let model = read(&decoded);
    assert_eq!(model.triangles(), grid.triangles());
    let part = &model.parts[0];
    let flat: Vec<f32> = grid.positions.iter().flatten().copied().collect();
    assert_eq!(part.positions, flat);
    assert_eq!(triangle_indices(part), grid.indices);
    assert_eq!(part.transform, trellis_viewer_glb::IDENTITY);
    assert_eq!(model.materials[0].metallic, 0.25);
    assert_on_the_grid(part, 1e-6);
}

#[test]
fn both_web_optimized_levels_read_back_in_place() {
    let grid = Grid::new(24);
    let raw = TestGlb::textured(&grid, 64).bytes();
    let optimized = trellis_webopt::optimize(&raw).expect("optimize");

    let full = decode(&optimized.full).unwrap();
    let coarse = decode(&optimized.coarse).unwrap();
    for level in [&full, &coarse] {
        assert_eq!(level.alpha, AlphaMode::Mask { cutoff: 0.3 });
        assert!(
            level
                .images
                .images
                .iter()
                .all(|i| i.format == ImageFormat::Webp)
        );
        assert_eq!(level.images.images.len(), 2);
    }
    let (full, coarse) = (&read(&full).parts[0], &read(&coarse).parts[0]);
    assert_eq!(full.triangles(), grid.triangles());
    assert!(
        coarse.triangles() * 10 <= grid.triangles(),
        "the coarse level keeps {} of {} triangles",
        coarse.triangles(),
        grid.triangles()
    );
    // Quantized to u16 integers, placed by the node's translation and
    // scale; both levels share that placement, so one replaces the other
    // in place.
    assert_ne!(full.transform, trellis_viewer_glb::IDENTITY);
    assert_eq!(full.transform, coarse.transform);
    let step = full.transform[0];
    assert!(step > 0.0 && step < 1e-4, "quantization step {step}");
    for part in [full, coarse] {
        assert!(
            part.positions
                .iter()
                .all(|&q| q.fract() == 0.0 && (0.0..=65535.0).contains(&q))
        );
        assert_on_the_grid(part, 2e-4);
        for normal in part.normals.chunks_exact(3) {
            assert!(normal[2] > 0.99, "normal {normal:?}");
        }
    }
}

#[test]
fn nested_node_transforms_place_the_mesh() {
    let grid = Grid::new(2);
    let mut glb = TestGlb::textured(&grid, 4);
    glb.json["nodes"] = json!([
        { "children": [1], "translation": [1.0, 0.0, 0.0] },
        { "mesh": 0, "scale": [2.0, 2.0, 2.0] }
    ]);
    let decoded = decode(&glb.bytes()).unwrap();
    let part = &read(&decoded).parts[0];
    for (placed, raw) in placed(part).iter().zip(&grid.positions) {
        assert_eq!(*placed, [2.0 * raw[0] + 1.0, 2.0 * raw[1], 2.0 * raw[2]]);
    }
}

#[test]
fn missing_normals_are_computed_from_the_triangles() {
    let grid = Grid::new(2);
    let mut glb = TestGlb::textured(&grid, 4);
    glb.json["meshes"][0]["primitives"][0]["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("NORMAL");
    let decoded = decode(&glb.bytes()).unwrap();
    let part = &read(&decoded).parts[0];
    assert_eq!(part.normals.len(), part.positions.len());
    for normal in part.normals.chunks_exact(3) {
        let length = normal.iter().map(|c| c * c).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-5 && normal[2] > 0.5, "{normal:?}");
    }
}

#[test]
fn what_the_reader_does_not_handle_goes_to_the_general_loader() {
    let grid = Grid::new(2);
    let mut glb = TestGlb::textured(&grid, 4);
    glb.json["extensionsUsed"] = json!(["KHR_materials_unlit"]);
    glb.json["extensionsRequired"] = json!(["KHR_materials_unlit"]);
    let decoded = decode(&glb.bytes()).unwrap();
    let Geometry::Glb(plain) = decoded.geometry else {
        panic!("read an extension it does not know");
    };
    // The browser-decoded textures are no longer named in the copy.
    let doc = trellis_glb::parse(trellis_glb::split(&plain).unwrap().json).unwrap();
    assert!(
        doc.pointer("/materials/0/pbrMetallicRoughness/baseColorTexture")
            .is_none()
    );

    // The general loader misreads quantized vertices: refused instead.
    let optimized = trellis_webopt::optimize(&TestGlb::textured(&grid, 4).bytes()).unwrap();
    let chunks = trellis_glb::split(&optimized.full).unwrap();
    let mut doc = trellis_glb::parse(chunks.json).unwrap();
    doc["extensionsRequired"]
        .as_array_mut()
        .unwrap()
        .push(json!("KHR_materials_unlit"));
    let unlit = trellis_glb::join(&trellis_glb::to_json(&doc), chunks.bin).unwrap();
    assert!(matches!(decode(&unlit), Err(GlbError::Unsupported(_))));
}

#[test]
fn broken_files_are_refused_with_the_reason() {
    let grid = Grid::new(2);
    let refused = |change: &dyn Fn(&mut TestGlb)| {
        let mut glb = TestGlb::textured(&grid, 4);
        change(&mut glb);
        decode(&glb.bytes()).expect_err("a broken file was accepted")
    };
    let damaged =
        |e: &GlbError, words: &str| matches!(e, GlbError::Malformed(why) if why.contains(words));

    assert_eq!(decode(b"PK\x03\x04 not a model"), Err(GlbError::NotGlb));
    let whole = TestGlb::textured(&grid, 4).bytes();
    assert!(matches!(
        decode(&whole[..whole.len() - 10]),
        Err(GlbError::Truncated { .. })
    ));
    let e = refused(&|g| g.json["accessors"][3]["count"] = json!(5));
    assert!(damaged(&e, "whole triangles"), "{e}");
    let e =
        refused(&|g| g.bin[grid.positions.len() * 32..][..4].copy_from_slice(&99u32.to_le_bytes()));
    assert!(damaged(&e, "vertex 99"), "{e}");
    let e = refused(&|g| g.json["meshes"][0]["primitives"][0]["mode"] = json!(1));
    assert!(matches!(e, GlbError::Unsupported(_)), "{e}");
    let e = refused(&|g| {
        let attributes = &mut g.json["meshes"][0]["primitives"][0]["attributes"];
        attributes.as_object_mut().unwrap().remove("TEXCOORD_0");
    });
    assert!(damaged(&e, "no texture coordinates"), "{e}");
    let e = refused(&|g| {
        g.json["nodes"] = json!([{ "mesh": 0, "children": [1] }, { "children": [1] }])
    });
    assert!(damaged(&e, "two parents"), "{e}");
    let e = refused(&|g| {
        g.json["nodes"] = json!([{ "mesh": 0 }, { "children": [2] }, { "children": [1] }])
    });
    assert!(damaged(&e, "loop"), "{e}");
    let e = refused(&|g| {
        g.json["nodes"] = json!(
            (0..70)
                .map(|i| json!({ "children": [i + 1] }))
                .chain([json!({ "mesh": 0 })])
                .collect::<Vec<_>>()
        );
    });
    assert!(
        matches!(e, GlbError::Unsupported(ref what) if what.contains("nested")),
        "{e}"
    );

    // A texture whose header claims more pixels than the viewer allows.
    let mut huge = TestGlb::textured(&grid, 4);
    let view = huge.json["images"][0]["bufferView"].as_u64().unwrap() as usize;
    let start = huge.json["bufferViews"][view]["byteOffset"]
        .as_u64()
        .unwrap() as usize;
    huge.bin[start + 16..start + 20].copy_from_slice(&(MAX_TEXTURE_SIDE + 1).to_be_bytes());
    assert_eq!(
        decode(&huge.bytes()),
        Err(GlbError::TextureTooLarge {
            width: MAX_TEXTURE_SIDE + 1,
            height: 4
        })
    );
}

#[test]
fn downloads_rewrite_the_alpha_mode_and_swap_webp_for_png() {
    let optimized = trellis_webopt::optimize(&TestGlb::textured(&Grid::new(4), 8).bytes()).unwrap();
    let blend = with_alpha_mode(&optimized.full, AlphaMode::Blend).unwrap();
    assert_eq!(decode(&blend).unwrap().alpha, AlphaMode::Blend);

    let webp = webp_images(&blend).unwrap();
    assert_eq!(
        webp.iter().map(|(index, _)| *index).collect::<Vec<_>>(),
        [0, 1]
    );
    let pngs: Vec<(usize, Vec<u8>)> = webp
        .iter()
        .map(|(index, _)| (*index, common::png(8, [10, 20, 30])))
        .collect();
    let with_png = with_png_images(&blend, &pngs).unwrap();
    let doc = trellis_glb::parse(trellis_glb::split(&with_png).unwrap().json).unwrap();
    assert!(
        !doc["extensionsRequired"]
            .to_string()
            .contains("EXT_texture_webp"),
        "{}",
        doc["extensionsRequired"]
    );
    let decoded = decode(&with_png).unwrap();
    assert!(
        decoded
            .images
            .images
            .iter()
            .all(|i| i.format == ImageFormat::Png)
    );
    assert_eq!(read(&decoded).triangles(), 32);
}

/// A plain file and a web-optimized one, to damage.
static SAMPLES: LazyLock<[Vec<u8>; 2]> = LazyLock::new(|| {
    let raw = TestGlb::textured(&Grid::new(6), 8).bytes();
    let optimized = trellis_webopt::optimize(&raw).expect("optimize").full;
    [raw, optimized]
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// In the page a panic aborts everything: damage gives an error or a
    /// model, and a model gets through the worker's message.
    #[test]
    fn damaged_files_never_panic(
        optimized in any::<bool>(),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = SAMPLES[usize::from(optimized)].clone();
        for (at, value) in damage {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if let Ok(decoded) = decode(&bytes) {
            prop_assert!(from_message(to_message(Ok(decoded))).is_ok());
        }
    }
}
