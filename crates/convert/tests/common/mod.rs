//! What the conversion tests share: real models to convert (the CPU engine's
//! inflated example photo, and small hand-built GLBs for the cases it never
//! produces), and the third-party checkers run through the Python venv
//! `scripts/ensure-tools` installs.

#![allow(
    dead_code,
    reason = "each test binary and the benchmark use a different subset"
)]

pub mod glb;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's interpreter. Fails (never skips) when it is missing, so a
/// machine without the checkers cannot pass for one where they agree.
pub fn python() -> PathBuf {
    let python = workspace_root().join("tools/.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/ensure-tools to install the Python checkers (tools/requirements.txt)",
        python.display()
    );
    python
}

/// Runs `tests/python/{script}` with `args` and parses the JSON it prints.
pub fn run_python(script: &str, args: &[&Path]) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let output = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{stdout}"))
}

/// Writes `bytes` into `dir` as `name` and returns the path.
pub fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// The CPU engine's model of the robot example photo: a real closed,
/// textured mesh of about 20 000 triangles with a 512² PNG, made once per
/// test binary.
pub fn robot_glb() -> &'static [u8] {
    static GLB: OnceLock<Vec<u8>> = OnceLock::new();
    GLB.get_or_init(|| {
        let photo = image::open(workspace_root().join("assets/examples/robot.png"))
            .unwrap_or_else(|e| panic!("reading the example photo: {e}"))
            .into_rgba8();
        let subject = trellis_inflate::segment(&photo).unwrap_or_else(|e| panic!("segment: {e}"));
        subject
            .extract_glb(20_000, 512)
            .unwrap_or_else(|e| panic!("extract_glb: {e}"))
            .bytes
    })
}

/// The robot's base colour texture, as stored in its GLB.
pub fn robot_texture() -> Vec<u8> {
    let gltf = gltf::Gltf::from_slice(robot_glb()).unwrap_or_else(|e| panic!("robot GLB: {e}"));
    let bin = gltf.blob.as_deref().unwrap_or_default();
    let image = gltf.images().next().expect("the robot has a texture");
    match image.source() {
        gltf::image::Source::View { view, .. } => {
            bin[view.offset()..view.offset() + view.length()].to_vec()
        }
        gltf::image::Source::Uri { .. } => panic!("the robot's texture is external"),
    }
}

/// The triangle count of `glb`, summed over primitives (as the engine writes
/// it: one node, one indexed triangle list).
pub fn triangles(glb: &[u8]) -> u64 {
    let gltf = gltf::Gltf::from_slice(glb).unwrap_or_else(|e| panic!("GLB: {e}"));
    gltf.meshes()
        .flat_map(|m| m.primitives())
        .map(|p| p.indices().map_or(0, |a| a.count()) as u64 / 3)
        .sum()
}
