//! The Khronos glTF validator over GLBs: the `gltf-validator` npm package
//! that `scripts/ensure-tools` installs under `tools/`, run by Node.js
//! through `validate.mjs` beside this file. Without either the check fails
//! rather than skips, so a missing tool can never pass for a valid file.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// Where `scripts/ensure-tools` installs the npm tools.
fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules")
}

/// Runs the validator over each `(file name, GLB)` and panics with its
/// report unless every file has no error. The report, warnings and infos
/// included, is printed either way, for `--nocapture`.
pub fn assert_valid_glbs(glbs: &[(&str, &[u8])]) {
    let modules = node_modules();
    assert!(
        modules.join("gltf-validator/package.json").is_file(),
        "the Khronos glTF validator is not installed in {}: run scripts/ensure-tools \
         (or `npm ci --prefix tools` at the repository root)",
        modules.display()
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a folder for the GLBs: {e}"));
    let paths: Vec<PathBuf> = glbs
        .iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes)
                .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            path
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/validate.mjs");
    let output = Command::new("node")
        .arg(script)
        .arg(&modules)
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js installed and on PATH?): {e}"));
    let report = String::from_utf8_lossy(&output.stdout);
    let complaints = String::from_utf8_lossy(&output.stderr);
    println!("{report}{complaints}");
    assert!(
        output.status.success(),
        "the validator reported errors:\n{report}{complaints}"
    );
    assert_eq!(
        report.matches("numErrors=0 ").count(),
        glbs.len(),
        "expected a clean report per file:\n{report}"
    );
}
