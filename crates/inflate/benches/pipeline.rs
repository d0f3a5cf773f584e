//! End-to-end timing of the CPU engine on a deterministic 1024² photo-like
//! image: `cargo bench -p trellis-inflate`. Prints the median of a few runs
//! per stage; it asserts nothing, the tests do that.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

/// The largest input the proxy hands the engine.
const SIDE: u32 = 1024;
/// The heaviest settings the app offers by default.
const TRIANGLES: u32 = 200_000;
const TEXTURE: u32 = 2048;
/// Enough runs for a stable median on a shared two-core machine.
const RUNS: usize = 5;

fn main() -> Result<(), trellis_inflate::InflateError> {
    let scene = common::photo(SIDE, SIDE);
    let mut segment = Vec::new();
    let mut state = Vec::new();
    let mut extract = Vec::new();
    let mut faces = 0;
    let mut glb_len = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let subject = trellis_inflate::segment(&scene.image)?;
        segment.push(start.elapsed());

        let start = Instant::now();
        let subject = trellis_inflate::Subject::from_state(&subject.to_state())?;
        state.push(start.elapsed());

        let start = Instant::now();
        let model = subject.extract_glb(TRIANGLES, TEXTURE)?;
        extract.push(start.elapsed());
        faces = model.faces;
        glb_len = model.bytes.len();
    }
    let total: Vec<Duration> = (0..RUNS)
        .map(|i| segment[i] + state[i] + extract[i])
        .collect();
    println!(
        "inflate pipeline, {SIDE}x{SIDE} photo, {TRIANGLES} triangles, {TEXTURE}² texture, median of {RUNS}:"
    );
    for (stage, times) in [
        ("segment", segment),
        ("state round trip", state),
        ("extract_glb", extract),
        ("total", total),
    ] {
        println!(
            "  {stage:<17} {:>8.1} ms",
            median(times).as_secs_f64() * 1e3
        );
    }
    println!("  model: {faces} triangles, {:.1} MB", glb_len as f64 / 1e6);
    Ok(())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
