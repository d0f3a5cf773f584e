//! Only a generation's creator may cancel it, remove it or ask for new
//! models; anyone with the link may read and download it.

use axum::{
    body::Body,
    http::{Request, StatusCode, header::CONTENT_TYPE},
};
use serde_json::json;
use trellis_api::{Generation, JobStatus, OWNER_TOKEN_HEADER};

use crate::{common::TestServer, fake::FakeEngine, images::subject_png};

/// `request` with `token` as the owner token, if any.
fn with_token(
    request: axum::http::request::Builder,
    token: Option<&str>,
) -> axum::http::request::Builder {
    match token {
        Some(token) => request.header(OWNER_TOKEN_HEADER, token),
        None => request,
    }
}

#[tokio::test]
async fn a_viewer_with_the_link_cannot_cancel_a_running_job() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let other = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Running).await;

    let cases = [
        (
            None,
            StatusCode::UNAUTHORIZED,
            "owner_token_required",
            "X-Owner-Token",
        ),
        (
            Some(server.token(&other)),
            StatusCode::FORBIDDEN,
            "not_creator",
            "not this generation's",
        ),
    ];
    for (token, status, code, words) in cases {
        let request = with_token(
            Request::delete(format!("/api/generations/{id}")),
            token.as_deref(),
        );
        let reply = server.send(request.body(Body::empty()).unwrap()).await;
        reply.assert_error(status, code, words);
    }
    assert_eq!(server.generation(&id).await.status, JobStatus::Running);

    // The creator can.
    let reply = server.cancel(&id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json::<Generation>().status, JobStatus::Cancelled);
    engine.release_one();
}

#[tokio::test]
async fn a_viewer_cannot_ask_for_new_models_but_can_read_and_download() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;

    for token in [None, Some("0".repeat(64))] {
        let request = with_token(
            Request::post(format!("/api/generations/{id}/extract_glb")),
            token.as_deref(),
        )
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "preset": "quality" }).to_string()))
        .unwrap();
        let reply = server.send(request).await;
        assert!(
            matches!(
                reply.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{}",
            reply.text()
        );
    }
    assert_eq!(
        server.generation(&id).await.models.len(),
        1,
        "a viewer's extraction was queued"
    );

    // Reading, following and downloading need nothing.
    let model = generation.ready_model().unwrap().url.clone().unwrap();
    for path in [
        format!("/api/generations/{id}"),
        format!("/api/{model}"),
        format!("/api/generations/{id}/input.png"),
    ] {
        assert_eq!(server.get(&path).await.status, StatusCode::OK, "{path}");
    }

    // The creator gets the model.
    let reply = server.extract(&id, &json!({ "preset": "quality" })).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
}

#[tokio::test]
async fn a_generation_has_at_most_the_allowed_extractions_and_waiting_does_not_help() {
    let server = TestServer::with_backend_and(
        FakeEngine::instant(),
        &["--extractions-per-generation", "2"],
    )
    .await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    // The first model counts: one more is allowed.
    let reply = server.extract(&id, &json!({ "preset": "fast" })).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    server
        .wait_until(&id, |g| {
            g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    let reply = server.extract(&id, &json!({ "preset": "quality" })).await;
    reply.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "extraction_limit",
        "already has 2 models",
    );
    assert_eq!(
        reply.header("retry-after"),
        None,
        "a retry time for a limit that never resets"
    );
    // A model that exists is still served.
    let reply = server.extract(&id, &json!({ "preset": "fast" })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}
