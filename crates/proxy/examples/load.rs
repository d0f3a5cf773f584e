//! A load test of the proxy on 127.0.0.1: concurrent uploads and event
//! stream subscribers while `GET /api/health` is timed, and the proxy's
//! peak memory read from `/proc`. Bounded in count and time; prints its
//! figures (targets: health p99 < 50 ms, RSS < 300 MB, no error for any
//! client within its quota) and fails if any client got an error.
//!
//! ```sh
//! scripts/load-test            # 2,000 subscribers for 60 s + 200 uploads
//! cargo run -p trellis-proxy --example load -- --proxy target/debug/trellis-proxy \
//!     --subscribers 100 --uploads 20 --seconds 5
//! ```
//!
//! The engine is a stand-in GPU server on 127.0.0.1 (Modal's API) that is
//! healthy and slow: it holds every job for the whole run, so the uploads
//! wait in line and every subscriber follows a live job, and the figures
//! are the proxy's own, as in production where the model runs elsewhere.
//! Clients are told apart by `X-Forwarded-For` (the proxy trusts 127.0.0.1
//! here), each address holding a few streams and one upload, as many real
//! visitors would; the addresses are documentation ranges and only ever
//! appear in that header.

#[path = "../benches/support/process.rs"]
mod process;

use std::{
    net::Ipv4Addr,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use futures_util::future::join_all;

/// Streams per simulated client: well within the default per-client cap.
const STREAMS_PER_CLIENT: usize = 8;
/// Pause before a subscriber whose generation finished opens another.
const RESUBSCRIBE_PAUSE: Duration = Duration::from_secs(1);
/// Pause between two health probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(50);
/// The photo every upload sends.
const PHOTO: &[u8] = include_bytes!("../../../assets/examples/mug.png");

/// What to run.
#[derive(clap::Parser)]
struct Args {
    /// The `trellis-proxy` binary to test.
    #[arg(long, default_value = "target/release/trellis-proxy")]
    proxy: PathBuf,
    /// Event-stream subscribers open at once.
    #[arg(long, default_value = "2000")]
    subscribers: usize,
    /// Uploads sent at once.
    #[arg(long, default_value = "200")]
    uploads: usize,
    /// How long the subscribers stay.
    #[arg(long, default_value = "60")]
    seconds: u64,
}

/// The `n`th simulated client's address (TEST-NET-2 and -3, 508 of them).
fn client_ip(n: usize) -> String {
    let n = n % 508;
    let (net, host) = if n < 254 {
        ([198, 51, 100], n + 1)
    } else {
        ([203, 0, 113], n - 253)
    };
    Ipv4Addr::new(net[0], net[1], net[2], u8::try_from(host).unwrap_or(1)).to_string()
}

/// What went wrong, by kind.
#[derive(Default)]
struct Tally {
    uploads_ok: AtomicUsize,
    over_quota: AtomicUsize,
    errors: AtomicUsize,
    streams_opened: AtomicUsize,
    events: AtomicUsize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

/// A stand-in GPU server: healthy at once, and never done with a job.
async fn slow_gpu() -> String {
    let never = || async {
        std::future::pending::<()>().await;
    };
    let app = axum::Router::new()
        .route(
            "/health",
            axum::routing::get(|| async { "{\"status\":\"healthy\"}" }),
        )
        .route("/generate", axum::routing::post(never))
        .route("/extract_glb", axum::routing::post(never));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = <Args as clap::Parser>::parse();
    let dir = tempfile::tempdir().expect("a temp dir");
    let queue = (args.uploads + 10).to_string();
    let gpu = slow_gpu().await;
    let endpoint = |path: &str| format!("{gpu}/{path}");
    let (generate, extract, health) = (
        endpoint("generate"),
        endpoint("extract_glb"),
        endpoint("health"),
    );
    let proxy = process::Proxy::start(
        &args.proxy,
        &dir.path().join("data"),
        &[
            "--backend",
            "modal",
            "--modal-generate-url",
            &generate,
            "--modal-extract-url",
            &extract,
            "--modal-health-url",
            &health,
            "--modal-key",
            "wk-load-test",
            "--modal-secret",
            "ws-load-test",
            "--trusted-proxies",
            "127.0.0.1",
            "--max-queue",
            &queue,
        ],
    );
    let url = proxy.url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("an HTTP client");
    let tally = Arc::new(Tally::default());
    let body = Arc::new(format!("{{\"image\":\"{}\"}}", STANDARD.encode(PHOTO)));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);

    // The uploads, all at once, each from a client of its own.
    let clock = Instant::now();
    let uploads = (0..args.uploads).map(|n| {
        let (http, url, body, tally) = (
            http.clone(),
            url.clone(),
            Arc::clone(&body),
            Arc::clone(&tally),
        );
        async move {
            let answer = http
                .post(format!("{url}api/generate"))
                .header("content-type", "application/json")
                .header("x-forwarded-for", client_ip(n))
                .body(body.as_str().to_owned())
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status() == reqwest::StatusCode::ACCEPTED => {
                    tally.uploads_ok.fetch_add(1, Ordering::Relaxed);
                    let body = answer.bytes().await.unwrap_or_default();
                    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    json["id"].as_str().map(str::to_owned)
                }
                Ok(answer) if answer.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                    tally.over_quota.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Ok(answer) => {
                    eprintln!("upload {n}: HTTP {}", answer.status());
                    tally.errors.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Err(err) => {
                    eprintln!("upload {n}: {err}");
                    tally.errors.fetch_add(1, Ordering::Relaxed);
                    None
                }
            }
        }
    });
    let ids: Vec<String> = join_all(uploads).await.into_iter().flatten().collect();
    let upload_time = clock.elapsed();
    let ids = Arc::new(ids);

    // The subscribers, each following one of the generations until the
    // deadline, opening another when one finishes.
    let subscribers = (0..args.subscribers).map(|n| {
        let (http, url, ids, tally) = (
            http.clone(),
            url.clone(),
            Arc::clone(&ids),
            Arc::clone(&tally),
        );
        tokio::spawn(async move {
            let mut turn = n;
            while Instant::now() < deadline && !ids.is_empty() {
                let id = &ids[turn % ids.len()];
                turn += 1;
                let answer = http
                    .get(format!("{url}api/generations/{id}/events"))
                    .header("x-forwarded-for", client_ip(n / STREAMS_PER_CLIENT))
                    .send()
                    .await;
                let mut stream = match answer {
                    Ok(answer) if answer.status().is_success() => answer,
                    Ok(answer) => {
                        eprintln!("subscriber {n}: HTTP {}", answer.status());
                        tally.errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(err) => {
                        eprintln!("subscriber {n}: {err}");
                        tally.errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                };
                tally.streams_opened.fetch_add(1, Ordering::Relaxed);
                loop {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(left, stream.chunk()).await {
                        Err(_) => return,
                        Ok(Ok(Some(chunk))) => {
                            let events = chunk.windows(5).filter(|w| w == b"data:").count();
                            tally.events.fetch_add(events, Ordering::Relaxed);
                        }
                        Ok(Ok(None)) => break,
                        Ok(Err(err)) => {
                            eprintln!("subscriber {n}: the stream broke: {err}");
                            tally.errors.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                }
                tokio::time::sleep(RESUBSCRIBE_PAUSE).await;
            }
        })
    });
    let subscribers: Vec<_> = subscribers.collect();

    // Health, timed, for as long as the subscribers run.
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let clock = Instant::now();
        match http.get(format!("{url}api/health")).send().await {
            Ok(answer) if answer.status().is_success() => {
                let _ = answer.bytes().await;
                latencies.push(clock.elapsed());
            }
            Ok(answer) => {
                eprintln!("health: HTTP {}", answer.status());
                tally.errors.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                eprintln!("health: {err}");
                tally.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
    join_all(subscribers).await;
    let (rss, peak) = proxy.memory_mib();
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for id in ids.iter() {
        let state = match http.get(format!("{url}api/generations/{id}")).send().await {
            Ok(answer) => {
                let body = answer.bytes().await.unwrap_or_default();
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                format!(
                    "{} {}",
                    json["status"].as_str().unwrap_or("?"),
                    json["error"]["code"].as_str().unwrap_or("")
                )
            }
            Err(err) => format!("unreadable ({err})"),
        };
        *states.entry(state).or_default() += 1;
    }
    latencies.sort_unstable();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "uploads: {} of {} accepted in {:.1} s ({} over quota)",
        tally.uploads_ok.load(Ordering::Relaxed),
        args.uploads,
        upload_time.as_secs_f64(),
        tally.over_quota.load(Ordering::Relaxed)
    );
    println!(
        "subscribers: {} for {} s, {} streams opened, {} events",
        args.subscribers,
        args.seconds,
        tally.streams_opened.load(Ordering::Relaxed),
        tally.events.load(Ordering::Relaxed)
    );
    println!(
        "GET /api/health: {} probes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 < 50 ms)",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!("proxy RSS: {rss:.1} MiB now, peak {peak:.1} MiB (target < 300 MB)");
    println!("the uploaded jobs at the end: {states:?}");
    let errors = tally.errors.load(Ordering::Relaxed);
    println!("errors for clients within their quota: {errors}");
    if errors == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
