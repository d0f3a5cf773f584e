//! Reading generations: ids, the stored input, extraction settings, health.

use std::time::Duration;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use image::{GenericImageView, ImageFormat, Rgba, RgbaImage};
use serde_json::json;
use tokio::time::timeout;
use tower::ServiceExt;
use trellis_api::{BackendKind, Generation, Health, HealthStatus, JobStatus, PipelineType};

use crate::{
    common::TestServer,
    fake::FakeEngine,
    images::{encode, subject_png},
};

/// How long a stream may take to deliver what a test waits for.
const STREAM_WAIT: Duration = Duration::from_secs(10);
const UNKNOWN_ID: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn a_malformed_id_is_a_400_on_every_route() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    for id in [
        "not-an-id",
        "..%2F..%2Fetc%2Fpasswd",
        "0123456789ABCDEF0123456789ABCDEF",
    ] {
        for path in ["", "/events", "/input.png", "/models/500000-2048.glb"] {
            let reply = server.get(&format!("/api/generations/{id}{path}")).await;
            reply.assert_error(StatusCode::BAD_REQUEST, "invalid_id", "32 characters");
        }
    }
    let reply = server
        .post_json("/api/generations/x/extract_glb", &json!({}))
        .await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_id", "not a generation id");
}

#[tokio::test]
async fn an_unknown_id_is_a_404_on_every_route() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    for path in ["", "/events", "/input.png", "/models/500000-2048.glb"] {
        let reply = server
            .get(&format!("/api/generations/{UNKNOWN_ID}{path}"))
            .await;
        reply.assert_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "No generation has this id",
        );
    }
    let request = Request::delete(format!("/api/generations/{UNKNOWN_ID}"))
        .body(Body::empty())
        .unwrap();
    server.send(request).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "No generation has this id",
    );
}

#[tokio::test]
async fn a_model_that_was_never_extracted_is_a_404_that_says_so() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    for file in ["1000-512.glb", "500000-2048.png", "..%2Fgeneration.json"] {
        let reply = server
            .get(&format!("/api/generations/{id}/models/{file}"))
            .await;
        reply.assert_error(StatusCode::NOT_FOUND, "model_not_found", "Extract it first");
    }
}

#[tokio::test]
async fn extraction_settings_outside_the_shared_ranges_are_refused() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    let reply = server.extract(&id, &json!({ "texture_size": 300 })).await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "texture_size must be one of",
    );
    let reply = server
        .extract(&id, &json!({ "decimation_target": 10 }))
        .await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "(got 10)",
    );
    let reply = server.extract(&id, &json!({ "preset": "ultra" })).await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        "unknown variant `ultra`",
    );
    let request = server
        .as_owner(
            &id,
            Request::post(format!("/api/generations/{id}/extract_glb")),
        )
        .header("content-type", "application/json")
        .body(Body::from("{\"preset\":"))
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_json", "");

    // And nothing was added
    assert_eq!(server.generation(&id).await.models.len(), 1);
}

#[tokio::test]
async fn a_large_photo_is_stored_at_1024_pixels_with_its_alpha() {
    // Given a 2000×1000 cut-out
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let photo = RgbaImage::from_fn(2000, 1000, |x, _| {
        Rgba([200, 100, 50, if x < 1000 { 255 } else { 0 }])
    });
    let id = server.submit(&encode(&photo, ImageFormat::Png), &[]).await;

    // When its stored input is fetched
    let generation = server.generation(&id).await;
    assert_eq!(generation.input_url, format!("generations/{id}/input.png"));
    let reply = server.get(&format!("/api/{}", generation.input_url)).await;

    // Then it is a PNG of 1024×512 that kept the transparent half
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    let stored = image::load_from_memory_with_format(&reply.body, ImageFormat::Png).unwrap();
    assert_eq!(stored.dimensions(), (1024, 512));
    assert_eq!(stored.get_pixel(1000, 256)[3], 0);
    assert_eq!(stored.get_pixel(10, 256)[3], 255);
}

