//! A crash test: the proxy (built-in engine) is killed with SIGKILL at
//! random moments while generations and extractions run, and restarted
//! each time. After every restart each known generation must be complete,
//! cleanly marked interrupted, or back in line; none may be lost, and no
//! file it serves may be half-written. Prints the counts; fails on any
//! violation.
//!
//! ```sh
//! scripts/crash-test                      # 30 generations
//! cargo run -p trellis-proxy --example crash -- --proxy target/debug/trellis-proxy \
//!     --generations 6 --kills 3
//! ```

// Shared with the benches, which also read the memory figures.
#[allow(dead_code)]
#[path = "../benches/support/process.rs"]
mod process;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

/// The photos, in turn.
const PHOTOS: [&[u8]; 3] = [
    include_bytes!("../../../assets/examples/mug.png"),
    include_bytes!("../../../assets/examples/cactus.png"),
    include_bytes!("../../../assets/examples/robot.png"),
];
/// Extractions asked of each finished generation, besides its first model.
const EXTRA_MODELS: [&str; 2] = ["fast", "quality"];
/// The longest a kill waits: long enough for work to be underway.
const MAX_KILL_DELAY_MS: u64 = 1500;
/// How long the last run may take to finish everything.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(600);

/// What to run.
#[derive(clap::Parser)]
struct Args {
    /// The `trellis-proxy` binary to test.
    #[arg(long, default_value = "target/release/trellis-proxy")]
    proxy: PathBuf,
    /// Generations to submit over the run.
    #[arg(long, default_value = "30")]
    generations: usize,
    /// Times the proxy is killed.
    #[arg(long, default_value = "10")]
    kills: usize,
    /// The seed of the kill moments, to repeat a run.
    #[arg(long, default_value = "24301")]
    seed: u64,
}

/// A small deterministic generator (xorshift), so a failing run can be
/// repeated with its seed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What the test knows of a generation it started.
struct Known {
    token: String,
    /// Extractions asked for, by preset.
    asked: Vec<&'static str>,
}

/// What every check counted.
#[derive(Default, Debug)]
struct Counts {
    submitted: usize,
    accepted: usize,
    extractions_asked: usize,
    restarts: usize,
    checked_files: usize,
    violations: Vec<String>,
}

/// Whether `bytes` is a whole GLB: the header's length is the file's.
fn whole_glb(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[..4] == b"glTF"
        && u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize == bytes.len()
}

/// Checks every known generation against the rules; returns the number
/// in each state.
async fn check(
    http: &reqwest::Client,
    url: &str,
    known: &BTreeMap<String, Known>,
    counts: &mut Counts,
) -> BTreeMap<&'static str, usize> {
    let mut states = BTreeMap::new();
    for id in known.keys() {
        let answer = match http.get(format!("{url}api/generations/{id}")).send().await {
            Ok(answer) => answer,
            Err(err) => {
                counts.violations.push(format!("{id}: no answer ({err})"));
                continue;
            }
        };
        if !answer.status().is_success() {
            counts
                .violations
                .push(format!("{id}: lost (HTTP {})", answer.status()));
            continue;
        }
        let generation: Value =
            serde_json::from_slice(&answer.bytes().await.unwrap_or_default()).unwrap_or_default();
        let status = generation["status"].as_str().unwrap_or("?");
        let state = match status {
            "succeeded" => "complete",
            "failed" if generation["error"]["code"] == "interrupted" => "interrupted",
            "queued" => "queued",
            "running" => "running",
            _ => {
                counts.violations.push(format!(
                    "{id}: {status} for no clean reason: {}",
                    generation["error"]
                ));
                "broken"
            }
        };
        *states.entry(state).or_default() += 1;
        let input = http
            .get(format!("{url}api/generations/{id}/input.png"))
            .send()
            .await;
        match input {
            Ok(input) if input.status().is_success() => {
                let bytes = input.bytes().await.unwrap_or_default();
                counts.checked_files += 1;
                if image::load_from_memory(&bytes).is_err() {
                    counts
                        .violations
                        .push(format!("{id}: its input is not a whole image"));
                }
            }
            _ => counts
                .violations
                .push(format!("{id}: its input is not served")),
        }
        for model in generation["models"].as_array().into_iter().flatten() {
            let model_state = model["status"].as_str().unwrap_or("?");
            if model_state == "failed" && model["error"]["code"] != "interrupted" {
                counts.violations.push(format!(
                    "{id}: a model failed for no clean reason: {}",
                    model["error"]
                ));
            }
            if model_state != "succeeded" {
                continue;
            }
            // The model, and its web-optimized levels once they are listed.
            let files = ["url", "optimized_url", "coarse_url"]
                .into_iter()
                .filter_map(|field| model[field].as_str());
            for file in files {
                let bytes = match http.get(format!("{url}api/{file}")).send().await {
                    Ok(answer) if answer.status().is_success() => {
                        answer.bytes().await.unwrap_or_default()
                    }
                    _ => {
                        counts
                            .violations
                            .push(format!("{id}: a listed model file is not served ({file})"));
                        continue;
                    }
                };
                counts.checked_files += 1;
                if !whole_glb(&bytes) {
                    counts.violations.push(format!(
                        "{id}: {file} served half-written ({} bytes)",
                        bytes.len()
                    ));
                }
            }
        }
        if let Some(poster) = generation["poster_url"].as_str() {
            let whole = match http.get(format!("{url}api/{poster}")).send().await {
                Ok(answer) if answer.status().is_success() => {
                    let bytes = answer.bytes().await.unwrap_or_default();
                    image::load_from_memory(&bytes).is_ok()
                }
                _ => false,
            };
            counts.checked_files += 1;
            if !whole {
                counts
                    .violations
                    .push(format!("{id}: its poster is not served whole"));
            }
        }
    }
    states
}

