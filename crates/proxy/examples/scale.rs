//! The scale-out bench: prints
//!
//! - jobs per minute through a pool of 3 fake GPU servers against 1 (each
//!   takes 2 s per job, concurrency 1; target: at least 2.8×),
//! - the scheduler's own cost per decision (`schedule::pick` over a long
//!   line; target: under 5 ms), and the proxy's whole overhead per job with
//!   servers that answer at once,
//! - submit→202 p50/p99 with the records and the line in a real
//!   PostgreSQL (target: p99 under 20 ms on this machine).
//!
//! ```sh
//! scripts/bench-scale                     # release build, default sizes
//! cargo run -p trellis-proxy --example scale -- --jobs 12 --submits 100
//! ```
//!
//! The fake GPU servers are the tests' Modal fakes (contract §1), on
//! 127.0.0.1; the proxies run in this process, as `app()` does in tests.

#[allow(dead_code)]
#[path = "../tests/api/upstream.rs"]
mod upstream;

use std::time::{Duration, Instant};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use clap::Parser as _;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use trellis_proxy::{
    AppState, Config, app,
    pool::schedule::{self, ServerLoad, WaitingTask},
};
use upstream::{Reply, Upstream, modal_generated};

/// The photo every job sends.
const PHOTO: &[u8] = include_bytes!("../../../assets/examples/mug.png");
/// How long each fake GPU server takes per generate call.
const JOB_TAKES: Duration = Duration::from_secs(2);
/// Waiting tasks in the scheduler's timed decision: a long line.
const LINE_FOR_PICK: usize = 500;
/// Decisions timed.
const PICKS: u32 = 10_000;

/// What to run.
#[derive(clap::Parser)]
struct Args {
    /// Jobs through each pool for the throughput figure.
    #[arg(long, default_value = "12")]
    jobs: usize,
    /// Submissions timed against PostgreSQL.
    #[arg(long, default_value = "200")]
    submits: usize,
}

/// A config file of `fakes`, concurrency 1 each, and its secrets file.
fn pool_file(dir: &std::path::Path, fakes: &[Upstream]) -> std::path::PathBuf {
    let secrets = dir.join("secrets.json");
    let keys = json!({ "modal_key": "wk-bench", "modal_secret": "ws-bench" });
    std::fs::write(&secrets, keys.to_string()).expect("a secrets file");
    let mut text = String::new();
    for (n, fake) in fakes.iter().enumerate() {
        let url = &fake.url;
        text += &format!(
            "[[server]]\nname = \"gpu-{n}\"\nkind = \"modal\"\nconcurrency = 1\n\
             generate_url = \"{url}/generate\"\nextract_url = \"{url}/extract_glb\"\n\
             health_url = \"{url}/health\"\nsecrets_file = \"{}\"\n\n",
            secrets.display()
        );
    }
    let file = dir.join("trellis.toml");
    std::fs::write(&file, text).expect("a config file");
    file
}

