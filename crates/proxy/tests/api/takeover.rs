//! A proxy killed mid-job: another proxy sharing its PostgreSQL and bucket
//! takes the job over once its lease expires. The GPU server had accepted
//! it, so it is not sent again but failed with an honest message.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use trellis_api::JobStatus;
use trellis_testkit::Postgres;

use crate::{images::subject_png, shared, upstream::Reply};

/// The lease of both proxies: short, so the test is quick.
const LEASE_SECS: u64 = 2;
/// The bound: taken over within the lease plus this.
const TAKEOVER_GRACE: Duration = Duration::from_secs(10);
/// How long the killed proxy may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The proxy binary, killed when dropped.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn until<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let give_up = Instant::now() + limit;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < give_up, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_proxy_is_killed_is_failed_honestly_by_the_other_within_the_lease() {
    let postgres = Postgres::start().unwrap();
    let database = postgres.create_database("trellis").unwrap();
    let s3 = shared::bucket();
    // The GPU server accepts the job and never answers.
    let (fakes, servers, _secrets) = shared::servers(1, Reply::Hang).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("trellis.toml");
    std::fs::write(&config, &servers).unwrap();
    let port = free_port();
    let lease = LEASE_SECS.to_string();
    let store = format!("s3://{}/{}", shared::BUCKET, shared::PREFIX);
    let data = dir.path().join("data");
    let args = [
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
        &data.display().to_string(),
        "--dist-dir",
        &data.join("no-dist").display().to_string(),
        "--config",
        &config.display().to_string(),
        "--database",
        &database,
        "--store",
        &store,
        "--lease-secs",
        &lease,
        "--no-cache",
    ];
    // The bucket's endpoint and credentials as an operator gives them: the
    // standard AWS environment variables.
    let child = Command::new(env!("CARGO_BIN_EXE_trellis-proxy"))
        .args(args)
        .envs(s3.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut doomed = Proxy(child);
    let base = format!("http://127.0.0.1:{port}/api");
    let http = reqwest::Client::new();
    until("the proxy to start", START_TIMEOUT, async || {
        http.get(format!("{base}/health")).send().await.ok()
    })
    .await;

    let image = STANDARD.encode(subject_png());
    let answer = http
        .post(format!("{base}/generate"))
        .header("content-type", "application/json")
        .body(json!({ "image": image }).to_string())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let accepted: Value = serde_json::from_slice(&answer).unwrap();
    let id = accepted["id"].as_str().unwrap().to_owned();
    until(
        "the GPU server to accept the job",
        START_TIMEOUT,
        async || (fakes[0].seen("/generate").len() == 1).then_some(()),
    )
    .await;

    let survivor = shared::pool_proxy(
        &servers,
        &database,
        &shared::s3_store(&s3),
        &["--lease-secs", &lease],
    )
    .await;
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    let killed = Instant::now();

    let failed = survivor.wait_for_status(&id, JobStatus::Failed).await;
    assert!(
        killed.elapsed() < Duration::from_secs(LEASE_SECS) + TAKEOVER_GRACE,
        "taken over after {:?}",
        killed.elapsed()
    );
    let error = failed.error.expect("an error");
    assert!(error.message.contains("had accepted it"), "{error:?}");
    assert_eq!(fakes[0].seen("/generate").len(), 1, "never sent twice");
}
