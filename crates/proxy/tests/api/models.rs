//! Models for the tests of what the proxy makes from a model (optimized
//! copies, posters, conversions), and Pixar's USD checker of the results
//! (the Khronos glTF validator is `trellis_testkit::assert_valid_glbs`).

use std::{
    f32::consts::PI,
    io::Read,
    path::{Path, PathBuf},
    process::Command,
};

use image::{ImageFormat, Rgba, RgbaImage};
use trellis_inflate::glb::{Material, MeshData, write_glb};

use crate::images::encode;

/// A closed, textured ball of 32 × 16 quads with a two-colour texture: a
/// small real model that every converter and the optimizer take.
pub fn ball_glb() -> Vec<u8> {
    const AROUND: u32 = 32;
    const ALONG: u32 = 16;
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    for row in 0..=ALONG {
        let v = row as f32 / ALONG as f32;
        let polar = v * PI;
        for column in 0..=AROUND {
            let u = column as f32 / AROUND as f32;
            let azimuth = u * 2.0 * PI;
            positions.push([
                polar.sin() * azimuth.cos() * 0.5,
                polar.cos() * 0.5,
                polar.sin() * azimuth.sin() * 0.5,
            ]);
            uvs.push([u, v]);
        }
    }
    let mut indices = Vec::new();
    let at = |row: u32, column: u32| row * (AROUND + 1) + column;
    for row in 0..ALONG {
        for column in 0..AROUND {
            let (a, b) = (at(row, column), at(row, column + 1));
            let (c, d) = (at(row + 1, column), at(row + 1, column + 1));
            indices.extend_from_slice(&[a, b, c, b, d, c]);
        }
    }
    let texture = RgbaImage::from_fn(64, 64, |x, _| {
        if x < 32 {
            Rgba([230, 120, 40, 255])
        } else {
            Rgba([40, 160, 220, 255])
        }
    });
    let mesh = MeshData {
        positions,
        uvs: Some(uvs),
        indices,
        ..MeshData::default()
    };
    let material = Material {
        base_color_png: Some(encode(&texture, ImageFormat::Png)),
        metallic: 0.0,
        roughness: 0.8,
    };
    write_glb(&mesh, Some(&material)).unwrap()
}

/// `glb` claiming to need Draco compression, which no converter here
/// reads: a valid GLB they must refuse.
pub fn requiring_draco(glb: &[u8]) -> Vec<u8> {
    let chunks = trellis_glb::split(glb).unwrap();
    let mut document = trellis_glb::parse(chunks.json).unwrap();
    document["extensionsUsed"] = serde_json::json!(["KHR_draco_mesh_compression"]);
    document["extensionsRequired"] = serde_json::json!(["KHR_draco_mesh_compression"]);
    trellis_glb::join(&trellis_glb::to_json(&document), chunks.bin).unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs Pixar's `UsdUtils.ComplianceChecker` with the ARKit rules (the
/// convert crate's checker script, in the venv `scripts/ensure-tools`
/// makes) over a USDZ; returns its JSON report.
pub fn usd_checker_report(usdz: &[u8]) -> serde_json::Value {
    let python = workspace().join("tools/.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/ensure-tools",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.usdz");
    std::fs::write(&path, usdz).unwrap();
    let output = Command::new(python)
        .arg(workspace().join("crates/convert/tests/python/check_usdz.py"))
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "check_usdz.py failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// `bytes` decoded from a `Content-Encoding`.
pub fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut decoded)
            .unwrap(),
        "br" => brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut decoded)
            .unwrap(),
        other => panic!("unexpected encoding {other}"),
    };
    decoded
}