/// A proxy over `fakes` on a fresh data dir, with more flags.
async fn proxy(dir: &std::path::Path, fakes: &[Upstream], extra: &[&str]) -> Router {
    let file = pool_file(dir, fakes);
    let data = dir.join("data");
    let mut args = vec![
        "trellis-proxy".to_owned(),
        "--data-dir".to_owned(),
        data.display().to_string(),
        "--dist-dir".to_owned(),
        data.join("no-dist").display().to_string(),
        "--config".to_owned(),
        file.display().to_string(),
        "--no-cache".to_owned(),
    ];
    for (flag, value) in [
        ("--generations-per-hour", "0"),
        ("--waiting-per-client", "0"),
        ("--gpu-seconds-per-day", "0"),
        ("--max-queue", "100000"),
    ] {
        args.extend([flag.to_owned(), value.to_owned()]);
    }
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let state = AppState::new(&Config::parse_from(args))
        .await
        .expect("a proxy");
    app(state)
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.expect("an answer");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Submits the photo; its id.
async fn submit(app: &Router) -> String {
    let body = json!({ "image": STANDARD.encode(PHOTO) }).to_string();
    let request = Request::post("/api/generate")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a request");
    let (status, answer) = send(app, request).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    answer["id"].as_str().expect("an id").to_owned()
}

async fn wait_done(app: &Router, id: &str) {
    loop {
        let request = Request::get(format!("/api/generations/{id}"))
            .body(Body::empty())
            .expect("a request");
        let (_, generation) = send(app, request).await;
        match generation["status"].as_str() {
            Some("succeeded") => return,
            Some("failed" | "cancelled") => panic!("a job ended badly: {generation}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Fakes answering generate after `takes`.
async fn fakes(count: usize, takes: Duration) -> Vec<Upstream> {
    let mut fakes = Vec::new();
    for _ in 0..count {
        let fake = Upstream::modal().await;
        fake.set_default(
            "/generate",
            Reply::After(takes, Box::new(Reply::Json(modal_generated()))),
        );
        fakes.push(fake);
    }
    fakes
}

/// Runs `jobs` jobs through a pool of `servers` fakes; the wall time.
async fn run_jobs(servers: usize, takes: Duration, jobs: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temp dir");
    let fakes = fakes(servers, takes).await;
    let app = proxy(dir.path(), &fakes, &[]).await;
    let clock = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..jobs {
        ids.push(submit(&app).await);
    }
    for id in &ids {
        wait_done(&app, id).await;
    }
    clock.elapsed()
}

fn per_minute(jobs: usize, took: Duration) -> f64 {
    jobs as f64 * 60.0 / took.as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

/// The scheduler's decision alone: the head of a long line, mostly bound
/// to a busy deployment, over three servers.
fn time_pick() -> Duration {
    let servers = [
        ServerLoad {
            deployment: "a",
            concurrency: 1,
            running: 1,
            healthy: true,
            wake: Duration::ZERO,
        },
        ServerLoad {
            deployment: "b",
            concurrency: 1,
            running: 0,
            healthy: true,
            wake: Duration::from_secs(143),
        },
        ServerLoad {
            deployment: "c",
            concurrency: 1,
            running: 0,
            healthy: false,
            wake: Duration::ZERO,
        },
    ];
    let mut line = vec![WaitingTask { needs: Some("a") }; LINE_FOR_PICK - 1];
    line.push(WaitingTask { needs: None });
    let clock = Instant::now();
    for _ in 0..PICKS {
        let picked = schedule::pick(&line, &servers, |_, _| Duration::from_secs(30));
        assert_eq!(picked, Some((LINE_FOR_PICK - 1, 1)));
    }
    clock.elapsed() / PICKS
}

#[tokio::main]
async fn main() {
    let args = Args::parse();

    let one = run_jobs(1, JOB_TAKES, args.jobs).await;
    let three = run_jobs(3, JOB_TAKES, args.jobs).await;
    let (one_rate, three_rate) = (per_minute(args.jobs, one), per_minute(args.jobs, three));
    println!(
        "jobs/min, {} jobs of {} s each:",
        args.jobs,
        JOB_TAKES.as_secs()
    );
    println!("  1 server:  {one_rate:.1}");
    println!(
        "  3 servers: {three_rate:.1}  ({:.2}x; target at least 2.8x)",
        three_rate / one_rate
    );

    let pick = time_pick();
    let instant = run_jobs(1, Duration::ZERO, args.jobs).await;
    println!("scheduler overhead per job:");
    println!(
        "  one decision over {LINE_FOR_PICK} waiting tasks and 3 servers: {:.3} ms (target under 5 ms)",
        pick.as_secs_f64() * 1000.0
    );
    println!(
        "  the proxy's whole work per job with servers answering at once: {:.1} ms",
        instant.as_secs_f64() * 1000.0 / args.jobs as f64
    );

    let postgres =
        trellis_testkit::Postgres::start().expect("PostgreSQL (scripts/ensure-tools installs it)");
    let database = postgres.create_database("bench").expect("a database");
    println!(
        "submit→202, {} submissions one after another (photo decoding included):",
        args.submits
    );
    for (what, extra) in [
        ("embedded SQLite", &[][..]),
        ("PostgreSQL", &["--database", database.as_str()][..]),
    ] {
        let took = time_submits(args.submits, extra).await;
        println!(
            "  {what}: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&took, 0.5).as_secs_f64() * 1000.0,
            percentile(&took, 0.99).as_secs_f64() * 1000.0
        );
    }
    println!("  (target with PostgreSQL: p99 under 20 ms)");
}

/// Times `count` submissions to a proxy with `extra` flags whose server
/// never answers, so every job stays in line; sorted.
async fn time_submits(count: usize, extra: &[&str]) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let hanging = Upstream::modal().await;
    hanging.set_default("/generate", Reply::Hang);
    let app = proxy(dir.path(), &[hanging], extra).await;
    let mut took = Vec::with_capacity(count);
    for _ in 0..count {
        let clock = Instant::now();
        submit(&app).await;
        took.push(clock.elapsed());
    }
    took.sort();
    took
}
