//! The server holds under abuse: body limits per route, load shedding with
//! 503 and `Retry-After`, slow clients cut off, and every error in the
//! API's JSON shape, the file server's own included.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    http::{Request, StatusCode, header::RANGE},
};
use futures_util::{StreamExt as _, stream};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tower::ServiceExt as _;
use trellis_api::JobStatus;

use crate::{
    common::{TestServer, listen},
    fake::FakeEngine,
    images::subject_png,
};

#[tokio::test]
async fn each_route_has_its_own_body_limit() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    // Extraction settings are a few hundred bytes; 64 KiB is not that.
    let padding = "x".repeat(64 * 1024);
    let reply = server
        .extract(
            &id,
            &serde_json::json!({ "preset": "fast", "padding": padding }),
        )
        .await;
    reply.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "");
}

#[tokio::test]
async fn past_the_requests_in_flight_the_server_sheds_load_with_503() {
    let server =
        TestServer::with_backend_and(FakeEngine::instant(), &["--max-requests-in-flight", "2"])
            .await;
    // Two uploads whose bodies never finish hold the two places.
    let mut held = Vec::new();
    for _ in 0..2 {
        let endless = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"--x\r\n"))])
            .chain(stream::pending());
        let request = Request::post("/api/generate")
            .header("content-type", "multipart/form-data; boundary=x")
            .body(Body::from_stream(endless))
            .unwrap();
        held.push(tokio::spawn(server.app.clone().oneshot(request)));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let reply = server.get("/api/health").await;
    reply.assert_error(StatusCode::SERVICE_UNAVAILABLE, "server_busy", "too busy");
    assert_eq!(reply.header("retry-after"), Some("2"));

    for task in held {
        task.abort();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.get("/api/health").await.status, StatusCode::OK);
}

/// Reads what the server sends until it closes, for at most `wait`.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_client_sending_its_headers_byte_by_byte_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let addr = listen(dir.path(), &["--header-timeout-secs", "1"]).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    // ... and never the blank line that ends the headers.
    let answer = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(answer.is_some(), "the connection is still held");
    // A normal client is served meanwhile.
    let mut fine = TcpStream::connect(addr).await.unwrap();
    fine.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut fine, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn an_upload_that_stalls_is_abandoned_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let addr = listen(dir.path(), &["--body-idle-secs", "1"]).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        b"POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"image\":\"",
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut slow, Duration::from_secs(10))
        .await
        .expect("an answer in time");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"upload_stalled\""), "{answer}");
}

#[tokio::test]
async fn the_file_servers_404_and_416_are_json_too() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;
    let model = generation.ready_model().unwrap().url.clone().unwrap();

    let request = Request::get(format!("/api/{model}"))
        .header(RANGE, "bytes=999999-")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        "outside the file",
    );
    assert!(
        reply
            .header("content-range")
            .unwrap()
            .starts_with("bytes */")
    );

    // A file gone from the disk though its record lists it.
    let path = server
        .generations_dir()
        .join(&id)
        .join(&model["generations/".len() + id.len() + 1..]);
    std::fs::remove_file(&path).unwrap();
    let reply = server.get(&format!("/api/{model}")).await;
    reply.assert_error(StatusCode::NOT_FOUND, "file_missing", "missing");

    // And the web app's own refusals.
    let request = Request::post("/").body(Body::empty()).unwrap();
    let reply = server.send(request).await;
    assert!(reply.status.is_client_error() || reply.status.is_server_error());
    let body: serde_json::Value = reply.json();
    assert!(body["error"]["code"].is_string(), "{body}");
}
