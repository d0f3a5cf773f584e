//! The Khronos glTF validator's verdict on what the engine writes. Needs
//! `node` and the `gltf-validator` npm package that `scripts/ensure-tools`
//! installs under `tools/`; without them this test fails rather than skips,
//! so a missing tool can never pass for a valid file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use trellis_inflate::glb::{Material, MeshData, write_glb};
use trellis_inflate::segment;

/// Where `scripts/ensure-tools` installs the npm tools.
fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules")
}

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
    let modules = node_modules();
    assert!(
        modules.join("gltf-validator/package.json").is_file(),
        "the Khronos glTF validator is not installed in {}: run scripts/ensure-tools \
         (or `npm install --prefix tools gltf-validator@2.0.0-dev.3.10` at the repository root)",
        modules.display()
    );
    let photo = segment(&common::photo(400, 300).image).unwrap_or_else(|e| panic!("segment: {e}"));
    let cutout =
        segment(&common::cutout(300, 300).image).unwrap_or_else(|e| panic!("segment: {e}"));
    let inflated = |subject: &trellis_inflate::Subject, target| {
        let model = subject.extract_glb(target, 256);
        model.unwrap_or_else(|e| panic!("extract_glb: {e}")).bytes
    };
    let glbs = [
        ("inflate-photo.glb", inflated(&photo, 20_000)),
        ("inflate-cutout.glb", inflated(&cutout, 1_000)),
        ("writer-vertex-colours.glb", coloured_tetrahedron()),
    ];
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inflate-validator");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let mut paths = Vec::new();
    for (name, bytes) in glbs {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        paths.push(path);
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate.mjs");
    let output = Command::new("node")
        .arg(script)
        .arg(&modules)
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js installed and on PATH?): {e}"));
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the validator reported errors:\n{report}"
    );
    assert_eq!(
        report.matches("numErrors=0 ").count(),
        paths.len(),
        "expected a clean report per file:\n{report}"
    );
}
