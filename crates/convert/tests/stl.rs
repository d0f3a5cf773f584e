//! STL for printing, read back by trimesh: closed where the report says
//! so, at the size asked for, and closed after "make printable".

mod common;

use common::glb::{Builder, Mesh};
use serde_json::{Value, json};
use trellis_convert::{ConvertError, PrintReport, StlOptions, to_stl};

fn convert(glb: &[u8], options: &StlOptions) -> (Value, PrintReport) {
    let converted = to_stl(glb, options).unwrap_or_else(|e| panic!("to_stl: {e}"));
    assert_eq!(
        converted.bytes.len(),
        84 + 50 * converted.report.triangles as usize,
        "binary STL layout"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::write(&dir, "model.stl", &converted.bytes);
    (
        common::run_python("check_stl.py", &[&path]),
        converted.report,
    )
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// A sphere with its top cap cut off and a fin stuck on one edge: open and
/// non-manifold, as scans and careless exports are.
fn damaged_sphere() -> Vec<u8> {
    let (around, along) = (24, 12);
    let mut mesh = Mesh::sphere(around, along);
    // The first ring of quads touches the top pole.
    mesh.indices.drain(..(around * 6) as usize);
    let fin_tip = mesh.positions.len() as u32;
    mesh.positions.push([1.3, 0.0, 0.05]);
    mesh.normals.get_or_insert_default().push([1.0, 0.0, 0.0]);
    mesh.uvs.get_or_insert_default().push([0.0, 0.5]);
    let equator = (along / 2) * (around + 1);
    mesh.indices
        .extend([equator, equator + around + 1, fin_tip]);
    let mut builder = Builder::default();
    let index = builder.mesh(&mesh, None);
    builder.node(index, json!({}));
    builder.to_bytes()
}

#[test]
fn engine_model_is_watertight_at_the_height_asked_for() {
    let glb = common::robot_glb();
    let (trimesh, report) = convert(glb, &StlOptions::default());
    assert!(report.closed && report.manifold, "{report:?}");
    assert_eq!(trimesh["watertight"], true, "{trimesh}");
    assert_eq!(trimesh["winding_consistent"], true);
    assert_eq!(trimesh["triangles"], json!(common::triangles(glb)));

    let height = number(&trimesh["extents"][2]);
    assert!(
        (height - 100.0).abs() < 1e-3,
        "Z height {height} mm, expected 100"
    );
    assert!(
        number(&trimesh["min"][2]).abs() < 1e-3,
        "on the build plate"
    );
    for axis in 0..3 {
        let extent = number(&trimesh["extents"][axis]);
        assert!(
            (extent - f64::from(report.size_mm[axis])).abs() < 1e-3,
            "axis {axis}"
        );
    }
    let volume = report.volume_mm3.unwrap_or_default();
    let trimesh_volume = number(&trimesh["volume"]);
    assert!(
        (volume - trimesh_volume).abs() < 1e-3 * trimesh_volume,
        "volume {volume} vs trimesh {trimesh_volume}"
    );
}

#[test]
fn make_printable_closes_holes_and_removes_non_manifold_edges() {
    let glb = damaged_sphere();
    let (before, report) = convert(
        &glb,
        &StlOptions {
            height_mm: 40.0,
            make_printable: false,
        },
    );
    assert_eq!(before["watertight"], false);
    assert!(
        !report.closed && report.boundary_edges > 0 && report.non_manifold_edges == 1,
        "{report:?}"
    );
    assert_eq!(report.volume_mm3, None);

    let options = StlOptions {
        height_mm: 40.0,
        make_printable: true,
    };
    let (after, report) = convert(&glb, &options);
    assert_eq!(after["watertight"], true, "{after} {report:?}");
    assert_eq!(after["winding_consistent"], true);
    assert!(report.closed && report.manifold, "{report:?}");
    let repair = report.repair.clone().unwrap_or_default();
    assert_eq!(repair.holes_filled, 1, "{repair:?}");
    assert_eq!(repair.non_manifold_removed, 1, "{repair:?}");
    assert!(number(&after["volume"]) > 0.0, "faces point outward");
    let height = number(&after["extents"][2]);
    // The cut cap lowers the top, and the height is measured as converted.
    assert!(
        (height - 40.0).abs() < 1e-3,
        "Z height {height} mm, expected 40"
    );
}

#[test]
fn print_height_outside_the_range_is_refused() {
    for height_mm in [0.5, 5000.0, f32::INFINITY] {
        let options = StlOptions {
            height_mm,
            make_printable: true,
        };
        let error = to_stl(common::robot_glb(), &options).err();
        assert!(
            matches!(error, Some(ConvertError::InvalidOption(_))),
            "{height_mm}: {error:?}"
        );
    }
}
