//! A pool of GPU servers from a config file, against contract-faithful
//! fakes of the Modal service: jobs spread over the free servers, waits
//! account for every server, extractions go where the state is, an
//! unreachable server's job moves to another, and a server that took a
//! request and broke fails the job honestly instead of running it twice.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use trellis_api::{Health, HealthStatus, JobStatus};

use crate::{
    common::{MODAL_KEY, MODAL_SECRET, TestServer, logs},
    images::subject_png,
    upstream::{Reply, Upstream, modal_generated},
};

/// How long each fake takes to generate: long enough that jobs overlap.
const GENERATE_TAKES: Duration = Duration::from_millis(1500);

/// A Modal fake whose generate call takes [`GENERATE_TAKES`].
async fn slow_modal() -> Upstream {
    let upstream = Upstream::modal().await;
    upstream.set_default(
        "/generate",
        Reply::After(GENERATE_TAKES, Box::new(Reply::Json(modal_generated()))),
    );
    upstream
}

/// A secrets file with the test credentials, beside the config.
fn secrets_file() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let json = json!({ "modal_key": MODAL_KEY, "modal_secret": MODAL_SECRET });
    std::fs::write(file.path(), json.to_string()).unwrap();
    file
}

/// A `[[server]]` entry of a Modal server whose endpoints are given.
fn entry(name: &str, generate: &str, extract: &str, health: &str, secrets: &str) -> String {
    format!(
        "[[server]]\nname = \"{name}\"\nkind = \"modal\"\nconcurrency = 1\n\
         generate_url = \"{generate}/generate\"\nextract_url = \"{extract}/extract_glb\"\n\
         health_url = \"{health}/health\"\nsecrets_file = \"{secrets}\"\n\n"
    )
}

/// Entries for `servers`, named gpu-0, gpu-1…
fn pool_of(servers: &[&Upstream], secrets: &str) -> String {
    servers
        .iter()
        .enumerate()
        .map(|(n, s)| entry(&format!("gpu-{n}"), &s.url, &s.url, &s.url, secrets))
        .collect()
}

/// A loopback address nothing listens on.
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn health(server: &TestServer) -> Health {
    let reply = server.get("/api/health").await;
    reply.assert_status(StatusCode::OK);
    reply.json()
}

#[tokio::test]
async fn three_servers_run_three_jobs_at_once_and_the_waits_count_them_all() {
    let fakes = [slow_modal().await, slow_modal().await, slow_modal().await];
    let secrets = secrets_file();
    let config = pool_of(
        &fakes.iter().collect::<Vec<_>>(),
        &secrets.path().display().to_string(),
    );
    // Every job is the same photo: the cache would answer them.
    let server = TestServer::pooled(&config, &["--no-cache"]).await;

    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(server.submit(&subject_png(), &[]).await);
    }
    // Three run, one on each server; three wait, and with three servers
    // they all expect to be done about one job from now, not one, two and
    // three jobs from now.
    let running = |g: &trellis_api::Generation| g.status == JobStatus::Running;
    for id in &ids[..3] {
        server.wait_until(id, running).await;
    }
    let health = health(&server).await;
    let names: Vec<&str> = health.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["gpu-0", "gpu-1", "gpu-2"]);
    for shown in &health.servers {
        assert_eq!((shown.running, shown.concurrency), (1, 1), "{shown:?}");
        assert!(shown.serving);
    }
    let answer = server.get("/api/health").await.text();
    for fake in &fakes {
        assert!(!answer.contains(&fake.url), "the health answer shows a URL");
    }
    let mut etas = Vec::new();
    for id in &ids[3..] {
        let waiting = server.generation(id).await;
        assert_eq!(waiting.status, JobStatus::Queued);
        etas.push(waiting.eta_seconds.expect("a wait"));
    }
    let job = server.generation(&ids[0]).await;
    let one_job = job.eta_seconds.unwrap_or_default().max(1.0);
    let spread = etas.iter().copied().fold(f32::MIN, f32::max)
        - etas.iter().copied().fold(f32::MAX, f32::min);
    assert!(
        spread < one_job / 2.0,
        "waits {etas:?} for jobs of {one_job} s"
    );

    for id in &ids {
        server.wait_for_status(id, JobStatus::Succeeded).await;
    }
    let calls: Vec<usize> = fakes.iter().map(|f| f.seen("/generate").len()).collect();
    assert_eq!(calls.iter().sum::<usize>(), 6, "{calls:?}");
    assert!(
        calls.iter().all(|&n| n >= 1),
        "every server worked: {calls:?}"
    );
}

