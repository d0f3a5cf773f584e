//! The FastAPI backend against a fake of the crossworld server: the mesh
//! becomes a GLB, settings are sent the way that server needs them, and its
//! failures (loading, broken meshes, 422, 500) become messages.

use axum::http::StatusCode;
use serde_json::{Value, json};
use trellis_api::{ErrorDetail, Health, HealthStatus, JobStatus, PipelineType};

use crate::{
    common::TestServer,
    images::{glb_faces, subject_png},
    upstream::{Reply, Upstream, fastapi_health, mesh_answer},
};

async fn fastapi_server(upstream: &Upstream) -> TestServer {
    let args = ["--backend", "fastapi", "--fastapi-url", &upstream.url].map(str::to_owned);
    TestServer::configured(tempfile::tempdir().unwrap(), 1, &args).await
}

async fn failure(server: &TestServer) -> ErrorDetail {
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_for_status(&id, JobStatus::Failed).await;
    generation.error.expect("an error")
}

/// The glTF JSON chunk of a GLB.
fn gltf_json(glb: &[u8]) -> Value {
    let len = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
    serde_json::from_slice(&glb[20..20 + len]).unwrap()
}

#[tokio::test]
async fn every_pipeline_type_becomes_a_coloured_glb_with_explicit_settings() {
    let upstream = Upstream::fastapi().await;
    let server = fastapi_server(&upstream).await;
    let resolutions = [
        ("512", "512"),
        ("1024", "1024"),
        ("1024_cascade", "1024"),
        ("1536_cascade", "1536"),
    ];
    for (pipeline, resolution) in resolutions {
        assert!(PipelineType::parse(pipeline).is_ok());
        let id = server
            .submit(&subject_png(), &[("pipeline_type", pipeline)])
            .await;
        let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;

        // Upstream got a string resolution, an integer seed, every guidance
        let sent = upstream.seen("/generate").pop().unwrap().body;
        assert_eq!(sent["resolution"], resolution);
        assert_eq!(sent["seed"], 42);
        assert_eq!(sent["shape_slat_guidance_strength"], 7.5);
        assert_eq!(sent["tex_slat_guidance_strength"], 1.0);

        // The one model is the mesh, as a GLB with vertex colours
        assert_eq!(generation.models.len(), 1);
        assert_eq!(generation.video_url, None);
        let model = generation.ready_model().unwrap();
        assert_eq!((model.faces, model.vertices), (Some(2), Some(4)));
        let glb = server
            .get(&format!("/api/{}", model.url.as_ref().unwrap()))
            .await;
        assert_eq!(glb.header("content-type"), Some("model/gltf-binary"));
        assert_eq!(glb_faces(&glb.body), 2);
        assert!(
            gltf_json(&glb.body)["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"].is_u64()
        );
    }
}

#[tokio::test]
async fn it_has_no_extract_step_and_no_video() {
    let upstream = Upstream::fastapi().await;
    let server = fastapi_server(&upstream).await;
    let health: Health = server.get("/api/health").await.json();
    assert_eq!(health.status, HealthStatus::Ready);
    assert!(!health.can_extract && !health.has_preview_video);

    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    let reply = server.extract(&id, &json!({ "preset": "quality" })).await;
    reply.assert_error(
        StatusCode::CONFLICT,
        "extract_unsupported",
        "cannot extract others",
    );
    let video = server
        .get(&format!("/api/generations/{id}/preview.mp4"))
        .await;
    video.assert_error(StatusCode::NOT_FOUND, "no_video", "no preview video");
}

#[tokio::test]
async fn while_the_model_loads_health_says_so_and_a_job_fails_with_advice() {
    let upstream = Upstream::fastapi().await;
    upstream.set_default("/health", Reply::Json(fastapi_health("loading")));
    let server = fastapi_server(&upstream).await;
    assert_eq!(
        server.get("/api/health").await.json::<Health>().status,
        HealthStatus::Loading
    );

    let loading = json!({ "detail": "Models still loading - try again in a moment" });
    upstream.script(
        "/generate",
        [Reply::Status(503, "application/json", loading.to_string())],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_loading");
    assert!(
        error.message.contains("still loading its model"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn out_of_range_face_indices_are_a_broken_mesh() {
    let upstream = Upstream::fastapi().await;
    let server = fastapi_server(&upstream).await;
    upstream.script(
        "/generate",
        [Reply::Json(mesh_answer(&[[0, 1, 2], [0, 2, 99]]))],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_broken_mesh");
    assert!(
        error
            .message
            .contains("GPU server returned a broken mesh (face 1 uses vertex 99"),
        "{}",
        error.message
    );
    upstream.script("/generate", [Reply::Json(mesh_answer(&[[0, -1, 2]]))]);
    assert_eq!(failure(&server).await.code, "upstream_broken_mesh");
}

#[tokio::test]
async fn a_422_and_an_inference_500_become_messages() {
    let upstream = Upstream::fastapi().await;
    let server = fastapi_server(&upstream).await;
    let invalid = json!({ "detail": [{ "loc": ["body", "ss_guidance_strength"], "msg": "Input should be less than or equal to 20" }] });
    let failed = json!({ "detail": "Inference failed: 'dict' object has no attribute 'mesh'" });
    upstream.script(
        "/generate",
        [
            Reply::Status(422, "application/json", invalid.to_string()),
            Reply::Status(500, "application/json", failed.to_string()),
        ],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_rejected_request");
    assert!(
        error
            .message
            .contains("body.ss_guidance_strength: Input should be less"),
        "{}",
        error.message
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_error");
    assert!(
        error.message.contains("Inference failed"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_mesh_answer_that_stalls_midway_fails_after_the_idle_limit() {
    let upstream = Upstream::fastapi().await;
    let args = [
        "--backend",
        "fastapi",
        "--fastapi-url",
        &upstream.url,
        "--upstream-idle-secs",
        "1",
    ]
    .map(str::to_owned);
    let server = TestServer::configured(tempfile::tempdir().unwrap(), 1, &args).await;
    upstream.script(
        "/generate",
        [Reply::Stall(b"{\"vertices\": [[0.1, ".to_vec())],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_stalled");
    assert!(
        error.message.contains("nothing for 1 second"),
        "{}",
        error.message
    );
}
