//! The "extract" step: the inflated solid, its size and its GLB.

mod common;

use std::collections::HashMap;

use common::{Loaded, load};
use gltf::Semantic;
use gltf::accessor::{DataType, Dimensions};
use image::{Rgba, RgbaImage};
use trellis_inflate::{GlbModel, InflateError, Subject, segment};

fn extract(image: &RgbaImage, target: u32, texture: u32) -> GlbModel {
    let subject = segment(image).unwrap_or_else(|e| panic!("segment: {e}"));
    subject
        .extract_glb(target, texture)
        .unwrap_or_else(|e| panic!("extract_glb({target}): {e}"))
}

/// Every directed edge occurs once and its reverse once: the surface is
/// closed, every edge is shared by exactly two triangles, and neighbouring
/// triangles agree on which side is out.
fn assert_closed_and_oriented(mesh: &Loaded) {
    let mut directed: HashMap<(u32, u32), u32> = HashMap::new();
    for t in mesh.indices.chunks_exact(3) {
        for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            assert_ne!(a, b, "degenerate triangle {t:?}");
            *directed.entry((a, b)).or_default() += 1;
        }
    }
    for (&(a, b), &count) in &directed {
        assert_eq!(
            count, 1,
            "edge {a}->{b} used {count} times in one direction"
        );
        assert_eq!(
            directed.get(&(b, a)),
            Some(&1),
            "edge {a}-{b} has one triangle"
        );
    }
}