#[tokio::test]
async fn another_model_is_extracted_on_the_server_holding_the_state() {
    let fakes = [Upstream::modal().await, Upstream::modal().await];
    let secrets = secrets_file();
    let config = pool_of(
        &[&fakes[0], &fakes[1]],
        &secrets.path().display().to_string(),
    );
    let server = TestServer::pooled(&config, &[]).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    let holder = fakes
        .iter()
        .position(|f| f.seen("/generate").len() == 1)
        .expect("one server generated");
    let other = 1 - holder;

    // Many times, so that a choice by chance or by load would show.
    for faces in [150_000, 250_000, 350_000] {
        let reply = server
            .extract(
                &id,
                &json!({ "decimation_target": faces, "texture_size": 1024 }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    }
    server
        .wait_until(&id, |g| {
            g.models.len() == 4 && g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    assert_eq!(fakes[holder].seen("/extract_glb").len(), 4);
    assert_eq!(fakes[other].seen("/extract_glb").len(), 0);
}

#[tokio::test]
async fn a_job_sent_to_an_unreachable_server_runs_once_on_another() {
    let live = [Upstream::modal().await, Upstream::modal().await];
    let secrets = secrets_file();
    let secrets = secrets.path().display().to_string();
    // Its health endpoint answers, so it keeps being given work; its
    // generate endpoint is gone.
    let dead = closed_url();
    let config = entry("gpu-gone", &dead, &dead, &live[0].url, &secrets)
        + &pool_of(&[&live[0], &live[1]], &secrets);
    let server = TestServer::pooled(&config, &["--no-cache"]).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(server.submit(&subject_png(), &[]).await);
    }
    for id in &ids {
        server.wait_for_status(id, JobStatus::Succeeded).await;
    }
    let calls: usize = live.iter().map(|f| f.seen("/generate").len()).sum();
    assert_eq!(calls, 4, "each job ran exactly once");
    assert!(logs().contains("goes back in line for another"));
}

#[tokio::test]
async fn a_server_that_took_the_request_and_broke_fails_the_job_honestly_and_is_drained() {
    let broken = Upstream::modal().await;
    broken.set_default("/generate", Reply::Reset(b"{\"glb\":".to_vec()));
    let healthy = slow_modal().await;
    let secrets = secrets_file();
    let config = pool_of(&[&broken, &healthy], &secrets.path().display().to_string());
    let server = TestServer::pooled(&config, &["--health-interval-secs", "60", "--no-cache"]).await;

    // The first job goes to the first server listed.
    let id = server.submit(&subject_png(), &[]).await;
    let failed = server.wait_for_status(&id, JobStatus::Failed).await;
    let error = failed.error.expect("an error");
    assert!(error.message.contains("broke"), "{error:?}");
    assert_eq!(healthy.seen("/generate").len(), 0, "never sent twice");

    // The server is drained: the health shows why, and the next job goes
    // to the other one even though both are free.
    let shown = health(&server).await;
    let first = &shown.servers[0];
    assert!(!first.serving, "{first:?}");
    let next = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&next, JobStatus::Succeeded).await;
    assert_eq!(broken.seen("/generate").len(), 1);
    assert_eq!(healthy.seen("/generate").len(), 1);
    assert_ne!(shown.status, HealthStatus::Error, "one server still serves");
}
