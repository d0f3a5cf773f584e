//! USDZ for Quick Look, judged by Pixar's `UsdUtils.ComplianceChecker` with
//! the ARKit rules and read back with `pxr` (PyPI `usd-core`).

mod common;

use common::glb::{self, Builder, Encoding, Mesh};
use serde_json::{Value, json};
use trellis_convert::{ConvertError, ErrorClass, UsdzOptions, to_usdz};

/// Converts `glb`, runs the checker over the result and returns its report
/// (and the conversion's). `reference` is a texture whose pixels the base
/// colour must reproduce.
fn check(
    glb: &[u8],
    options: &UsdzOptions,
    reference: Option<&[u8]>,
) -> (Value, trellis_convert::UsdzReport) {
    let converted = to_usdz(glb, options).unwrap_or_else(|e| panic!("to_usdz: {e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let usdz = common::write(&dir, "model.usdz", &converted.bytes);
    let reference = reference.map(|bytes| common::write(&dir, "reference.png", bytes));
    let mut args = vec![usdz.as_path()];
    args.extend(reference.as_deref());
    (common::run_python("check_usdz.py", &args), converted.report)
}

fn assert_compliant(report: &Value) {
    for key in ["errors", "failed", "warnings"] {
        assert_eq!(
            report[key],
            json!([]),
            "ComplianceChecker {key}: {report:#}"
        );
    }
    assert_eq!(report["compressed"], json!([]), "entries must be stored");
    assert_eq!(report["files"][0], "model.usda", "the layer comes first");
    assert_eq!(report["upAxis"], "Y");
    assert_eq!(report["metersPerUnit"], 1.0);
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[test]
fn engine_model_is_arkit_compliant_30_cm_tall_and_keeps_mesh_and_texture() {
    let glb = common::robot_glb();
    let texture = common::robot_texture();
    let (report, converted) = check(glb, &UsdzOptions::default(), Some(&texture));
    assert_compliant(&report);

    let triangles = common::triangles(glb);
    assert_eq!(report["triangles"], json!(triangles));
    assert_eq!(converted.triangles, triangles);
    assert_eq!(
        report["base_color_hash"], report["reference_hash"],
        "the base colour texture's pixels must survive"
    );
    assert_eq!(converted.reencoded_textures, 0, "a PNG is copied as it is");

    let height = number(&report["max"][1]) - number(&report["min"][1]);
    assert!(
        (height - 0.30).abs() < 1e-4,
        "height {height} m, expected 0.30"
    );
    assert!(
        number(&report["min"][1]).abs() < 1e-5,
        "stands on the ground"
    );
    let centre_x = (number(&report["max"][0]) + number(&report["min"][0])) / 2.0;
    assert!(centre_x.abs() < 1e-5, "centred over the origin: {centre_x}");
    assert!((f64::from(converted.size_m[1]) - height).abs() < 1e-4);
}

#[test]
fn every_material_channel_reaches_the_preview_surface() {
    let (report, converted) = check(
        &glb::full_material_sphere(Encoding::Png),
        &UsdzOptions::default(),
        None,
    );
    assert_compliant(&report);
    let connections = &report["connections"];
    let output = |input: &str| {
        connections[input]["output"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(output("diffuseColor"), "rgb");
    assert_eq!(
        output("opacity"),
        "a",
        "blended alpha comes from the base colour"
    );
    // glTF packs roughness in G and metallic in B.
    assert_eq!(output("roughness"), "g");
    assert_eq!(output("metallic"), "b");
    assert_eq!(output("normal"), "rgb");
    assert_eq!(connections["diffuseColor"]["colorSpace"], "sRGB");
    assert_eq!(connections["roughness"]["colorSpace"], "raw");
    assert_eq!(connections["normal"]["colorSpace"], "raw");
    assert_eq!(converted.textures, 3);
}

#[test]
fn texture_stays_the_right_way_up() {
    // The sphere's top pole has v = 0, the top row of the image: red.
    let (report, _) = check(
        &glb::full_material_sphere(Encoding::Png),
        &UsdzOptions::default(),
        None,
    );
    let top: Vec<u64> = serde_json::from_value(report["top_color"].clone()).expect("a colour");
    assert!(
        top[0] > 150 && top[2] < 80,
        "top of the model shows {top:?}, not red"
    );
}

#[test]
fn webp_textures_are_reencoded_as_png_with_the_same_pixels() {
    let reference = glb::encode(&glb::top_red_bottom_blue(64), Encoding::Png);
    let (report, converted) = check(
        &glb::full_material_sphere(Encoding::Webp),
        &UsdzOptions::default(),
        Some(&reference),
    );
    assert_compliant(&report);
    assert_eq!(converted.reencoded_textures, 3);
    let files: Vec<String> = serde_json::from_value(report["files"].clone()).expect("names");
    assert!(files[1..].iter().all(|f| f.ends_with(".png")), "{files:?}");
    assert_eq!(report["base_color_hash"], report["reference_hash"]);
}

#[test]
fn vertex_colours_without_a_texture_are_compliant() {
    let mut mesh = Mesh::sphere(16, 8);
    mesh.uvs = None;
    mesh.colors = Some(
        mesh.positions
            .iter()
            .map(|p| [p[0] * 0.5 + 0.5, 0.3, p[1] * 0.5 + 0.5, 1.0])
            .collect(),
    );
    let mut builder = Builder::default();
    let index = builder.mesh(&mesh, None);
    builder.node(index, json!({ "scale": [2.0, 2.0, 2.0] }));
    let (report, converted) = check(&builder.to_bytes(), &UsdzOptions { height_m: 1.5 }, None);
    assert_compliant(&report);
    assert_eq!(report["connections"]["diffuseColor"]["output"], "result");
    let height = number(&report["max"][1]) - number(&report["min"][1]);
    assert!(
        (height - 1.5).abs() < 1e-4,
        "height {height} m, expected 1.5"
    );
    assert_eq!(converted.triangles, mesh.triangle_count() as u64);
}

#[test]
fn same_model_gives_the_same_bytes() {
    let glb = glb::full_material_sphere(Encoding::Png);
    let first = to_usdz(&glb, &UsdzOptions::default()).map(|c| c.bytes);
    let second = to_usdz(&glb, &UsdzOptions::default()).map(|c| c.bytes);
    assert!(first.is_ok() && first.ok() == second.ok());
}

#[test]
fn height_outside_the_range_is_the_callers_mistake() {
    let glb = glb::full_material_sphere(Encoding::Png);
    for height_m in [0.0, -1.0, f32::NAN, 1000.0] {
        let error = to_usdz(&glb, &UsdzOptions { height_m }).err();
        assert!(
            matches!(error, Some(ConvertError::InvalidOption(_))),
            "height {height_m}: {error:?}"
        );
        assert_eq!(error.map(|e| e.class()), Some(ErrorClass::BadRequest));
    }
}

#[test]
fn what_the_conversion_leaves_out_is_noted() {
    let mut mesh = Mesh::sphere(8, 4);
    mesh.colors = Some(vec![[1.0, 0.5, 0.5, 1.0]; mesh.positions.len()]);
    let mut builder = Builder::default();
    let texture = builder.texture(&glb::top_red_bottom_blue(8), Encoding::Png);
    let material = builder.material(json!({
        "pbrMetallicRoughness": { "baseColorTexture": { "index": texture } },
    }));
    let sphere = builder.mesh(&mesh, Some(material));
    builder.node(sphere, json!({}));
    // A second mesh drawn as points.
    let points = builder.mesh(&Mesh::sphere(4, 2), None);
    builder.json["meshes"][points]["primitives"][0]["mode"] = json!(0);
    builder.node(points, json!({}));

    let converted = to_usdz(&builder.to_bytes(), &UsdzOptions::default())
        .unwrap_or_else(|e| panic!("to_usdz: {e}"));
    let notes = converted.notes.join("\n");
    assert!(notes.contains("vertex colours"), "{notes}");
    assert!(notes.contains("points and lines"), "{notes}");
    assert_eq!(converted.report.triangles, mesh.triangle_count() as u64);
}