/// Volume by the divergence theorem: positive when the faces point outwards.
fn signed_volume(mesh: &Loaded) -> f64 {
    let p = |i: u32| mesh.positions[i as usize].map(f64::from);
    mesh.indices
        .chunks_exact(3)
        .map(|t| {
            let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
            (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
                / 6.0
        })
        .sum()
}

fn extent(mesh: &Loaded) -> ([f32; 3], [f32; 3]) {
    let mut min = [f32::INFINITY; 3];
    let mut max = [f32::NEG_INFINITY; 3];
    for p in &mesh.positions {
        for axis in 0..3 {
            min[axis] = min[axis].min(p[axis]);
            max[axis] = max[axis].max(p[axis]);
        }
    }
    (min, max)
}

#[test]
fn triangle_count_lands_within_ten_percent_of_the_target() {
    let image = common::photo(512, 384).image;
    for target in [1_000u32, 20_000, 200_000] {
        let model = extract(&image, target, 256);
        let miss = (model.faces as f64 - f64::from(target)).abs() / f64::from(target);
        assert!(miss <= 0.1, "target {target}: {} triangles", model.faces);
        let mesh = load(&model.bytes);
        assert_eq!(mesh.indices.len() as u64, 3 * model.faces);
        assert_eq!(mesh.positions.len() as u64, model.vertices);
    }
}

#[test]
fn targets_below_the_minimum_are_raised_to_it() {
    let model = extract(&common::photo(256, 256).image, 0, 64);
    assert!(
        (900..=1_100).contains(&model.faces),
        "{} triangles",
        model.faces
    );
}

#[test]
fn targets_above_the_maximum_are_capped_at_two_million() {
    let model = extract(&common::photo(256, 256).image, u32::MAX, 64);
    let miss = (model.faces as f64 - 2e6).abs() / 2e6;
    assert!(miss <= 0.1, "{} triangles", model.faces);
}

/// Which pixels of a `width` × `height` picture are subject.
type MaskFn = fn(u32, u32) -> bool;

#[test]
fn odd_subjects_give_a_model_or_a_reason_never_a_panic() {
    let masks: [(&str, u32, u32, MaskFn); 5] = [
        ("one pixel", 1, 1, |_, _| true),
        ("hairline", 64, 64, |x, _| x == 20),
        ("speckle", 64, 64, |x, y| (x * 7 + y * 13) % 5 == 0),
        ("whole frame", 40, 30, |_, _| true),
        ("two blobs", 96, 64, |x, y| {
            (x as f32 - 20.0).hypot(y as f32 - 32.0) < 12.0
                || (x as f32 - 70.0).hypot(y as f32 - 32.0) < 18.0
        }),
    ];
    for (name, width, height, inside) in masks {
        let image = RgbaImage::from_fn(width, height, |x, y| {
            Rgba([120, 80, 200, if inside(x, y) { 255 } else { 0 }])
        });
        match (Subject { image }).extract_glb(1_000, 64) {
            Ok(model) => assert_closed_and_oriented(&load(&model.bytes)),
            Err(InflateError::NoSubject(_)) => {}
            Err(e) => panic!("{name}: unexpected {e}"),
        }
    }
}

/// A subject cut off by the image edge, and one with a hole through it.
fn awkward_cut_outs() -> [RgbaImage; 2] {
    let cropped = RgbaImage::from_fn(200, 150, |x, y| {
        let inside = (x as f32 - 100.0).hypot(y as f32 - 150.0) < 90.0;
        Rgba([200, 120, 40, if inside { 255 } else { 0 }])
    });
    let ring = RgbaImage::from_fn(200, 200, |x, y| {
        let r = (x as f32 - 100.0).hypot(y as f32 - 100.0);
        Rgba([40, 160, 90, if (35.0..80.0).contains(&r) { 255 } else { 0 }])
    });
    [cropped, ring]
}

#[test]
fn solid_is_watertight_outward_facing_and_fits_the_unit_cube() {
    let [cropped, ring] = awkward_cut_outs();
    let inputs = [
        ("photo", common::photo(300, 260).image),
        ("cut-out", common::cutout(240, 320).image),
        ("cropped", cropped),
        ("ring", ring),
    ];
    for (name, image) in inputs {
        for target in [1_000, 30_000] {
            let mesh = load(&extract(&image, target, 128).bytes);
            assert_closed_and_oriented(&mesh);
            assert!(signed_volume(&mesh) > 0.0, "{name}: faces point inwards");
            let (min, max) = extent(&mesh);
            let longest = (0..3).map(|a| max[a] - min[a]).fold(0.0, f32::max);
            assert!(
                (longest - 1.0).abs() < 1e-5,
                "{name}: longest extent {longest}"
            );
            for axis in 0..3 {
                assert!(
                    min[axis] >= -0.5 && max[axis] <= 0.5,
                    "{name}: {min:?}..{max:?}"
                );
                assert!((min[axis] + max[axis]).abs() < 1e-5, "{name}: not centred");
            }
        }
    }
}

#[test]
fn a_disc_inflates_to_about_a_sphere() {
    let disc = RgbaImage::from_fn(256, 256, |x, y| {
        let inside = (x as f32 - 127.5).hypot(y as f32 - 127.5) < 100.0;
        Rgba([255, 255, 255, if inside { 255 } else { 0 }])
    });
    let mesh = load(&extract(&disc, 20_000, 64).bytes);
    let (min, max) = extent(&mesh);
    let depth = max[2] - min[2];
    assert!(
        (depth - 1.0).abs() < 0.05,
        "depth {depth} of a unit-wide disc"
    );
    // A sphere of diameter 1 holds π/6 of the unit cube.
    let volume = signed_volume(&mesh);
    assert!(
        (volume - std::f64::consts::PI / 6.0).abs() < 0.03,
        "volume {volume}"
    );
}

#[test]
fn glb_carries_the_promised_attributes_material_and_orientation() {
    let model = extract(&common::photo(320, 240).image, 5_000, 128);
    let mesh = load(&model.bytes);
    let primitive = mesh
        .document
        .meshes()
        .flat_map(|m| m.primitives().collect::<Vec<_>>())
        .next();
    let primitive = primitive.unwrap_or_else(|| panic!("no primitive"));
    for (semantic, dimensions) in [
        (Semantic::Positions, Dimensions::Vec3),
        (Semantic::Normals, Dimensions::Vec3),
        (Semantic::TexCoords(0), Dimensions::Vec2),
    ] {
        let accessor = primitive
            .get(&semantic)
            .unwrap_or_else(|| panic!("no {semantic:?}"));
        assert_eq!(accessor.data_type(), DataType::F32, "{semantic:?}");
        assert_eq!(accessor.dimensions(), dimensions, "{semantic:?}");
    }
    let position = primitive.get(&Semantic::Positions);
    assert!(position.is_some_and(|p| p.min().is_some() && p.max().is_some()));
    assert_eq!(
        primitive.indices().map(|i| i.data_type()),
        Some(DataType::U32)
    );

    let pbr = primitive.material().pbr_metallic_roughness();
    assert_eq!(pbr.metallic_factor(), 0.0);
    assert_eq!(pbr.roughness_factor(), 0.8);
    let texture = pbr
        .base_color_texture()
        .map(|info| info.texture().source().index());
    assert_eq!(texture, Some(0));
    assert_eq!(mesh.images.len(), 1);
    assert_eq!((mesh.images[0].width, mesh.images[0].height), (128, 128));

    for n in &mesh.normals {
        let length = n.iter().map(|c| c * c).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-5, "normal {n:?}");
    }
    let uvs = mesh.uvs.as_deref().unwrap_or_default();
    assert!(uvs.iter().flatten().all(|c| (0.0..=1.0).contains(c)));
    // Y is up: the snowman's head (top of the picture, small v) is highest.
    let top = (0..mesh.positions.len())
        .max_by(|&a, &b| mesh.positions[a][1].total_cmp(&mesh.positions[b][1]));
    let top_v = top.map(|i| uvs[i][1]);
    assert!(
        top_v.is_some_and(|v| v < 0.25),
        "top vertex at v = {top_v:?}"
    );
}

#[test]
fn texture_shows_only_subject_colours() {
    // A saturated red subject on a grey backdrop: after bleeding, no texel
    // may be grey, nor the half-and-half blend of a photo's soft edge.
    let model = extract(&common::photo(256, 256).image, 2_000, 64);
    let mesh = load(&model.bytes);
    let image = &mesh.images[0];
    let channels = image.pixels.len() / (image.width * image.height) as usize;
    for texel in image.pixels.chunks_exact(channels) {
        let rgb = &texel[..3];
        let (max, min) = (rgb.iter().max(), rgb.iter().min());
        let saturation = match (max, min) {
            (Some(&max), Some(&min)) if max > 0 => f32::from(max - min) / f32::from(max),
            _ => 0.0,
        };
        assert!(
            saturation > 0.45,
            "backdrop colour {rgb:?} leaked into the texture"
        );
    }
}

#[test]
fn an_empty_subject_cannot_be_extracted() {
    let subject = Subject {
        image: RgbaImage::new(32, 32),
    };
    let result = subject.extract_glb(1_000, 64);
    assert!(matches!(result, Err(InflateError::NoSubject(_))));
}
