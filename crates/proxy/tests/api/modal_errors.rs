//! The Modal backend's failures: every application error of contract
//! §1.7 (sent with HTTP 200), platform statuses, and a network that
//! breaks, hangs or refuses. Each ends in a failed generation whose message
//! says what to do, with nothing stored and nothing leaked.

use serde_json::json;
use trellis_api::{Health, HealthStatus, JobStatus};

use crate::{
    common::{MODAL_KEY, TestServer},
    images::subject_png,
    modal::{assert_no_leftovers, failure, modal_args, modal_server},
    upstream::{Reply, Upstream, closed_port_url, modal_error, modal_generated},
};

#[tokio::test]
async fn every_application_error_arrives_as_http_200_and_becomes_a_message() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    let cases = [
        (
            "/generate",
            "validation_error",
            "Invalid image: cannot identify image file",
            "invalid_input",
            "refused this photo or these settings: Invalid image",
        ),
        (
            "/generate",
            "cuda_oom",
            "GPU out of memory. Try a smaller image or lower resolution pipeline.",
            "gpu_out_of_memory",
            "ran out of memory. Try a smaller image or lower resolution pipeline.",
        ),
        (
            "/generate",
            "cuda_oom",
            "GPU out of memory during video rendering.",
            "gpu_out_of_memory",
            "ran out of memory. Try again with a lower resolution",
        ),
        (
            "/generate",
            "generation_error",
            "Generation failed: zero-size array",
            "upstream_error",
            "while generating the 3D shape: Generation failed: zero-size array",
        ),
        (
            "/generate",
            "rendering_error",
            "Video rendering failed: EGL",
            "upstream_error",
            "while rendering the preview video",
        ),
        (
            "/generate",
            "compression_error",
            "State compression failed: lz4",
            "upstream_error",
            "while packing the result",
        ),
        (
            "/extract_glb",
            "validation_error",
            "Invalid state: unpickling",
            "invalid_input",
            "Invalid state: unpickling",
        ),
        (
            "/extract_glb",
            "cuda_oom",
            "GPU out of memory during GLB extraction. Try reducing texture size.",
            "gpu_out_of_memory",
            "Try reducing texture size.",
        ),
        (
            "/extract_glb",
            "extraction_error",
            "GLB extraction failed: cumesh",
            "upstream_error",
            "while extracting the GLB model",
        ),
    ];
    for (path, code, message, ours, words) in cases {
        upstream.script(path, [modal_error(code, message)]);
        let error = failure(&server).await;
        assert_eq!(error.code, ours, "{code} at {path}");
        assert!(
            error.message.contains(words),
            "{code}: {:?} lacks {words:?}",
            error.message
        );
    }
}

#[tokio::test]
async fn a_401_says_the_credentials_are_wrong_and_which_setting_to_fix() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    upstream.script(
        "/generate",
        [Reply::Status(
            401,
            "text/plain",
            "modal-http: invalid credentials for proxy authorization".into(),
        )],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_unauthorized");
    assert!(
        error.message.contains("credentials (HTTP 401)"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("--modal-key and --modal-secret"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_422_and_a_500_become_messages_with_their_status() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    let detail = json!({ "detail": [{ "loc": ["body"], "msg": "Input should be a valid dictionary", "type": "dict_type" }] });
    upstream.script(
        "/generate",
        [
            Reply::Status(422, "application/json", detail.to_string()),
            Reply::Status(500, "text/plain", "Internal Server Error".into()),
        ],
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_rejected_request");
    assert!(
        error
            .message
            .contains("HTTP 422: body: Input should be a valid dictionary"),
        "{}",
        error.message
    );
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_error");
    assert!(error.message.contains("HTTP 500"), "{}", error.message);
}

#[tokio::test]
async fn a_303_chain_is_followed_with_the_credentials_to_the_result() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    upstream.script(
        "/generate",
        [Reply::Redirects(
            6,
            Box::new(Reply::Json(modal_generated())),
        )],
    );
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    let seen = upstream.seen("/generate");
    assert_eq!(seen.len(), 7);
    assert_eq!(seen[0].method, "POST");
    for hop in &seen[1..] {
        assert_eq!(hop.method, "GET");
        assert!(
            hop.query
                .as_deref()
                .unwrap()
                .contains("__modal_function_call_id")
        );
        assert_eq!(hop.headers["modal-key"], MODAL_KEY);
    }
}

#[tokio::test]
async fn a_connection_reset_mid_body_fails_the_generation_and_stores_nothing() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    upstream.script("/generate", [Reply::Reset(b"{\"state\":\"QUJDRA".to_vec())]);
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_bad_response");
    assert!(
        error.message.contains("connection broke"),
        "{}",
        error.message
    );
    assert_no_leftovers(&server);
}

#[tokio::test]
async fn a_truncated_base64_body_fails_the_generation_and_stores_nothing() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    upstream.script("/generate", [Reply::Raw("{\"state\":\"QUJDRA".into())]);
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_bad_response");
    assert!(error.message.contains("cut short"), "{}", error.message);
    assert_no_leftovers(&server);
}

#[tokio::test]
async fn an_answer_that_stalls_midway_fails_after_the_idle_limit_not_the_step_limit() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &["--upstream-idle-secs", "1"]).await;
    upstream.script("/generate", [Reply::Stall(b"{\"state\":\"QUJDRA".to_vec())]);
    let started = std::time::Instant::now();
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_stalled");
    assert!(
        error
            .message
            .contains("stopped sending its answer halfway (nothing for 1 second)"),
        "{}",
        error.message
    );
    // The step's own limit is 15 minutes; the stall ended it in seconds.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(upstream.seen("/generate").len(), 1);
    assert_no_leftovers(&server);
}

#[tokio::test]
async fn a_hang_past_the_time_limit_fails_and_is_not_sent_again() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &["--generate-timeout-secs", "1"]).await;
    upstream.script("/generate", [Reply::Hang]);
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_timeout");
    assert!(
        error.message.contains("within 1 second"),
        "{}",
        error.message
    );
    assert_eq!(upstream.seen("/generate").len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_once_then_fails_with_a_clear_message() {
    let down = closed_port_url().await;
    let upstream = Upstream::modal().await;
    let args = modal_args(&format!("{down}/generate"), &down, &[]);
    let server = TestServer::configured(tempfile::tempdir().unwrap(), 1, &args).await;
    let error = failure(&server).await;
    assert_eq!(error.code, "upstream_unreachable");
    assert!(
        error.message.contains("refused the connection"),
        "{}",
        error.message
    );
    assert_eq!(
        server.get("/api/health").await.json::<Health>().status,
        HealthStatus::Error
    );
    drop(upstream);
}
