//! `--access keys`: only holders of an API key made with `trellis-proxy
//! keys add` may start work; viewers still need nothing. Keys are stored
//! hashed, and revoking one takes effect on a running server.

use std::{
    io::{BufRead as _, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use axum::http::{StatusCode, header::AUTHORIZATION};
use serde_json::json;
use trellis_api::{Health, bearer};

use crate::{
    common::{Part, TestServer, multipart},
    images::subject_png,
};

const PROXY: &str = env!("CARGO_BIN_EXE_trellis-proxy");

/// Runs `trellis-proxy keys …` on `data_dir`: status, stdout, stderr.
pub fn keys(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(PROXY)
        .arg("keys")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An upload with `Authorization: <authorization>`, if any.
pub async fn upload(server: &TestServer, authorization: Option<&str>) -> crate::common::Reply {
    let image = subject_png();
    let mut request = multipart(&[Part::File("image", &image)]);
    if let Some(value) = authorization {
        request
            .headers_mut()
            .insert(AUTHORIZATION, value.parse().unwrap());
    }
    server.send(request).await
}

#[tokio::test]
async fn in_keys_mode_only_a_valid_key_starts_work_and_revoking_it_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, key, _) = keys(&data, &["add", "alice"]);
    assert!(ok);
    let key = key.trim().to_owned();
    assert!(key.starts_with("trk_") && key.len() > 40, "{key}");

    let server = TestServer::configured(dir, 1, &["--access".to_owned(), "keys".to_owned()]).await;
    let health: Health = server.get("/api/health").await.json();
    assert_eq!(health.access, trellis_api::AccessMode::Keys);

    let reply = upload(&server, None).await;
    reply.assert_error(
        StatusCode::UNAUTHORIZED,
        "api_key_required",
        "Authorization: Bearer <key>",
    );
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let reply = upload(&server, Some(&bearer("trk_0000"))).await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid", "revoked");
    server.assert_nothing_stored();
    // The cut-out preview spends the server's CPU too.
    let preview = |auth: Option<String>| {
        let mut request = axum::http::Request::post("/api/cutout")
            .header(axum::http::header::CONTENT_TYPE, "image/png");
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth);
        }
        server.send(request.body(axum::body::Body::from(subject_png())).unwrap())
    };
    preview(None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required", "API key");
    assert_eq!(preview(Some(bearer(&key))).await.status, StatusCode::OK);

    let reply = upload(&server, Some(&bearer(&key))).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let id = server.accepted(&reply);
    server
        .wait_for_status(&id, trellis_api::JobStatus::Succeeded)
        .await;

    // Viewers need no key; the creator asking for a model needs both.
    assert_eq!(
        server.get(&format!("/api/generations/{id}")).await.status,
        StatusCode::OK
    );
    let reply = server.extract(&id, &json!({ "preset": "fast" })).await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "api_key_required", "API key");

    // The list shows who has a key, never the key.
    let (ok, list, _) = keys(&server.dir.path().join("data"), &["list"]);
    assert!(
        ok && list.contains("alice") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&key));
    let db = std::fs::read(server.dir.path().join("data").join(trellis_proxy::DB_FILE)).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(&key),
        "the key is stored in the clear"
    );

    // Revoked while the server runs: refused at once.
    let (ok, _, said) = keys(&server.dir.path().join("data"), &["revoke", "alice"]);
    assert!(ok, "{said}");
    let reply = upload(&server, Some(&bearer(&key))).await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid", "revoked");
}

#[test]
fn key_commands_explain_their_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    assert!(keys(dir.path(), &["add", "bob"]).0);
    let (ok, _, said) = keys(dir.path(), &["add", "bob"]);
    assert!(!ok && said.contains("already exists"), "{said}");
    let (ok, _, said) = keys(dir.path(), &["revoke", "carol"]);
    assert!(
        !ok && said.contains("no active key is named \"carol\""),
        "{said}"
    );
    let (ok, _, said) = keys(dir.path(), &["add", "has space"]);
    assert!(!ok && said.contains("key name"), "{said}");
}

/// Starts the proxy binary with `args` and returns what it logged before
/// it said it was serving.
fn start_log(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(PROXY)
        .args(args)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--dist-dir")
        .arg(dir.path().join("dist"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let give_up = Instant::now() + Duration::from_secs(60);
    let mut log = String::new();
    while Instant::now() < give_up {
        let Some(Ok(line)) = lines.next() else { break };
        log.push_str(&line);
        log.push('\n');
        if line.starts_with("Trellis Studio at") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

#[test]
fn listening_beyond_loopback_in_open_mode_warns_at_start() {
    // Nothing is sent to the wildcard address; the server only binds it.
    let log = start_log(&["--bind", "0.0.0.0:0"]);
    assert!(log.contains("Trellis Studio at"), "{log}");
    assert!(
        log.contains("anyone who reaches it can start GPU jobs"),
        "{log}"
    );
    let log = start_log(&["--bind", "0.0.0.0:0", "--access", "keys"]);
    assert!(
        log.contains("Trellis Studio at") && !log.contains("anyone who reaches it"),
        "{log}"
    );
    let log = start_log(&["--bind", "127.0.0.1:0"]);
    assert!(
        log.contains("Trellis Studio at") && !log.contains("anyone who reaches it"),
        "{log}"
    );
}