#[tokio::test]
async fn a_sideways_phone_photo_is_stored_upright() {
    // Given a 40×20 JPEG whose EXIF says "rotate 90° clockwise to view"
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let photo = RgbaImage::from_pixel(40, 20, Rgba([90, 160, 220, 255]));
    let jpeg = with_exif_orientation(&encode(&photo, ImageFormat::Jpeg), 6);

    // When it is uploaded
    let id = server.submit(&jpeg, &[]).await;

    // Then the stored input is 20×40
    let reply = server
        .get(&format!("/api/generations/{id}/input.png"))
        .await;
    let stored = image::load_from_memory_with_format(&reply.body, ImageFormat::Png).unwrap();
    assert_eq!(stored.dimensions(), (20, 40));
}

/// Inserts an APP1 Exif segment with one Orientation tag after the JPEG's SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec(); // big-endian, IFD at 8
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // Orientation, SHORT, 1
    tiff.extend_from_slice(&[0x00, orientation, 0x00, 0x00]);
    tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
    let mut segment = b"Exif\x00\x00".to_vec();
    segment.extend_from_slice(&tiff);
    let length = u16::try_from(segment.len() + 2).unwrap().to_be_bytes();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn health_describes_the_cpu_engine_and_the_queue() {
    let server = TestServer::builtin().await;
    let reply = server.get("/api/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    let health: Health = reply.json();
    assert_eq!(health.status, HealthStatus::Ready);
    assert_eq!(health.backend, BackendKind::Builtin);
    assert_eq!(health.label, "CPU preview — no AI model");
    assert_eq!(health.queue_length, 0);
    assert!(health.can_extract);
    assert!(!health.has_preview_video);
    // The CPU engine is quick at every size; each estimate is just positive.
    let listed: Vec<_> = health
        .pipeline_seconds
        .iter()
        .map(|e| e.pipeline_type)
        .collect();
    assert_eq!(listed, PipelineType::ALL);
    assert!(
        health.pipeline_seconds.iter().all(|e| e.seconds > 0.0),
        "{health:?}"
    );
}

#[tokio::test]
async fn health_counts_running_and_waiting_jobs() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine, 1).await;
    let a = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&a, JobStatus::Running).await;
    server.submit(&subject_png(), &[]).await;
    let health: Health = server.get("/api/health").await.json();
    assert_eq!(health.queue_length, 2);
}

/// The JSON of each `data:` line of an event-stream chunk.
fn events_in(chunk: &[u8]) -> Vec<Generation> {
    String::from_utf8_lossy(chunk)
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[tokio::test]
async fn the_event_stream_sends_the_state_at_once_and_every_change_after() {
    // Given a job the engine is holding
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Running).await;

    // When the stream is opened
    let uri = format!("/api/generations/{id}/events");
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let mut body = server
        .app
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .into_body();

    // Then the current state comes first
    let first = timeout(STREAM_WAIT, body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let first = events_in(first.data_ref().unwrap());
    assert_eq!(first[0].status, JobStatus::Running);

    // And once the engine is done, the stream ends on the finished state
    engine.release_one();
    let rest = timeout(STREAM_WAIT, body.collect())
        .await
        .unwrap()
        .unwrap()
        .to_bytes();
    let last = events_in(&rest).pop().expect("a final event");
    assert_eq!(last.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn event_streams_end_when_the_server_shuts_down() {
    // Given a stream on a job that will not finish soon
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine, 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let uri = format!("/api/generations/{id}/events");
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let mut body = server
        .app
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .into_body();
    timeout(STREAM_WAIT, body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    // When the server shuts down
    server.state.shut_down();

    // Then the stream ends rather than holding the shutdown up
    timeout(STREAM_WAIT, body.collect())
        .await
        .expect("the stream ended")
        .unwrap();
}
