//! OBJ + MTL + textures in a zip, loaded back by trimesh as a DCC tool
//! would load it.

mod common;

use common::glb::{self, Encoding};
use serde_json::{Value, json};
use trellis_convert::to_obj_zip;

fn check(glb: &[u8], compare_with_source: bool) -> (Value, trellis_convert::ObjReport) {
    let converted = to_obj_zip(glb).unwrap_or_else(|e| panic!("to_obj_zip: {e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = common::write(&dir, "model.obj.zip", &converted.bytes);
    let source = common::write(&dir, "source.glb", glb);
    let mut args = vec![archive.as_path()];
    if compare_with_source {
        args.push(&source);
    }
    (common::run_python("check_obj.py", &args), converted.report)
}

#[test]
fn engine_model_loads_in_trimesh_with_its_triangles_uvs_and_texture() {
    let glb = common::robot_glb();
    let (trimesh, report) = check(glb, true);
    let triangles = common::triangles(glb);
    assert_eq!(trimesh["triangles"], json!(triangles), "{trimesh}");
    assert_eq!(trimesh["source_triangles"], json!(triangles));
    assert_eq!(report.triangles, triangles);
    assert_eq!(trimesh["uvs"], true);
    assert_eq!(trimesh["textured"], true, "the MTL's map_Kd must load");
    assert_eq!(
        trimesh["corners_match"], true,
        "every triangle corner keeps its position and UV"
    );
}

#[test]
fn packed_metallic_roughness_is_split_and_webp_becomes_png() {
    let (trimesh, report) = check(&glb::full_material_sphere(Encoding::Webp), false);
    let files: Vec<String> = serde_json::from_value(trimesh["files"].clone()).expect("names");
    for expected in [
        "model.obj",
        "model.mtl",
        "textures/roughness0.png",
        "textures/metallic0.png",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} missing from {files:?}"
        );
    }
    assert!(
        files
            .iter()
            .filter(|f| f.starts_with("textures/"))
            .all(|f| f.ends_with(".png")),
        "{files:?}"
    );
    assert_eq!(report.reencoded_textures, 3);
    assert_eq!(report.textures, 5);
    assert_eq!(trimesh["textured"], true);
    assert_eq!(trimesh["uvs"], true);
}
