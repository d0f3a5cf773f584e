//! What 100,000 stored generations cost the server: its memory (RSS) once
//! started over them, and how long starting takes. Settled generations
//! live in the records database and are read when asked for, so neither
//! should grow much with the archive (targets: RSS < 150 MB, start < 5 s).
//!
//! ```sh
//! cargo bench -p trellis-proxy --bench store [-- COUNT]
//! ```
//!
//! The archive is written straight through the store (records in batches,
//! folders without syncing), then the release `trellis-proxy` is started
//! over it as a separate process and measured from outside.

#[path = "support/process.rs"]
mod process;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use trellis_api::{
    BackendKind, GenerateParams, Generation, JobStatus, ModelVariant, OptimizedStatus, Phase,
    PhaseTiming, Preset,
};
use trellis_proxy::{
    id::GenerationId,
    store::{Store, StoredGeneration},
};

const DEFAULT_COUNT: usize = 100_000;
/// Rows per transaction while writing the archive.
const BATCH: usize = 10_000;
/// Settled generations read after the start, as share links would.
const READS: usize = 200;
const PROXY: &str = env!("CARGO_BIN_EXE_trellis-proxy");

/// A finished generation as the server stores it: one model, timings.
fn finished(id: &GenerationId, created_at: u64) -> Generation {
    let params = Preset::Balanced.params();
    let variant = params.variant_name();
    Generation {
        id: id.to_string(),
        status: JobStatus::Succeeded,
        phase: Phase::Done,
        phase_label: Phase::Done.label().to_owned(),
        progress: 1.0,
        queue_position: None,
        eta_seconds: None,
        created_at,
        started_at: Some(created_at + 100),
        finished_at: Some(created_at + 60_000),
        timings: vec![
            PhaseTiming {
                phase: Phase::Generating,
                ms: 30_000,
            },
            PhaseTiming {
                phase: Phase::ExtractingGlb,
                ms: 29_900,
            },
        ],
        backend: BackendKind::Modal,
        params: GenerateParams::default(),
        error: None,
        input_url: format!("generations/{id}/input.png"),
        video_url: Some(format!("generations/{id}/preview.mp4")),
        models: vec![ModelVariant {
            url: Some(format!("generations/{id}/models/{variant}.glb")),
            optimized_status: Some(OptimizedStatus::Ready),
            optimized_url: Some(format!("generations/{id}/models/{variant}.web.glb")),
            optimized_bytes: Some(5_000_000),
            coarse_url: Some(format!("generations/{id}/models/{variant}.coarse.glb")),
            coarse_bytes: Some(390_000),
            coarse_faces: Some(25_000),
            variant,
            status: JobStatus::Succeeded,
            faces: Some(500_000),
            vertices: Some(250_000),
            bytes: Some(24_000_000),
            decimation_target: params.decimation_target,
            texture_size: params.texture_size,
            params,
            error: None,
            revision: 3,
        }],
        poster_url: Some(format!("generations/{id}/poster.png")),
        reused_from: None,
    }
}

#[tokio::main]
async fn main() {
    let count = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(DEFAULT_COUNT);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let clock = Instant::now();
    let store = Store::open(&data).await.unwrap();
    let mut ids = Vec::with_capacity(count);
    let day_ago = 1_700_000_000_000u64;
    for batch in 0..count.div_ceil(BATCH) {
        let mut rows = Vec::with_capacity(BATCH);
        for n in batch * BATCH..((batch + 1) * BATCH).min(count) {
            let id = GenerationId::random().unwrap();
            let input = store.files.input_path(&id);
            std::fs::create_dir_all(input.parent().unwrap()).unwrap();
            std::fs::write(&input, b"\x89PNG stand-in").unwrap();
            let stored = StoredGeneration::new(finished(&id, day_ago + n as u64), None);
            rows.push((id.clone(), stored, 14));
            ids.push(id);
        }
        store.records.insert_many(rows).await.unwrap();
    }
    drop(store);
    println!(
        "wrote {count} generations in {:.1} s",
        clock.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let proxy = process::Proxy::start(Path::new(PROXY), &data, &["--backend", "builtin"]);
    let startup = started.elapsed();
    let (rss_started, _) = proxy.memory_mib();
    let url = proxy.url.clone();

    let client = reqwest::Client::new();
    let read_clock = Instant::now();
    for n in 0..READS {
        let id = &ids[n * ids.len() / READS];
        let answer = client
            .get(format!("{url}api/generations/{id}"))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }
    let per_read = read_clock.elapsed() / u32::try_from(READS).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (rss, peak) = proxy.memory_mib();
    drop(proxy);

    println!(
        "start over {count} stored generations: {:.2} s (target < 5 s)",
        startup.as_secs_f64()
    );
    println!(
        "RSS after start: {rss_started:.1} MiB; after {READS} reads: {rss:.1} MiB; peak {peak:.1} MiB (target < 150 MB)"
    );
    println!(
        "reading one settled generation: {:.2} ms",
        per_read.as_secs_f64() * 1000.0
    );
}