/// Submits one generation; its id and token if it was accepted.
async fn submit(http: &reqwest::Client, url: &str, photo: &[u8]) -> Option<(String, String)> {
    let body = json!({ "image": STANDARD.encode(photo), "extract_preset": "fast" }).to_string();
    let answer = http
        .post(format!("{url}api/generate"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .ok()?;
    if answer.status() != reqwest::StatusCode::ACCEPTED {
        return None;
    }
    let accepted: Value = serde_json::from_slice(&answer.bytes().await.ok()?).ok()?;
    Some((
        accepted["id"].as_str()?.to_owned(),
        accepted["owner_token"].as_str()?.to_owned(),
    ))
}

/// Asks for the next extraction of every finished generation that has one
/// left; returns how many were asked.
async fn extract_more(
    http: &reqwest::Client,
    url: &str,
    known: &mut BTreeMap<String, Known>,
) -> usize {
    let mut asked = 0;
    for (id, entry) in known.iter_mut() {
        let Some(preset) = EXTRA_MODELS.get(entry.asked.len()) else {
            continue;
        };
        let answer = http
            .post(format!("{url}api/generations/{id}/extract_glb"))
            .header("x-owner-token", &entry.token)
            .header("content-type", "application/json")
            .body(json!({ "preset": preset }).to_string())
            .send()
            .await;
        if answer.is_ok_and(|answer| answer.status().is_success()) {
            entry.asked.push(preset);
            asked += 1;
        }
    }
    asked
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let http = reqwest::Client::new();
    let mut dice = Dice(args.seed | 1);
    let mut known: BTreeMap<String, Known> = BTreeMap::new();
    let mut counts = Counts::default();
    let flags = [
        "--backend",
        "builtin",
        "--generations-per-hour",
        "0",
        "--waiting-per-client",
        "0",
    ];

    for kill in 0..=args.kills {
        let proxy = process::Proxy::start(&args.proxy, &data, &flags);
        let url = proxy.url.clone();
        if kill > 0 {
            counts.restarts += 1;
            check(&http, &url, &known, &mut counts).await;
        }
        if kill == args.kills {
            break;
        }
        // Work, then a kill at a random moment of it.
        let kill_at = Instant::now() + Duration::from_millis(dice.below(MAX_KILL_DELAY_MS));
        let work = async {
            let per_round = args.generations.div_ceil(args.kills.max(1));
            for _ in 0..per_round {
                if counts.submitted >= args.generations {
                    break;
                }
                counts.submitted += 1;
                let photo = PHOTOS[counts.submitted % PHOTOS.len()];
                if let Some((id, token)) = submit(&http, &url, photo).await {
                    counts.accepted += 1;
                    known.insert(
                        id,
                        Known {
                            token,
                            asked: Vec::new(),
                        },
                    );
                }
            }
            counts.extractions_asked += extract_more(&http, &url, &mut known).await;
            std::future::pending::<()>().await;
        };
        let _ = tokio::time::timeout_at(kill_at.into(), work).await;
        drop(proxy);
    }

    // The last run: no more kills; everything must settle cleanly.
    let proxy = process::Proxy::start(&args.proxy, &data, &flags);
    let url = proxy.url.clone();
    counts.extractions_asked += extract_more(&http, &url, &mut known).await;
    let give_up = Instant::now() + SETTLE_TIMEOUT;
    let states = loop {
        let mut scratch = Counts::default();
        let states = check(&http, &url, &known, &mut scratch).await;
        let pending = states.get("queued").copied().unwrap_or(0)
            + states.get("running").copied().unwrap_or(0);
        if pending == 0 || Instant::now() > give_up {
            break check(&http, &url, &known, &mut counts).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    drop(proxy);

    println!(
        "{} kills and restarts; {} generations submitted, {} accepted, {} extractions asked",
        counts.restarts, counts.submitted, counts.accepted, counts.extractions_asked
    );
    println!(
        "at the end: {states:?}; {} served files checked whole",
        counts.checked_files
    );
    if counts.violations.is_empty() {
        println!("no generation lost, none half-served, every one complete or cleanly interrupted");
        ExitCode::SUCCESS
    } else {
        for violation in &counts.violations {
            eprintln!("violation: {violation}");
        }
        ExitCode::FAILURE
    }
}
