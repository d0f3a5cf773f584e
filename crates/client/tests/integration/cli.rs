//! The `trellis` command line, run as a process against a running proxy.

use std::{
    path::Path,
    process::{ExitStatus, Stdio},
};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt as _, BufReader},
    process::Command,
};
use trellis_client::{GenerateRequest, JobStatus, Preset};

use crate::{
    photo::{subject_png, uniform_png},
    server::{JOB_TIMEOUT, TestServer, down_server_url, finish},
};

/// What a finished `trellis` run left behind.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Then: it failed cleanly, with a message rather than a panic.
    fn assert_failed_with(&self, message: &str) {
        assert!(!self.status.success(), "{}", self.stdout);
        assert!(self.stderr.contains(message), "{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }
}

fn trellis(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trellis"));
    command.args(args).env_remove("TRELLIS_SERVER");
    command.kill_on_drop(true);
    command
}

async fn run(args: &[&str]) -> Run {
    let output = tokio::time::timeout(JOB_TIMEOUT, trellis(args).output())
        .await
        .expect("trellis finishes in time")
        .unwrap();
    Run {
        status: output.status,
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn write_photo(dir: &Path, bytes: &[u8]) -> String {
    let path = dir.join("photo.png");
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn assert_glb(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"glTF", "{}", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_generate_writes_a_glb_and_prints_the_share_link_and_the_output_path() {
    let server = TestServer::builtin().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &subject_png());
    let output = dir.path().join("model.glb");

    let run = run(&[
        "generate",
        &photo,
        "-o",
        output.to_str().unwrap(),
        "--preset",
        "fast",
        "--server",
        &server.url,
    ])
    .await;

    assert!(run.status.success(), "{}", run.stderr);
    assert_glb(&output);
    assert!(
        run.stdout.contains(&format!("{}/?g=", server.url)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("Saved {}", output.display())),
        "{}",
        run.stdout
    );
    assert!(!dir.path().join("model.glb.part").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_generate_with_custom_settings_saves_that_model_and_reports_it_as_json() {
    let server = TestServer::builtin().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &subject_png());
    let output = dir.path().join("custom.glb");

    let run = run(&[
        "--json",
        "generate",
        &photo,
        "-o",
        output.to_str().unwrap(),
        "--pipeline",
        "512",
        "--random-seed",
        "--decimation",
        "20000",
        "--texture",
        "512",
        "--server",
        &server.url,
    ])
    .await;

    assert!(run.status.success(), "{}", run.stderr);
    let saved = run.json();
    assert_eq!(saved["variant"], "20000-512");
    assert_eq!(saved["output"], output.to_str().unwrap());
    assert_eq!(saved["bytes"], std::fs::metadata(&output).unwrap().len());
    let id = saved["id"].as_str().unwrap();
    assert_eq!(saved["share_url"], format!("{}/?g={id}", server.url));
    assert_glb(&output);

    // The seed reported is the one the server used
    let status = server.client().generation(id).status().await.unwrap();
    assert_eq!(saved["seed"], status.params.seed);
    assert_eq!(status.params.pipeline_type.as_str(), "512");
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_health_status_and_extract_work_on_an_existing_generation() {
    // Given a finished generation
    let server = TestServer::builtin().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()).extract_preset(Preset::Fast))
        .await
        .unwrap();
    finish(&handle).await;
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("again.glb");

    let health = run(&["--json", "health", "--server", &server.url]).await;
    assert!(health.status.success(), "{}", health.stderr);
    assert_eq!(health.json()["backend"], "builtin");

    let status = run(&["--json", "status", handle.id(), "--server", &server.url]).await;
    assert!(status.status.success(), "{}", status.stderr);
    assert_eq!(status.json()["status"], "succeeded");

    let human = run(&["status", handle.id(), "--server", &server.url]).await;
    assert!(human.stdout.contains("succeeded"), "{}", human.stdout);

    let extract = run(&[
        "extract",
        handle.id(),
        "--preset",
        "fast",
        "-o",
        output.to_str().unwrap(),
        "--server",
        &server.url,
    ])
    .await;
    assert!(extract.status.success(), "{}", extract.stderr);
    assert_glb(&output);
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_cancel_stops_a_generation_waiting_in_line() {
    let server = TestServer::builtin().await;
    let occupied = server.occupy().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()))
        .await
        .unwrap();

    let run = run(&["--json", "cancel", handle.id(), "--server", &server.url]).await;

    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(run.json()["status"], "cancelled");
    assert_eq!(handle.status().await.unwrap().status, JobStatus::Cancelled);
    occupied.release().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_trellis_generate_cancels_the_generation_it_started() {
    // Given `trellis generate` following a generation waiting in line
    let server = TestServer::builtin().await;
    let occupied = server.occupy().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &subject_png());
    let output = dir.path().join("never.glb");
    let mut child = trellis(&[
        "generate",
        &photo,
        "-o",
        output.to_str().unwrap(),
        "--server",
        &server.url,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let id = loop {
        let line = lines.next_line().await.unwrap().expect("a share link");
        if let Some((_, id)) = line.split_once("?g=") {
            break id.trim().to_owned();
        }
    };

    // When it gets Ctrl-C (SIGINT)
    let pid = child.id().unwrap().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().await;
    assert!(kill.unwrap().success());
    let status = tokio::time::timeout(JOB_TIMEOUT, child.wait())
        .await
        .unwrap()
        .unwrap();

    // Then it cancelled the generation and exited with 130
    assert_eq!(status.code(), Some(130));
    let generation = server.client().generation(id).status().await.unwrap();
    assert_eq!(generation.status, JobStatus::Cancelled);
    assert!(!output.exists());
    occupied.release().await;
}

#[tokio::test]
async fn a_file_that_is_not_an_image_fails_with_the_proxys_message() {
    let server = TestServer::builtin().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), b"this is a text file");

    let run = run(&["generate", &photo, "-o", "x.glb", "--server", &server.url]).await;

    run.assert_failed_with("error: The upload is not an image this server reads");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_without_a_subject_fails_with_the_engines_message() {
    let server = TestServer::builtin().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &uniform_png());
    let output = dir.path().join("none.glb");

    let run = run(&[
        "--json",
        "generate",
        &photo,
        "-o",
        output.to_str().unwrap(),
        "--server",
        &server.url,
    ])
    .await;

    run.assert_failed_with("failed: ");
    let error: Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(error["error"]["code"], "no_subject");
    assert!(!output.exists());
}

#[tokio::test]
async fn a_missing_photo_is_named_in_the_error() {
    let run = run(&["generate", "/no/such/photo.png", "-o", "x.glb"]).await;
    run.assert_failed_with("error: cannot read the image /no/such/photo.png: ");
}

#[tokio::test]
async fn settings_out_of_range_fail_before_anything_is_sent() {
    // Given no server at all, so only a local check can answer
    let url = down_server_url().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &subject_png());

    let texture = run(&[
        "generate",
        &photo,
        "-o",
        "x.glb",
        "--texture",
        "300",
        "--server",
        &url,
    ])
    .await;
    texture
        .assert_failed_with("error: texture_size must be one of 512, 1024, 2048, 4096 (got 300)");

    let seed = run(&[
        "generate",
        &photo,
        "-o",
        "x.glb",
        "--seed",
        "2147483648",
        "--server",
        &url,
    ])
    .await;
    seed.assert_failed_with("seed must be a whole number from 0 to 2147483647");
}

#[tokio::test]
async fn a_server_that_is_down_fails_with_a_clear_message() {
    let url = down_server_url().await;
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path(), &subject_png());

    let health = run(&["health", "--server", &url]).await;
    health.assert_failed_with(&format!(
        "error: cannot reach the Trellis server at {url}/: "
    ));
    assert!(
        health.stderr.contains("Is it running? (scripts/serve)"),
        "{}",
        health.stderr
    );

    let generate = run(&[
        "--json", "generate", &photo, "-o", "x.glb", "--server", &url,
    ])
    .await;
    let error: Value = serde_json::from_str(generate.stderr.trim()).unwrap();
    assert_eq!(error["error"]["code"], "unreachable");
    assert_eq!(generate.status.code(), Some(1));
}
