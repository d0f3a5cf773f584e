//! The `trellis` command line, run as a process against a running proxy.

use std::{
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
};

use serde_json::Value;
use tempfile::TempDir;
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

    fn json_error(&self) -> Value {
        serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|err| panic!("{err}: {}", self.stderr))
    }
}

/// A photo, and an output path beside it, in a fresh temporary dir.
struct Files {
    dir: TempDir,
    photo: String,
    output: String,
}

impl Files {
    fn new(photo: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let photo_path = dir.path().join("photo.png");
        std::fs::write(&photo_path, photo).unwrap();
        let output = dir.path().join("model.glb");
        Self {
            photo: photo_path.to_str().unwrap().to_owned(),
            output: output.to_str().unwrap().to_owned(),
            dir,
        }
    }

    /// Then: the output is a whole GLB, with no `.part` file left.
    fn assert_glb(&self) {
        let bytes = std::fs::read(&self.output).unwrap();
        assert_eq!(&bytes[..4], b"glTF", "{}", self.output);
        assert_eq!(self.leftovers(), ["model.glb", "photo.png"]);
    }

    /// Then: nothing was written, not even a `.part` file.
    fn assert_no_output(&self) {
        assert_eq!(self.leftovers(), ["photo.png"]);
    }

    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

/// The owner-token file of every run in this test binary, so no test
/// writes to the user's own.
fn tokens_file() -> &'static Path {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn trellis(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trellis"));
    command
        .args(args)
        .env_remove("TRELLIS_SERVER")
        .env_remove("TRELLIS_API_KEY")
        .env_remove("TRELLIS_OWNER_TOKEN")
        .env(
            "TRELLIS_TOKENS_FILE",
            tokens_file().join("owner-tokens.json"),
        )
        .kill_on_drop(true);
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

#[tokio::test(flavor = "multi_thread")]
async fn trellis_generate_writes_a_glb_and_prints_the_share_link_and_the_output_path() {
    let server = TestServer::builtin().await;
    let files = Files::new(&subject_png());

    let run = run(&[
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--preset",
        "fast",
        "--server",
        &server.url,
    ])
    .await;

    assert!(run.status.success(), "{}", run.stderr);
    files.assert_glb();
    let share = format!("Share link: {}/?g=", server.url);
    assert!(run.stdout.contains(&share), "{}", run.stdout);
    let saved = format!("Saved {}", files.output);
    assert!(run.stdout.contains(&saved), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_generate_with_custom_settings_saves_that_model_and_reports_it_as_json() {
    let server = TestServer::builtin().await;
    let files = Files::new(&subject_png());

    let run = run(&[
        "--json",
        "generate",
        &files.photo,
        "-o",
        &files.output,
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
    files.assert_glb();
    let saved = run.json();
    assert_eq!(saved["variant"], "20000-512");
    assert_eq!(saved["output"], files.output);
    assert_eq!(
        saved["bytes"],
        std::fs::metadata(&files.output).unwrap().len()
    );
    let id = saved["id"].as_str().unwrap();
    assert_eq!(saved["share_url"], format!("{}/?g={id}", server.url));

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
    let files = Files::new(&subject_png());

    let health = run(&["--json", "health", "--server", &server.url]).await;
    assert!(health.status.success(), "{}", health.stderr);
    assert_eq!(health.json()["backend"], "builtin");

    let status = run(&["--json", "status", handle.id(), "--server", &server.url]).await;
    assert!(status.status.success(), "{}", status.stderr);
    assert_eq!(status.json()["status"], "succeeded");

    let human = run(&["status", handle.id(), "--server", &server.url]).await;
    assert!(human.stdout.contains("succeeded"), "{}", human.stdout);

    // It was not started by this command line, so it needs the token.
    let args = [
        "extract",
        handle.id(),
        "--preset",
        "balanced",
        "-o",
        &files.output,
        "--server",
        &server.url,
    ];
    let refused = run(&args).await;
    refused.assert_failed_with("pass --owner-token");
    let token = handle.owner_token().unwrap();
    let extract = run(&[&args[..], &["--owner-token", token]].concat()).await;
    assert!(extract.status.success(), "{}", extract.stderr);
    files.assert_glb();

    // And `convert` makes an STL of its first model and saves it
    let stl = files.dir.path().join("model.stl");
    let convert = run(&[
        "--json",
        "convert",
        handle.id(),
        "--format",
        "stl",
        "--height-mm",
        "50",
        "-o",
        stl.to_str().unwrap(),
        "--owner-token",
        token,
        "--server",
        &server.url,
    ])
    .await;
    assert!(convert.status.success(), "{}", convert.stderr);
    let report = convert.json();
    assert_eq!(report["conversion"]["request"]["format"], "stl");
    assert_eq!(report["conversion"]["report"]["size_mm"][2], 50.0);
    let bytes = std::fs::read(&stl).unwrap();
    assert_eq!(report["bytes"], bytes.len());
    assert_eq!(report["conversion"]["bytes"], bytes.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_keeps_the_owner_token_of_what_it_generates_to_remove_it_later() {
    let server = TestServer::builtin().await;
    let files = Files::new(&subject_png());
    let generated = run(&[
        "--json",
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &server.url,
    ])
    .await;
    assert!(generated.status.success(), "{}", generated.stderr);
    let id = generated.json()["id"].as_str().unwrap().to_owned();
    let kept = std::fs::read_to_string(tokens_file().join("owner-tokens.json")).unwrap();
    assert!(kept.contains(&id), "{kept}");

    let removed = run(&["--json", "remove", &id, "--server", &server.url]).await;
    assert!(removed.status.success(), "{}", removed.stderr);
    assert_eq!(removed.json()["removed"], true);
    let gone = server
        .client()
        .generation(id.clone())
        .status()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), "generation_deleted");
    let kept = std::fs::read_to_string(tokens_file().join("owner-tokens.json")).unwrap();
    assert!(
        !kept.contains(&id),
        "the token of a removed generation is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn trellis_sends_the_api_key_a_server_in_keys_mode_asks_for() {
    let (server, key) = TestServer::with_key().await;
    let files = Files::new(&subject_png());
    let args = [
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &server.url,
    ];
    let refused = run(&args).await;
    refused.assert_failed_with("needs an API key");
    refused.assert_failed_with("--api-key or TRELLIS_API_KEY");
    files.assert_no_output();

    let output = tokio::time::timeout(
        JOB_TIMEOUT,
        trellis(&args).env("TRELLIS_API_KEY", &key).output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    files.assert_glb();
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

    let token = handle.owner_token().unwrap().to_owned();
    let run = run(&[
        "--json",
        "cancel",
        handle.id(),
        "--owner-token",
        &token,
        "--server",
        &server.url,
    ])
    .await;

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
    let files = Files::new(&subject_png());
    let mut child = trellis(&[
        "generate",
        &files.photo,
        "-o",
        &files.output,
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

    // Then it cancelled the generation, wrote nothing and exited with 130
    assert_eq!(status.code(), Some(130));
    let generation = server.client().generation(id).status().await.unwrap();
    assert_eq!(generation.status, JobStatus::Cancelled);
    files.assert_no_output();
    occupied.release().await;
}

#[tokio::test]
async fn a_file_that_is_not_an_image_fails_with_the_proxys_message() {
    let server = TestServer::builtin().await;
    let files = Files::new(b"this is a text file");

    let run = run(&[
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &server.url,
    ])
    .await;

    run.assert_failed_with("error: The upload is not an image this server reads");
    files.assert_no_output();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_without_a_subject_fails_with_the_engines_message() {
    let server = TestServer::builtin().await;
    let files = Files::new(&uniform_png());

    let run = run(&[
        "--json",
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &server.url,
    ])
    .await;

    run.assert_failed_with(" failed: ");
    assert_eq!(run.json_error()["error"]["code"], "no_subject");
    files.assert_no_output();
}

#[tokio::test]
async fn a_missing_photo_is_named_in_the_error() {
    let files = Files::new(b"");
    let missing = Path::new(&files.photo).with_file_name("missing.png");
    let missing = missing.to_str().unwrap();

    let run = run(&["generate", missing, "-o", &files.output]).await;

    run.assert_failed_with(&format!("error: cannot read the image {missing}: "));
    files.assert_no_output();
}

#[tokio::test]
async fn settings_out_of_range_fail_before_anything_is_sent() {
    // Given no server at all, so only a local check can answer
    let url = down_server_url().await;
    let files = Files::new(&subject_png());
    let generate = [
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &url,
    ];

    let texture = run(&[&generate[..], &["--texture", "300"]].concat()).await;
    texture
        .assert_failed_with("error: texture_size must be one of 512, 1024, 2048, 4096 (got 300)");

    let seed = run(&[&generate[..], &["--seed", "-1"]].concat()).await;
    seed.assert_failed_with("seed must be a whole number from 0 to 2147483647 (got \"-1\")");
    files.assert_no_output();
}

#[tokio::test]
async fn an_output_path_that_cannot_be_written_fails_before_anything_is_sent() {
    let url = down_server_url().await;
    let files = Files::new(&subject_png());
    let output: PathBuf = [
        files.dir.path(),
        Path::new("no-such-dir"),
        Path::new("m.glb"),
    ]
    .iter()
    .collect();

    let run = run(&[
        "generate",
        &files.photo,
        "-o",
        output.to_str().unwrap(),
        "--server",
        &url,
    ])
    .await;

    run.assert_failed_with(&format!("error: cannot write {}: ", output.display()));
}

#[tokio::test]
async fn a_server_that_is_down_fails_with_a_clear_message() {
    let url = down_server_url().await;
    let files = Files::new(&subject_png());

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
        "--json",
        "generate",
        &files.photo,
        "-o",
        &files.output,
        "--server",
        &url,
    ])
    .await;
    assert_eq!(generate.json_error()["error"]["code"], "unreachable");
    assert_eq!(generate.status.code(), Some(1));
    files.assert_no_output();
}
