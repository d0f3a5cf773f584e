//! The Khronos glTF validator's verdict on what the engine writes (see
//! `trellis_testkit::assert_valid_glbs` for the tools it needs).

mod common;

use trellis_inflate::glb::{Material, MeshData, write_glb};
use trellis_inflate::segment;
use trellis_testkit::assert_valid_glbs;

/// A vertex-coloured tetrahedron without normals (the writer computes them)
/// and a texture-less material, as the proxy writes the GPU server's meshes.
fn coloured_tetrahedron() -> Vec<u8> {
    let mesh = MeshData {
        positions: vec![
            [0.0, 0.5, 0.0],
            [-0.5, -0.5, 0.5],
            [0.5, -0.5, 0.5],
            [0.0, -0.5, -0.5],
        ],
        normals: None,
        uvs: None,
        colors: Some(vec![
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0, 1.0, 1.0],
        ]),
        indices: vec![0, 1, 2, 0, 2, 3, 0, 3, 1, 1, 3, 2],
    };
    let material = Material {
        base_color_png: None,
        metallic: 0.0,
        roughness: 0.6,
    };
    write_glb(&mesh, Some(&material)).unwrap_or_else(|e| panic!("write_glb: {e}"))
}

#[test]
fn khronos_validator_finds_no_errors() {
    let photo = segment(&common::photo(400, 300).image).unwrap_or_else(|e| panic!("segment: {e}"));
    let cutout =
        segment(&common::cutout(300, 300).image).unwrap_or_else(|e| panic!("segment: {e}"));
    let inflated = |subject: &trellis_inflate::Subject, target| {
        let model = subject.extract_glb(target, 256);
        model.unwrap_or_else(|e| panic!("extract_glb: {e}")).bytes
    };
    assert_valid_glbs(&[
        ("inflate-photo.glb", &inflated(&photo, 20_000)),
        ("inflate-cutout.glb", &inflated(&cutout, 1_000)),
        ("writer-vertex-colours.glb", &coloured_tetrahedron()),
    ]);
}
