//! Optimize time and output sizes for the three model sizes,
//! printed as a table:
//!
//!   cargo bench -p trellis-webopt
//!   cargo bench -p trellis-webopt -- bench/models/*.glb   (existing files)
//!
//! With `WEBOPT_BENCH_OUT=dir`, each model's raw, full and coarse GLBs are
//! written there, e.g. for the viewer benchmark.
//!
//! One run per model: the optimization takes seconds and its sizes are
//! deterministic; the time is a single wall-clock figure on a shared
//! machine, so read it as an order of magnitude.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

/// (label, triangles, texture side): the viewer benchmark's models.
const MODELS: [(&str, u32, u32); 3] = [
    ("200k / 1024²", 200_000, 1024),
    ("1M / 2048²", 1_000_000, 2048),
    ("1M / 4096²", 1_000_000, 4096),
];

fn main() {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let models: Vec<(String, Vec<u8>)> = if files.is_empty() {
        MODELS
            .iter()
            .map(|&(label, triangles, side)| {
                (label.to_string(), common::trellis_like_glb(triangles, side))
            })
            .collect()
    } else {
        files
            .iter()
            .map(|path| {
                (
                    path.clone(),
                    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}")),
                )
            })
            .collect()
    };
    println!(
        "| model | raw | full | full ÷ raw | coarse | coarse triangles | optimize time | decode full (native) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (label, raw) in models {
        let start = Instant::now();
        let optimized = trellis_webopt::optimize(&raw).unwrap_or_else(|e| panic!("{label}: {e}"));
        let seconds = start.elapsed().as_secs_f64();
        let (full_triangles, coarse_triangles) = optimized.triangles;
        // The viewer's decoding work (trellis-glb's meshopt decoder), natively.
        let start = Instant::now();
        let decoded = trellis_glb::meshopt::decompress(&optimized.full)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let decode_ms = start.elapsed().as_secs_f64() * 1e3;
        drop(decoded);
        if let Ok(dir) = std::env::var("WEBOPT_BENCH_OUT") {
            let name: String = label.chars().filter(char::is_ascii_alphanumeric).collect();
            let dir = std::path::Path::new(&dir);
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            for (suffix, bytes) in [
                ("raw", &raw),
                ("full", &optimized.full),
                ("coarse", &optimized.coarse),
            ] {
                let path = dir.join(format!("{name}-{suffix}.glb"));
                std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        println!(
            "| {label} | {} | {} | {:.3} | {} | {coarse_triangles} of {full_triangles} ({:.1}%) | {seconds:.1} s | {decode_ms:.0} ms |",
            megabytes(raw.len()),
            megabytes(optimized.full.len()),
            optimized.full.len() as f64 / raw.len() as f64,
            kilobytes(optimized.coarse.len()),
            100.0 * coarse_triangles as f64 / full_triangles as f64,
        );
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn kilobytes(bytes: usize) -> String {
    format!("{:.0} KB", bytes as f64 / 1e3)
}
