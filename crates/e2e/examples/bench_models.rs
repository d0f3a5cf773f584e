//! Writes the viewer benchmark's TRELLIS-shaped GLBs (see
//! `trellis_e2e::trellis_glb`) into a directory, each with its
//! web-optimized levels as the proxy makes them (`<name>.opt.glb`, full
//! detail, and `<name>.coarse.glb`), skipping files that already exist:
//! the output is deterministic, so they never go stale.
//!
//! `cargo run -p trellis-e2e --example bench_models -- bench/models`

use std::path::PathBuf;
use trellis_e2e::trellis_glb::trellis_glb;

/// (file name, triangles, texture side): the three asset sizes.
const MODELS: [(&str, u32, u32); 3] = [
    ("200k-1024.glb", 200_000, 1024),
    ("1m-2048.glb", 1_000_000, 2048),
    ("1m-4096.glb", 1_000_000, 4096),
];

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "bench/models".into()),
    );
    std::fs::create_dir_all(&dir)?;
    for (name, triangles, side) in MODELS {
        let path = dir.join(name);
        let stem = name.trim_end_matches(".glb");
        let (full, coarse) = (
            dir.join(format!("{stem}.opt.glb")),
            dir.join(format!("{stem}.coarse.glb")),
        );
        if !(path.is_file() && full.is_file() && coarse.is_file()) {
            let raw = trellis_glb(triangles, side);
            let levels = trellis_webopt::optimize(&raw).map_err(std::io::Error::other)?;
            std::fs::write(&full, levels.full)?;
            std::fs::write(&coarse, levels.coarse)?;
            std::fs::write(&path, raw)?;
        }
        println!("{}", path.display());
    }
    Ok(())
}
